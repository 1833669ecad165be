// Package replay plays a past span of the streams back: a Session folds the
// incidents, positions and commands that arrived in the span into a
// heat.State and other folds of its own (Config.Folds: the alerts and
// dispatches board, the cases book; never the live ones), in the order the
// streams hold them, with the folds' clock set from the stream position, and
// hands out frames of the heat, the units and the folds' layers at a chosen
// speed. A Player starts sessions and bounds how many run at once on the
// node.
//
// The heat a session shows at time T is the heat the live fold held at T:
// each entry is folded after advancing the clock to its arrival (the time in
// its entry id), as the live loop folded it when it arrived. An incident that
// arrived late (its event time earlier than its arrival) therefore counts
// from its arrival, in the window its event time puts it in, exactly as the
// live wall showed it; it is not back-dated into frames before it arrived.
//
// Seeking to T reads only the entries that arrived in [T − 24 h − Slack, T]:
// the longest window at T holds events whose event time is after T − 24 h,
// and feeds may send event times at most Slack ahead of their arrival, so
// nothing that arrived earlier counts at T (docs/ARCHITECTURE.md, "Replay").
package replay
