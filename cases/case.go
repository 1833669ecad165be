package cases

import (
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/citygrid/citygrid/geo"
	"github.com/citygrid/citygrid/worktime"
)

// A State is where a case stands in the loop.
type State string

// The states, in the order of the loop. A case waiting for a step is counted
// on the big screens by that step's name (Label).
const (
	Registered State = "registered" // 待受理: reported, not yet accepted as a case
	Accepted   State = "accepted"   // 待派遣: filed, waiting to be assigned
	Assigned   State = "assigned"   // 待处理: a level, region and department must handle it
	Handled    State = "handled"    // 待核查: handled with a feedback note, waiting for the check
	Verified   State = "verified"   // 待结案: the check passed, waiting to be closed
	Closed     State = "closed"     // 已结案
	Rated      State = "rated"      // 已评价: the reporter rated the result
	Rejected   State = "rejected"   // 不予受理: not a case
	Suspended  State = "suspended"  // 挂起: the clock stops, for an approved reason
)

// States lists every state, in the order of the loop.
var States = []State{Registered, Accepted, Assigned, Handled, Verified, Closed, Rated, Rejected, Suspended}

// OpenStates are the states of a case still in the loop, each counted on the
// wall by the step it waits for.
var OpenStates = []State{Registered, Accepted, Assigned, Handled, Verified, Suspended}

var labels = map[State]string{
	Registered: "待受理", Accepted: "待派遣", Assigned: "待处理", Handled: "待核查",
	Verified: "待结案", Closed: "已结案", Rated: "已评价", Rejected: "不予受理", Suspended: "挂起",
}

// Label is the state's big-screen name.
func (s State) Label() string { return labels[s] }

// Open reports whether a case in state s is still in the loop.
func (s State) Open() bool {
	switch s {
	case Registered, Accepted, Assigned, Handled, Verified, Suspended:
		return true
	}
	return false
}

// Reporter is who raised a case. Name and phone are personal data: stored,
// shown to dispatchers and above only, never in logs, the audit or the wall.
type Reporter struct {
	Name  string `json:"name,omitempty"`
	Phone string `json:"phone,omitempty"`
}

// A Case is one matter from report to rating. Its JSON is the API's
// (docs/API.md, "Cases") and the record the store keeps.
type Case struct {
	ID          string          `json:"id"`
	Title       string          `json:"title"`
	Category    string          `json:"category"`
	Subcategory string          `json:"subcategory"`
	Description string          `json:"description,omitempty"`
	Channel     string          `json:"channel"`
	Incident    string          `json:"incident,omitempty"`
	Lat         float64         `json:"lat"`
	Lng         float64         `json:"lng"`
	Cell        string          `json:"cell"`
	Regions     geo.RegionCodes `json:"regions"`
	Reporter    *Reporter       `json:"reporter,omitempty"`
	Emergency   bool            `json:"emergency,omitempty"`

	State State  `json:"state"`
	Label string `json:"label"` // the state's big-screen name
	// ResumeTo is the state a suspended case goes back to.
	ResumeTo State `json:"resumeTo,omitempty"`
	// Level, Region and Department are who must handle it once assigned;
	// before, the route the catalogue proposes.
	Level      string `json:"level,omitempty"`
	Region     string `json:"region,omitempty"`
	Department string `json:"department,omitempty"`

	// LimitMinutes is the subcategory's limit in working minutes.
	LimitMinutes float64   `json:"limitMinutes"`
	CreatedAt    time.Time `json:"createdAt"`
	CreatedBy    string    `json:"createdBy"`
	// AssignedAt starts the clock; Due is when the limit of working time
	// runs out (pushed on by suspensions), WarnAt when 80 % of it has.
	AssignedAt  time.Time `json:"assignedAt,omitzero"`
	Due         time.Time `json:"due,omitzero"`
	WarnAt      time.Time `json:"warnAt,omitzero"`
	SuspendedAt time.Time `json:"suspendedAt,omitzero"`
	HandledAt   time.Time `json:"handledAt,omitzero"`
	ClosedAt    time.Time `json:"closedAt,omitzero"`
	RatedAt     time.Time `json:"ratedAt,omitzero"`
	// OnTime says the last handling came by the deadline; it is set when
	// the case is handled.
	OnTime bool `json:"onTime"`
	// Deferred says the case was suspended since it was last assigned from
	// the queue: it leaves the denominators of the rates (CJ/T 292).
	Deferred bool `json:"deferred,omitempty"`
	// HandlingMinutes is the working time from assignment to the last
	// handling.
	HandlingMinutes float64 `json:"handlingMinutes,omitempty"`

	Rework       int    `json:"rework"`
	Escalations  int    `json:"escalations"`
	Transfers    int    `json:"transfers"`
	Reopened     int    `json:"reopened"`
	Satisfaction int    `json:"satisfaction,omitempty"`
	Comment      string `json:"comment,omitempty"`

	// Overdue and Warning are set in answers (not stored): the case waits
	// for handling past its deadline, or with 80 % of its time gone.
	Overdue bool `json:"overdue"`
	Warning bool `json:"warning"`
	// Version counts the changes; a change is stored only over the version
	// it was made from.
	Version  int    `json:"version"`
	Timeline []Step `json:"timeline,omitempty"`
}

