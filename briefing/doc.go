// Package briefing computes the figures of the leadership briefing over a
// past window [From, To): incidents, alerts and dispatches counted by event
// time, read from the streams (never from the live state, which keeps the
// last day only). It has one job: turn the streams' entries into figures.
// The HTTP answer, the place names, the cases and the safety index are the
// api's (docs/API.md, "The briefing").
//
// What each figure counts:
//
//   - Incidents: every incident whose event time is in the window, whenever
//     it was stored before the briefing was asked for (late arrivals
//     included; LateArrivals says how many were stored after To, so a
//     briefing asked again later may count more). The streams keep
//     Retention (7 days by default): a comparison period that starts before
//     now − Retention is summed from the archive of hours (Hours: each
//     hour's incidents by district and category, stored as the hour ends),
//     and is null, not a partial count, when an hour of it is missing or it
//     is not whole hours.
//   - Alerts: every alert opened in the window (its openedAt), and how long
//     after opening an operator acknowledged it, if one did (resolved
//     without an acknowledgement is not acknowledged), read from the
//     commands stream, which is trimmed by length (half a million
//     commands), not by age.
//   - Dispatches: every dispatch assigned in the window; its response is
//     the time from assignment to the unit's first position within the
//     rules' ArriveRings of the target before the dispatch ended, read from
//     the positions streams, as the live board computes it.
//
// Medians and 90th percentiles are nearest-rank: the smallest value with at
// least half (nine tenths) of the values at or below it.
package briefing
