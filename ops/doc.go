// Package ops is the operational layer of the live state: alert rules and
// their lifecycle, and dispatches from assignment to the unit on scene.
//
// Board is a fold of the loop (live.Fold): it folds the commands stream
// beside the events, so every node holds the same alerts and dispatches, and
// publishes the alerts and dispatches layers. It reads the heat and the units
// through the loop (Heat, Units), never by holding another fold.
//
// Nobody writes the board's state: nodes propose. The board's rules propose
// alerts to open and resolve (Board.Proposals); people ask the Service to
// acknowledge, dispatch, clear. Every proposal is a command appended under a
// claim (geo.Claim) by the Store (stream.Commander in production), which
// appends exactly one of several proposals of one change; the board folds it
// like every other node. The Service answers a person once the board has
// folded their command (Board.WhenApplied), so the answer shows it.
package ops