// A Step is one transition: who moved the case, when, from which level and
// region they acted, and their note.
type Step struct {
	Action string    `json:"action"`
	From   State     `json:"from,omitempty"`
	To     State     `json:"to"`
	At     time.Time `json:"at"`
	By     string    `json:"by"`
	// ActorLevel and ActorRegion are the scope of who acted (the city when
	// they have none).
	ActorLevel  string `json:"actorLevel,omitempty"`
	ActorRegion string `json:"actorRegion,omitempty"`
	// Level, Region and Department are the case's assignment after the step.
	Level        string `json:"level,omitempty"`
	Region       string `json:"region,omitempty"`
	Department   string `json:"department,omitempty"`
	Note         string `json:"note,omitempty"`
	Satisfaction int    `json:"satisfaction,omitempty"`
}

// OverdueAt reports whether the case waits for handling past its deadline
// at now (a suspended case's clock is stopped).
func (c *Case) OverdueAt(now time.Time) bool {
	return c.State == Assigned && !c.Due.IsZero() && now.After(c.Due)
}

// Warned reports whether 80 % of the case's time is gone at now while it
// still waits for handling.
func (c *Case) Warned(now time.Time) bool {
	return c.State == Assigned && !c.WarnAt.IsZero() && !now.Before(c.WarnAt)
}

// The actions of POST /api/v1/cases/{id}/{action}.
const (
	ActAccept   = "accept"
	ActReject   = "reject"
	ActAssign   = "assign"
	ActHandle   = "handle"
	ActVerify   = "verify"
	ActReturn   = "return"
	ActClose    = "close"
	ActRate     = "rate"
	ActEscalate = "escalate"
	ActTransfer = "transfer"
	ActSuspend  = "suspend"
	ActResume   = "resume"
	ActReopen   = "reopen"
)

// from lists, per action, the states it may be taken in.
var from = map[string][]State{
	ActAccept:   {Registered},
	ActReject:   {Registered, Accepted},
	ActAssign:   {Accepted, Assigned},
	ActHandle:   {Assigned},
	ActVerify:   {Handled},
	ActReturn:   {Handled},
	ActClose:    {Verified},
	ActRate:     {Closed},
	ActEscalate: {Accepted, Assigned},
	ActTransfer: {Assigned},
	ActSuspend:  {Assigned},
	ActResume:   {Suspended},
	ActReopen:   {Closed, Rated, Rejected},
}

// Actions lists the actions, in the order of the loop.
var Actions = []string{ActAccept, ActReject, ActAssign, ActHandle, ActVerify, ActReturn, ActClose, ActRate,
	ActEscalate, ActTransfer, ActSuspend, ActResume, ActReopen}

