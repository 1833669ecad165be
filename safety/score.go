package safety

import "math"

// Score is the curve from "how far above normal" to points: a sub-index is
//
//	100 · 2^(−x),  x = max(0, C − E) / (E + slack)
//
// where C is the period's severity-weighted count and E the count normal for
// it. x is the excess in units of what is normal: the points halve each
// time the excess grows by one normal period's worth. A region at or below
// normal keeps 100; 15 % above normal gives 90 (the edge of excellent), 32 %
// gives 80, 51 % gives 70, twice normal 50. The slack keeps a quiet region's
// single minor incident from being a catastrophe (E near 0), and the curve
// never reaches 0, so a very bad week and a worse one still differ.
func Score(count, expected, slack float64) (score, excess float64) {
	excess = max(0, count-expected) / (expected + slack)
	return 100 * math.Exp2(-excess), excess
}

// Baseline is the severity-weighted count per day normal for a region: its
// own history (the weighted count own over ownDays days: the earlier
// periods, the same period a week before counted again, the same period a
// year before) blended with its peers' rate for its size (peerRate, per
// day) counted as priorDays days of data. A region with a long history is
// judged mostly by its own; a new or tiny one mostly by its peers.
func Baseline(own, ownDays, peerRate, priorDays float64) float64 {
	return (own + priorDays*peerRate) / (ownDays + priorDays)
}

func round1(v float64) float64 { return math.Round(v*10) / 10 }
func round2(v float64) float64 { return math.Round(v*100) / 100 }
