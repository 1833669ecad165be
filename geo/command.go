package geo

import (
	"cmp"
	"encoding/json"
	"strconv"
	"strings"
	"time"
)

// A Command is a decision that every node must agree on: an alert opened or
// acknowledged, a unit dispatched, a case moved on. Commands are appended to a
// stream and folded like incidents, so every node and every restart arrives at
// the same state. Type names the command ("alert.open", "dispatch.assign");
// the fold that owns the type gives Data its meaning.
type Command struct {
	Type string          // e.g. "alert.open", "dispatch.assign"
	At   time.Time       // when it was decided, by the deciding node's clock
	By   string          // who decided: a person, a key, or "rules"
	Data json.RawMessage // the payload, as the owning fold encodes it
}

// A ClaimMode says what a command needs of its claim for it to be appended.
type ClaimMode string

// The claim modes.
const (
	// Take takes the field for the owner; it fails if the field is held.
	Take ClaimMode = "claim"
	// Hold needs the field to be held by the owner, and leaves it so.
	Hold ClaimMode = "hold"
	// Release needs the field to be held by the owner, and frees it.
	Release ClaimMode = "release"
)

// A Claim guards the append of a command: several nodes (or people) may
// propose the same change at once, and the store appends the command only if
// the claim allows it, in one atomic step, so exactly one of them wins. Set
// names a set of claims ("open": alert keys; "busy": units on dispatch), Field
// what is claimed in it, Owner the id that holds it (the alert, the dispatch).
type Claim struct {
	Mode  ClaimMode
	Set   string
	Field string
	Owner string
}

// EventKind says what an Event holds.
type EventKind uint8

// The kinds of event.
const (
	KindIncident EventKind = iota + 1
	KindPosition
	KindCommand
)

// String is the kind's name, as the metrics and logs spell it.
func (k EventKind) String() string {
	switch k {
	case KindIncident:
		return "incident"
	case KindPosition:
		return "position"
	case KindCommand:
		return "command"
	}
	return "unknown"
}

// An Event is one entry of the streams, as feeds post it and as every fold
// takes it: an incident, a position or a command, with its place in its
// stream. Only the field of its Kind is set.
type Event struct {
	Kind EventKind
	// ID is the stream entry id ("<ms>-<seq>"), which orders the entries of
	// one stream; empty until the event is stored.
	ID string
	// Ingested is when the store took the event (the id's time).
	Ingested time.Time
	Incident Incident
	Position Position
	Command  Command
}

// IncidentEvent wraps an incident as an event.
func IncidentEvent(in Incident) Event { return Event{Kind: KindIncident, Incident: in} }

// PositionEvent wraps a position as an event.
func PositionEvent(p Position) Event { return Event{Kind: KindPosition, Position: p} }

// CompareIDs orders two entry ids of one stream ("<ms>-<seq>"): -1, 0 or +1.
// An empty id sorts first.
func CompareIDs(a, b string) int {
	am, as := SplitID(a)
	bm, bs := SplitID(b)
	if c := cmp.Compare(am, bm); c != 0 {
		return c
	}
	return cmp.Compare(as, bs)
}

// SplitID parses a stream entry id ("<ms>-<seq>"); a malformed part is 0.
func SplitID(id string) (ms, seq uint64) {
	m, s, _ := strings.Cut(id, "-")
	ms, _ = strconv.ParseUint(m, 10, 64)
	seq, _ = strconv.ParseUint(s, 10, 64)
	return ms, seq
}