// Allowed lists the actions the case's state allows.
func (c *Case) Allowed() []string {
	var out []string
	for _, a := range Actions {
		if slices.Contains(from[a], c.State) {
			out = append(out, a)
		}
	}
	return out
}

// An Action is one change a person asks for, with what it carries.
type Action struct {
	Name       string `json:"-"`
	Note       string `json:"note"`
	Level      string `json:"level"`      // assign; escalate (optional: the next level up)
	Region     string `json:"region"`     // assign (optional: the case's region at Level)
	Department string `json:"department"` // assign, transfer; escalate (optional)
	// Satisfaction (1–5) and Comment rate a closed case.
	Satisfaction int    `json:"satisfaction"`
	Comment      string `json:"comment"`
}

// An Actor is who takes an action, and the region they act for.
type Actor struct {
	By     string
	Level  string // their scope's level; "city" when they have none
	Region string // their scope's code
}

// Env is what a move needs of the world: the time, the calendar, and the
// regions an assignment may name.
type Env struct {
	Now      time.Time
	Calendar *worktime.Calendar
	// CityCode is the code of the city, the top level of assignment.
	CityCode string
	// RegionExists reports whether code names a region at level. Nil
	// accepts any code.
	RegionExists func(level geo.Level, code string) bool
}

// A ConflictError says the case's state forbids the action: 409, naming the
// state.
type ConflictError struct {
	State State
	Msg   string
}

func (e *ConflictError) Error() string { return e.Msg }

// maxNote bounds a note or comment, in bytes.
const maxNote = 2000

// Levels of settlement, lowest first: escalating moves one up.
var settleLevels = []geo.Level{geo.LevelCommunity, geo.LevelStreet, geo.LevelDistrict, geo.LevelCity}

