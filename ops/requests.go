package ops

import (
	"context"
	"time"

	"github.com/citygrid/citygrid/geo"
)

// What people ask of the alerts and dispatches, through the Service: each
// read is a copy taken on the loop's goroutine; each change is a proposal,
// appended under its claim and answered once folded. Refusals are typed:
// geo.ErrNotFound, *geo.FieldError, *ConflictError; a store failure is the
// store's error (stream.ErrUnavailable).

// An AlertList is the answer to a list of alerts: the alerts the filter
// keeps, and the counts of every alert not resolved.
type AlertList struct {
	AsOf   time.Time `json:"asOf"`
	Alerts []Alert   `json:"alerts"`
	Counts Counts    `json:"counts"`
}

// Alerts lists the alerts the filter keeps, newest first.
func (s *Service) Alerts(ctx context.Context, f AlertFilter) (AlertList, error) {
	var l AlertList
	err := s.read(ctx, func(b *Board, _ Units) { l = AlertList{AsOf: b.Now(), Alerts: b.Alerts(f), Counts: b.Counts()} })
	return l, err
}

// Acknowledge acknowledges an open alert on behalf of by.
func (s *Service) Acknowledge(ctx context.Context, id, by, note string) (Alert, error) {
	return s.changeAlert(ctx, id, func(b *Board) (Proposal, error) { return b.AckProposal(id, by, note) })
}

// Resolve resolves an alert by hand; it does not reopen until its condition
// has cleared once.
func (s *Service) Resolve(ctx context.Context, id, by, note string) (Alert, error) {
	return s.changeAlert(ctx, id, func(b *Board) (Proposal, error) { return b.ResolveProposal(id, by, note) })
}

func (s *Service) changeAlert(ctx context.Context, id string, propose func(b *Board) (Proposal, error)) (Alert, error) {
	var a Alert
	err := s.change(ctx, "alert: already resolved", propose, func(b *Board) { a, _ = b.Alert(id) })
	return a, err
}

// change makes the board's proposal (or its refusal), appends it, and reads
// the result once folded; a refused claim is a conflict saying refused.
func (s *Service) change(ctx context.Context, refused string, propose func(b *Board) (Proposal, error), result func(b *Board)) error {
	var p Proposal
	var perr error
	if err := s.read(ctx, func(b *Board, _ Units) { p, perr = propose(b) }); err != nil {
		return err
	}
	if perr != nil {
		return perr
	}
	done, _, err := s.execute(ctx, p)
	switch {
	case err != nil:
		return err
	case !done:
		return &ConflictError{Msg: refused}
	}
	return s.read(ctx, func(b *Board, _ Units) { result(b) })
}

// A DispatchList is the answer to a list of dispatches.
type DispatchList struct {
	AsOf       time.Time  `json:"asOf"`
	Dispatches []Dispatch `json:"dispatches"`
}

// Dispatches lists the active dispatches, or all of the last day; unit, when
// set, narrows them to one unit.
func (s *Service) Dispatches(ctx context.Context, all bool, unit string) (DispatchList, error) {
	var l DispatchList
	err := s.read(ctx, func(b *Board, _ Units) { l = DispatchList{AsOf: b.Now(), Dispatches: b.Dispatches(all, unit)} })
	return l, err
}

// IncidentOps is what the centre did about one incident: the alerts it raised
// and the dispatches sent to it, newest first, whatever their status.
type IncidentOps struct {
	Alerts     []Alert
	Dispatches []Dispatch
}

// OfIncident reads what the board holds about incident id (alerts and
// dispatches of the last day).
func (s *Service) OfIncident(ctx context.Context, id string) (IncidentOps, error) {
	var o IncidentOps
	err := s.read(ctx, func(b *Board, _ Units) {
		o = IncidentOps{Alerts: b.Alerts(AlertFilter{Status: "all", Incident: id}), Dispatches: b.DispatchesTo(id)}
	})
	return o, err
}

// Dispatch sends a unit to a cell, an incident or an alert on behalf of by.
// Of two dispatchers sending one unit at once, on any nodes, exactly one
// succeeds; the other gets a *ConflictError naming the winner's dispatch.
func (s *Service) Dispatch(ctx context.Context, req DispatchRequest, by string) (Dispatch, error) {
	var p Proposal
	var d *Dispatch
	var perr error
	if err := s.read(ctx, func(b *Board, u Units) { p, d, perr = b.AssignProposal(u, req, by) }); err != nil {
		return Dispatch{}, err
	}
	if perr != nil {
		return Dispatch{}, perr
	}
	done, holder, err := s.execute(ctx, p)
	switch {
	case err != nil:
		return *d, err
	case !done:
		return *d, &ConflictError{Msg: "unit: " + d.Unit + " is already on dispatch " + holder, Dispatch: holder}
	}
	out, found := *d, false
	if err := s.read(ctx, func(b *Board, _ Units) { out, found = b.Dispatch(d.ID) }); err != nil || !found {
		out = *d // folded later than the wait; the command is stored
	}
	return out, nil
}

// EndDispatch clears (or cancels) an active dispatch on behalf of by.
func (s *Service) EndDispatch(ctx context.Context, id, by, note string, cancel bool) (Dispatch, error) {
	var d Dispatch
	err := s.change(ctx, "dispatch: no longer active",
		func(b *Board) (Proposal, error) { return b.EndProposal(id, by, note, cancel) },
		func(b *Board) { d, _ = b.Dispatch(id) })
	return d, err
}

// Suggest ranks the units on duty for a cell (see Board.Suggest).
func (s *Service) Suggest(ctx context.Context, cell geo.Cell, limit int) ([]Suggestion, error) {
	var out []Suggestion
	err := s.read(ctx, func(b *Board, u Units) { out = b.Suggest(u, cell, limit) })
	return out, err
}

// Stats are the board's figures for /metrics.
type Stats struct {
	ActiveAlerts     int           // open or acknowledged
	ActiveDispatches int           // assigned, en route or on scene
	LastEvaluation   time.Duration // what the last evaluation of the rules cost
}

// Stats reads the board's figures.
func (s *Service) Stats(ctx context.Context) (Stats, error) {
	var st Stats
	err := s.read(ctx, func(b *Board, _ Units) {
		c := b.Counts()
		st = Stats{ActiveAlerts: c.Open + c.Acknowledged, LastEvaluation: b.lastEval}
		for _, d := range b.dispatches {
			if d.Active() {
				st.ActiveDispatches++
			}
		}
	})
	return st, err
}
