// Package safety computes the safety index (平安指数): one explainable score
// from 0 to 100 per region at every level and for the city, made of four
// sub-indices (public order 治安, traffic 交通, fire 火灾, disputes 矛调).
//
// A sub-index compares what happened in a region over a period (severity
// weighted) with what is normal there: the region's own history blended with
// the rate of its peers per resident (or per km²). One curve turns "how far
// above normal" into points; docs/SAFETY.md gives the formulas and the reasons.
//
// The Fold keeps daily tallies per region, sub-index and severity from the
// incidents, and recomputes every region's index once a minute (and when
// asked). The Keeper writes the tallies and the computed indices to Redis and
// reads them back at start, so baselines and trends reach past the streams'
// retention.
package safety