// Move returns the case after action, by actor, at env.Now: a new record,
// one version on. c is not changed. The error is a *ConflictError when the
// state forbids the action and a *geo.FieldError when the action's body is
// wrong.
func (c *Case) Move(a Action, who Actor, env Env) (*Case, error) {
	states, known := from[a.Name]
	if !known {
		return nil, &geo.FieldError{Field: "action", Reason: fmt.Sprintf("unknown %q (%s)", a.Name, strings.Join(Actions, ", "))}
	}
	if !slices.Contains(states, c.State) {
		return nil, &ConflictError{State: c.State, Msg: fmt.Sprintf("case %s is %s (%s): cannot %s it", c.ID, c.State, c.State.Label(), a.Name)}
	}
	if err := checkText("note", a.Note, maxNote); err != nil {
		return nil, err
	}
	if err := checkText("comment", a.Comment, maxNote); err != nil {
		return nil, err
	}
	n := c.clone()
	now := env.Now
	step := Step{Action: a.Name, From: c.State, At: now, By: who.By, ActorLevel: who.Level, ActorRegion: who.Region, Note: a.Note}
	switch a.Name {
	case ActAccept:
		n.State = Accepted
	case ActReject:
		if a.Note == "" {
			return nil, &geo.FieldError{Field: "note", Reason: "required: why it is not a case"}
		}
		n.State = Rejected
	case ActAssign:
		if err := n.route(a, env); err != nil {
			return nil, err
		}
		if c.State == Accepted {
			// The clock starts; sending a case elsewhere later does not
			// restart it.
			n.startClock(now, env.Calendar)
		}
		n.State = Assigned
	case ActHandle:
		if a.Note == "" {
			return nil, &geo.FieldError{Field: "note", Reason: "required: the feedback on what was done"}
		}
		n.State = Handled
		n.HandledAt = now
		n.OnTime = !now.After(n.Due)
		n.HandlingMinutes = env.Calendar.Between(n.AssignedAt, now).Minutes()
	case ActVerify:
		n.State = Verified
	case ActReturn:
		if a.Note == "" {
			return nil, &geo.FieldError{Field: "note", Reason: "required: why the check failed"}
		}
		n.State = Assigned
		n.Rework++
		n.HandledAt, n.OnTime, n.HandlingMinutes = time.Time{}, false, 0
	case ActClose:
		n.State = Closed
		n.ClosedAt = now
	case ActRate:
		if a.Satisfaction < 1 || a.Satisfaction > 5 {
			return nil, &geo.FieldError{Field: "satisfaction", Reason: "must be between 1 and 5"}
		}
		n.State = Rated
		n.RatedAt = now
		n.Satisfaction, n.Comment = a.Satisfaction, a.Comment
		step.Satisfaction = a.Satisfaction
		if step.Note == "" {
			step.Note = a.Comment
		}
	case ActEscalate:
		if err := n.escalate(a, env); err != nil {
			return nil, err
		}
		if c.State == Accepted {
			n.startClock(now, env.Calendar)
		}
		n.State = Assigned
		n.Escalations++
	case ActTransfer:
		if a.Department == "" {
			return nil, &geo.FieldError{Field: "department", Reason: "required: the department it goes to"}
		}
		if err := checkText("department", a.Department, 128); err != nil {
			return nil, err
		}
		if a.Department == c.Department {
			return nil, &geo.FieldError{Field: "department", Reason: "the case is already with " + a.Department}
		}
		n.Department = a.Department
		n.Transfers++
	case ActSuspend:
		if a.Note == "" {
			return nil, &geo.FieldError{Field: "note", Reason: "required: the approved reason"}
		}
		n.ResumeTo, n.State = c.State, Suspended
		n.SuspendedAt = now
		n.Deferred = true
	case ActResume:
		// The deadline moves on by exactly the working time the clock was
		// stopped.
		lost := env.Calendar.Between(c.SuspendedAt, now)
		if !n.Due.IsZero() {
			n.Due = env.Calendar.Add(n.Due, lost)
			n.WarnAt = env.Calendar.Add(n.WarnAt, lost)
		}
		n.State, n.ResumeTo, n.SuspendedAt = c.ResumeTo, "", time.Time{}
	case ActReopen:
		n.State = Accepted
		n.Reopened++
		n.AssignedAt, n.Due, n.WarnAt, n.HandledAt, n.ClosedAt, n.RatedAt = time.Time{}, time.Time{}, time.Time{}, time.Time{}, time.Time{}, time.Time{}
		n.OnTime, n.Deferred, n.HandlingMinutes, n.Satisfaction, n.Comment = false, false, 0, 0, ""
	}
	n.Label = n.State.Label()
	step.To = n.State
	step.Level, step.Region, step.Department = n.Level, n.Region, n.Department
	n.Timeline = append(n.Timeline, step)
	n.Version++
	return n, nil
}

// startClock sets the deadline of a case assigned from the queue at now.
func (c *Case) startClock(now time.Time, cal *worktime.Calendar) {
	limit := time.Duration(c.LimitMinutes * float64(time.Minute))
	c.AssignedAt = now
	c.Due = cal.Add(now, limit)
	c.WarnAt = cal.Add(now, limit*8/10)
	c.Deferred = false
}

// route sets the assignment an assign action names: a level (by default the
// current or proposed one), a region at that level (by default the case's
// own) and a department (by default the current or proposed one).
func (c *Case) route(a Action, env Env) error {
	level := a.Level
	if level == "" {
		level = c.Level // the route proposed at registration
	}
	lv, err := geo.ParseLevel(level)
	if err != nil || !slices.Contains(settleLevels, lv) {
		return &geo.FieldError{Field: "level", Reason: "must be community, street, district or city"}
	}
	region := a.Region
	if region == "" {
		region = c.regionAt(lv, env)
	}
	if region == "" {
		return &geo.FieldError{Field: "region", Reason: fmt.Sprintf("the case's place has no %s: name one", lv)}
	}
	if lv == geo.LevelCity && region != env.CityCode || lv != geo.LevelCity && env.RegionExists != nil && !env.RegionExists(lv, region) {
		return &geo.FieldError{Field: "region", Reason: fmt.Sprintf("no %s %q", lv, region)}
	}
	if a.Department != "" {
		if err := checkText("department", a.Department, 128); err != nil {
			return err
		}
		c.Department = a.Department
	}
	c.Level, c.Region = lv.String(), region
	return nil
}

