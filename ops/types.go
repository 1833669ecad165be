package ops

import (
	"crypto/rand"
	"encoding/hex"
	"strconv"
	"time"

	"github.com/citygrid/citygrid/geo"
)

// Alert kinds.
const (
	KindHotCell = "hot_cell"
	KindAnomaly = "anomaly"
	KindSevere  = "severe_incident"
	KindUncover = "uncovered"
	KindOverdue = "overdue_dispatch"
	// KindCaseOverdue is a case waiting for handling past its deadline.
	KindCaseOverdue = "case_overdue"
	// KindStorm folds many alerts of one kind in one district (StormRule).
	KindStorm = "storm"
)

// Alert statuses.
const (
	StatusOpen     = "open"
	StatusAcked    = "acknowledged"
	StatusResolved = "resolved"
)

// An Alert is one condition at one place, from when a rule saw it to when it
// was resolved. Its JSON is the API's (docs/API.md, "Alert").
type Alert struct {
	ID        string          `json:"id"`
	Kind      string          `json:"kind"`
	Key       string          `json:"key"` // condition and place: one alert per key at a time
	Rule      string          `json:"rule"`
	Severity  int             `json:"severity"`
	Status    string          `json:"status"`
	Cell      string          `json:"cell,omitempty"`
	Res       int             `json:"res,omitempty"`
	Region    string          `json:"region,omitempty"` // the code, for alerts on a region
	Level     string          `json:"level,omitempty"`  // the region's level
	Regions   geo.RegionCodes `json:"regions,omitzero"` // the regions holding the place
	Lat       float64         `json:"lat"`
	Lng       float64         `json:"lng"`
	Value     float64         `json:"value"`
	Threshold float64         `json:"threshold"`
	Message   string          `json:"message"`
	OpenedAt  time.Time       `json:"openedAt"`
	AckedAt   time.Time       `json:"ackedAt,omitzero"`
	AckedBy   string          `json:"ackedBy,omitempty"`
	// ResolvedAt, ResolvedBy ("rules" when automatic) and Resolution ("auto"
	// or "manual") are set once resolved.
	ResolvedAt time.Time `json:"resolvedAt,omitzero"`
	ResolvedBy string    `json:"resolvedBy,omitempty"`
	Resolution string    `json:"resolution,omitempty"`
	Incident   string    `json:"incident,omitempty"`
	Dispatch   string    `json:"dispatch,omitempty"`
	Case       string    `json:"case,omitempty"`
	// Note is the latest note an operator gave; AckNote and ResolveNote
	// keep what was said at each step, for the incident's history.
	Note        string `json:"note,omitempty"`
	AckNote     string `json:"ackNote,omitempty"`
	ResolveNote string `json:"resolveNote,omitempty"`
	// Of is a storm's members' kind; Members counts its members still active
	// and Worst names the worst of them (highest severity, then newest). They
	// are read off the board, not stored: they follow the members.
	Of      string   `json:"of,omitempty"`
	Members int      `json:"members,omitempty"`
	Worst   []string `json:"worst,omitempty"`
}

// Active reports whether the alert is not resolved.
func (a *Alert) Active() bool { return a.Status != StatusResolved }

// Dispatch statuses.
const (
	Assigned  = "assigned"
	EnRoute   = "en_route"
	OnScene   = "on_scene"
	Cleared   = "cleared"
	Cancelled = "cancelled"
)

// A Dispatch sends one unit to one cell. Its JSON is the API's.
type Dispatch struct {
	ID         string    `json:"id"`
	Unit       string    `json:"unit"`
	Cell       string    `json:"cell"` // at geo.FineRes
	Lat        float64   `json:"lat"`
	Lng        float64   `json:"lng"`
	Incident   string    `json:"incident,omitempty"`
	Alert      string    `json:"alert,omitempty"`
	Note       string    `json:"note,omitempty"`
	Status     string    `json:"status"`
	AssignedAt time.Time `json:"assignedAt"`
	AssignedBy string    `json:"assignedBy"`
	EnRouteAt  time.Time `json:"enRouteAt,omitzero"`
	OnSceneAt  time.Time `json:"onSceneAt,omitzero"`
	ClearedAt  time.Time `json:"clearedAt,omitzero"`
	ClearedBy  string    `json:"clearedBy,omitempty"`
	// EndNote is the note given when the dispatch was cleared or cancelled
	// (Note is the dispatcher's at assignment).
	EndNote string `json:"endNote,omitempty"`
	// ResponseSeconds is OnSceneAt − AssignedAt, by event time.
	ResponseSeconds float64 `json:"responseSeconds,omitempty"`
	TargetSeconds   float64 `json:"targetSeconds,omitempty"`
	Overdue         bool    `json:"overdue"`

	cell    geo.Cell
	engaged bool // the unit reported a status other than available since the assignment
}

// Active reports whether the dispatch still holds its unit.
func (d *Dispatch) Active() bool { return d.Status != Cleared && d.Status != Cancelled }

// ended is when the dispatch stopped being active.
func (d *Dispatch) ended() time.Time { return d.ClearedAt }

// newID is a fresh id: the time makes ids sort by creation, the random part
// keeps two nodes from colliding.
func newID(prefix string, now time.Time) string {
	var b [4]byte
	_, _ = rand.Read(b[:])
	return prefix + "-" + strconv.FormatInt(now.UnixMilli(), 10) + "-" + hex.EncodeToString(b[:])
}

// The command types of the commands stream.
const (
	cmdAlertOpen       = "alert.open"
	cmdAlertAck        = "alert.ack"
	cmdAlertResolve    = "alert.resolve"
	cmdDispatchAssign  = "dispatch.assign"
	cmdDispatchClear   = "dispatch.clear"
	cmdDispatchCancel  = "dispatch.cancel"
	claimsOpen         = "open"
	claimsBusy         = "busy"
	byRules            = "rules"
	resolutionAuto     = "auto"
	resolutionManual   = "manual"
	maxListedAlerts    = 500
	keepEnded          = 24 * time.Hour
	recentDispatchSpan = 10 * time.Minute
)

// ClaimSets names the sets of claims the board's proposals use (geo.Claim.Set):
// alert keys, and units on dispatch.
var ClaimSets = []string{claimsOpen, claimsBusy}

// change is the payload of the commands that change an existing alert or
// dispatch.
type change struct {
	Alert      string `json:"alert,omitempty"`
	Dispatch   string `json:"dispatch,omitempty"`
	Note       string `json:"note,omitempty"`
	Resolution string `json:"resolution,omitempty"`
}
