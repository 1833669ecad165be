package ops

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/citygrid/citygrid/geo"
	"github.com/paulmach/orb"
)

// A ConflictError says the thing asked for is no longer possible: the alert is
// resolved, the dispatch ended, the unit is on another dispatch. A bad
// request is a *geo.FieldError, an unknown alert or dispatch geo.ErrNotFound.
type ConflictError struct {
	Msg      string
	Dispatch string // the dispatch holding the unit, for a unit conflict
}

func (e *ConflictError) Error() string { return e.Msg }

// maxNote bounds a note's length in bytes.
const maxNote = 1000

func checkNote(note string) error {
	if len(note) > maxNote {
		return &geo.FieldError{Field: "note", Reason: fmt.Sprintf("longer than %d bytes", maxNote)}
	}
	return nil
}

// AckProposal is the proposal acknowledging alert id on behalf of by.
func (b *Board) AckProposal(id, by, note string) (Proposal, error) {
	a, err := b.activeAlert(id, note)
	if err != nil {
		return Proposal{}, err
	}
	if a.Status == StatusAcked {
		return Proposal{}, &ConflictError{Msg: "alert: already acknowledged by " + a.AckedBy}
	}
	data, _ := json.Marshal(change{Alert: a.ID, Note: note})
	return Proposal{Claim: geo.Claim{Mode: geo.Hold, Set: claimsOpen, Field: a.Key, Owner: a.ID},
		Cmd: geo.Command{Type: cmdAlertAck, At: b.now, By: by, Data: data}}, nil
}

// ResolveProposal is the proposal resolving alert id by hand.
func (b *Board) ResolveProposal(id, by, note string) (Proposal, error) {
	a, err := b.activeAlert(id, note)
	if err != nil {
		return Proposal{}, err
	}
	return b.resolveProposal(a, by, note, resolutionManual), nil
}

func (b *Board) activeAlert(id, note string) (*Alert, error) {
	if err := checkNote(note); err != nil {
		return nil, err
	}
	a := b.alerts[id]
	if a == nil {
		return nil, geo.ErrNotFound
	}
	if !a.Active() {
		return nil, &ConflictError{Msg: "alert: already resolved"}
	}
	return a, nil
}

// A DispatchRequest is what a dispatcher sends: a unit, and a target given as
// a cell, an incident or an alert.
type DispatchRequest struct {
	Unit     string `json:"unit"`
	Cell     string `json:"cell"`
	Incident string `json:"incident"`
	Alert    string `json:"alert"`
	Note     string `json:"note"`
}

// AssignProposal is the proposal dispatching a unit (one of units); it fails
// with a geo.FieldError for a bad request and a ConflictError when the unit is
// taken as far as this node knows (the store has the last word: the claim on
// the unit).
func (b *Board) AssignProposal(units Units, req DispatchRequest, by string) (Proposal, *Dispatch, error) {
	if err := checkNote(req.Note); err != nil {
		return Proposal{}, nil, err
	}
	unit := strings.TrimSpace(req.Unit)
	p, ok := units.Unit(unit)
	switch {
	case unit == "":
		return Proposal{}, nil, &geo.FieldError{Field: "unit", Reason: "required"}
	case !ok:
		return Proposal{}, nil, &geo.FieldError{Field: "unit", Reason: "unknown unit (no position in the last 24 h)"}
	case p.Status == geo.StatusOffDuty:
		return Proposal{}, nil, &geo.FieldError{Field: "unit", Reason: "off duty"}
	}
	if d := b.busy[unit]; d != nil {
		return Proposal{}, nil, &ConflictError{Msg: "unit: " + unit + " is already on dispatch " + d.ID, Dispatch: d.ID}
	}
	d := &Dispatch{ID: newID("d", b.now), Unit: unit, Note: req.Note, Status: Assigned, AssignedAt: b.now, AssignedBy: by,
		TargetSeconds: b.rules.Overdue.Target.Seconds()}
	var cell geo.Cell
	switch {
	case req.Cell != "":
		c, err := geo.ParseCell(req.Cell)
		if err != nil || !c.Valid() {
			return Proposal{}, nil, &geo.FieldError{Field: "cell", Reason: "not an H3 cell"}
		}
		if c.Res() > geo.FineRes {
			c = c.Parent(geo.FineRes)
		}
		cell = c
	case req.Incident != "":
		ref, ok := b.incidents.get(req.Incident, b.now)
		if !ok {
			return Proposal{}, nil, &geo.FieldError{Field: "incident", Reason: "not found in the last 24 h"}
		}
		cell, d.Incident = ref.cell, req.Incident
	case req.Alert != "":
		a := b.alerts[req.Alert]
		if a == nil {
			return Proposal{}, nil, &geo.FieldError{Field: "alert", Reason: "unknown alert"}
		}
		d.Alert, d.Incident = a.ID, a.Incident
		c, err := geo.ParseCell(a.Cell)
		if err != nil {
			c = geo.CellOf(orb.Point{a.Lng, a.Lat}, geo.FineRes)
		}
		cell = c
	default:
		return Proposal{}, nil, &geo.FieldError{Field: "cell", Reason: "give a cell, an incident or an alert"}
	}
	if cell.Res() < geo.FineRes {
		// A coarse cell is taken at its centre: the unit goes there.
		cell = geo.CellOf(cell.Center(), geo.FineRes)
	}
	ctr := cell.Center()
	if b.locate != nil && b.locate(ctr, cell).IsZero() {
		return Proposal{}, nil, &geo.FieldError{Field: "cell", Reason: "outside the city's districts"}
	}
	d.Cell, d.cell, d.Lat, d.Lng = cell.String(), cell, ctr.Lat(), ctr.Lon()
	data, _ := json.Marshal(d)
	return Proposal{Claim: geo.Claim{Mode: geo.Take, Set: claimsBusy, Field: unit, Owner: d.ID},
		Cmd: geo.Command{Type: cmdDispatchAssign, At: b.now, By: by, Data: data}}, d, nil
}

// EndProposal is the proposal clearing (or cancelling) dispatch id.
func (b *Board) EndProposal(id, by, note string, cancel bool) (Proposal, error) {
	if err := checkNote(note); err != nil {
		return Proposal{}, err
	}
	d := b.dispatches[id]
	if d == nil {
		return Proposal{}, geo.ErrNotFound
	}
	if !d.Active() {
		return Proposal{}, &ConflictError{Msg: "dispatch: already " + d.Status}
	}
	return b.endProposal(d, by, note, cancel), nil
}