// escalate moves the case one level up (or to the level named, which must be
// above), to the case's region at that level.
func (c *Case) escalate(a Action, env Env) error {
	cur, _ := geo.ParseLevel(c.Level) // an unassigned case's is its proposed route
	at := slices.Index(settleLevels, cur)
	if at < 0 || at == len(settleLevels)-1 {
		return &ConflictError{State: c.State, Msg: fmt.Sprintf("case %s is at the %s level: nothing above it", c.ID, c.Level)}
	}
	next := settleLevels[at+1]
	if a.Level != "" {
		lv, err := geo.ParseLevel(a.Level)
		if err != nil || slices.Index(settleLevels, lv) <= at {
			return &geo.FieldError{Field: "level", Reason: fmt.Sprintf("must be a level above %s", cur)}
		}
		next = lv
	}
	return c.route(Action{Level: next.String(), Region: a.Region, Department: a.Department}, env)
}

// regionAt is the case's region at level lv.
func (c *Case) regionAt(lv geo.Level, env Env) string {
	if lv == geo.LevelCity {
		return env.CityCode
	}
	return c.Regions.At(lv)
}

// In reports whether the case's place lies in the region code at level lv
// (every case is in the city).
func (c *Case) In(lv geo.Level, code string) bool {
	return lv == geo.LevelCity || c.Regions.At(lv) == code
}

func (c *Case) clone() *Case {
	n := *c
	n.Timeline = slices.Clone(c.Timeline)
	if c.Reporter != nil {
		r := *c.Reporter
		n.Reporter = &r
	}
	n.Overdue, n.Warning = false, false
	return &n
}

// AsOf is the case as it stood at t, rolled back from this record by its
// timeline, and false if it was registered after t. The steps after t are
// undone: the state, the route, the version and the times they set. What
// the record keeps only as it is now (the deadline a later suspension pushed
// on, the counts of rework and the like) stays so: a replay shows a case
// unchanged since before its span (the commands stream holds the changes
// within it) as it stood, with its deadline as it is.
func (c *Case) AsOf(t time.Time) (*Case, bool) {
	if c.CreatedAt.After(t) {
		return nil, false
	}
	k := 0
	for k < len(c.Timeline) && !c.Timeline[k].At.After(t) {
		k++
	}
	n := c.clone()
	if k == len(c.Timeline) || k == 0 {
		return n, true // nothing after t (or no timeline to roll back by)
	}
	last := c.Timeline[k-1]
	n.Timeline = slices.Clone(c.Timeline[:k])
	n.State, n.Label, n.Version = last.To, last.To.Label(), k
	n.Level, n.Region, n.Department = last.Level, last.Region, last.Department
	for _, at := range []*time.Time{&n.AssignedAt, &n.SuspendedAt, &n.HandledAt, &n.ClosedAt, &n.RatedAt} {
		if at.After(t) {
			*at = time.Time{}
		}
	}
	if n.State != Suspended {
		n.ResumeTo = ""
	}
	return n, true
}

// at is a copy of the case as an answer at now gives it: overdue or warned.
func (c *Case) at(now time.Time) *Case {
	n := c.clone()
	n.Overdue = c.OverdueAt(now)
	n.Warning = !n.Overdue && c.Warned(now)
	return n
}

// checkText bounds a text field and keeps control characters (but newlines)
// out of it.
func checkText(field, s string, max int) error {
	switch {
	case len(s) > max:
		return &geo.FieldError{Field: field, Reason: fmt.Sprintf("longer than %d bytes", max)}
	case !utf8.ValidString(s):
		return &geo.FieldError{Field: field, Reason: "not valid UTF-8"}
	case strings.ContainsFunc(s, func(r rune) bool { return r != '\n' && r != '\t' && geo.HiddenRune(r) }):
		return &geo.FieldError{Field: field, Reason: "contains control characters"}
	}
	return nil
}
