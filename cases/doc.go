// Package cases is the closed loop of grid governance: every matter a grid
// worker, a hotline or a citizen reports is registered, routed to the level,
// region and department that must settle it, handled, checked, closed and
// rated (登记、流转、办理、反馈、评价; GB/T 30428's seven steps).
//
// A Case moves only through Move, the one table of which action is allowed
// in which state (409 naming the state otherwise). Deadlines are counted in
// working time (package worktime): the clock starts when the case is first
// assigned, stops while it is suspended, and the case is on time when its
// last handling came before its deadline.
//
// Nobody writes a case in place. A person's change is validated against the
// case as this node folded it, then stored as the whole new record under the
// version it was made from (Store): of two people moving one case at once,
// exactly one wins and the other gets a conflict. The record is appended to
// the commands stream, so every node folds it into its Book the same way, and
// kept in a hash by id, so a node starting again has every case even after
// the length-trimmed stream has dropped its commands.
package cases
