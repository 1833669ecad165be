package safety

import (
	"cmp"
	"slices"
	"time"

	"github.com/citygrid/citygrid/geo"
	orbgeo "github.com/paulmach/orb/geo"
)

// A Row is one region's index over a period, as GET /api/v1/index lists it.
type Row struct {
	Code   string    `json:"code"`
	Name   string    `json:"name"`
	Level  string    `json:"level"`
	Parent string    `json:"parent,omitempty"`
	Index  float64   `json:"index"`
	Band   string    `json:"band"`
	Sub    SubScores `json:"sub"`
	// Rank is the place among the regions of the same parent (1 best);
	// RankInLevel among every region of the level. Equal indices share.
	Rank        int `json:"rank"`
	RankInLevel int `json:"rankInLevel"`
	// Change is the index less the previous period's.
	Change float64 `json:"change"`
}

// SubScores are the four sub-indices.
type SubScores struct {
	PublicOrder float64 `json:"publicOrder"`
	Traffic     float64 `json:"traffic"`
	Fire        float64 `json:"fire"`
	Disputes    float64 `json:"disputes"`
}

func subScores(s [NumSubs]float64) SubScores {
	return SubScores{round1(s[0]), round1(s[1]), round1(s[2]), round1(s[3])}
}

// An Input is what one sub-index of a region was computed from: the
// period's count and severity-weighted count, the weighted count normal for
// the period (Expected) and what made it (the region's own rate per day,
// null without history; the peers' rate for its size), the excess over
// normal, the sub-index, and the points of the index it cost.
type Input struct {
	Sub      string   `json:"sub"`
	Count    float64  `json:"count"`
	Weighted float64  `json:"weighted"`
	Expected float64  `json:"expected"`
	OwnRate  *float64 `json:"ownRate"`
	PeerRate float64  `json:"peerRate"`
	Excess   float64  `json:"excess"`
	Score    float64  `json:"score"`
	Lost     float64  `json:"lost"`
}

// A Table is every region's index over one period, computed at AsOf. It is
// immutable once made.
type Table struct {
	Period string
	AsOf   time.Time
	rows   []Row
	inputs [][NumSubs]Input
	byCode map[string]int
	levels [geo.LevelGrid + 1][]int // row numbers, by rank in the level
}

// Level returns the rows of a level, best first (a copy).
func (t *Table) Level(lv geo.Level) []Row {
	out := make([]Row, 0, len(t.levels[lv]))
	for _, i := range t.levels[lv] {
		out = append(out, t.rows[i])
	}
	return out
}

// Row returns a region's row and inputs.
func (t *Table) Row(code string) (Row, [NumSubs]Input, bool) {
	i, ok := t.byCode[code]
	if !ok {
		return Row{}, [NumSubs]Input{}, false
	}
	return t.rows[i], t.inputs[i], true
}

// A region is one division the index is computed for.
type region struct {
	code, name, parent string
	level              geo.Level
	num                int32
	size               float64 // residents, or km² where the level lacks populations
}

// regionsOf lists every division below the city, with its size: its
// population where every division of its level has one, else its area.
// The list is kept while the hierarchy is the same (areas cost a third of
// a recomputation).
func (f *Fold) regionsOf(regs *geo.Regions) []region {
	if f.listed != nil && f.listedVersion == regs.Version() {
		return f.listed
	}
	var out []region
	for _, lv := range geo.Levels[1:] {
		l := regs.Layer(lv)
		if l == nil {
			continue
		}
		perResident := len(l.Divisions) > 0
		for i := range l.Divisions {
			perResident = perResident && l.Divisions[i].Population > 0
		}
		for i := range l.Divisions {
			d := &l.Divisions[i]
			size := d.Population
			if !perResident {
				size = orbgeo.Area(d.Shape) / 1e6
			}
			out = append(out, region{code: d.Code, name: d.Name, parent: d.Parent, level: lv, num: f.number(d.Code), size: size})
		}
	}
	f.listed, f.listedVersion = out, regs.Version()
	return out
}

// perResident says whether the regions of a level are sized by residents.
func perResident(regs *geo.Regions, lv geo.Level) bool {
	l := regs.Layer(lv)
	if l == nil || len(l.Divisions) == 0 {
		return false
	}
	for i := range l.Divisions {
		if l.Divisions[i].Population <= 0 {
			return false
		}
	}
	return true
}

// compute makes the table of period p at the snapshot's clock.
func (z *frozen) compute(p Period) *Table {
	t := &Table{Period: p.Name, AsOf: z.now, byCode: map[string]int{}}
	rs, regs := z.regions, z.regs
	start, prevStart := z.periodStart(p, 0), z.periodStart(p, 1)
	cur := z.evaluate(p, start, z.now)
	prev := z.evaluate(p, prevStart, start)
	t.rows = make([]Row, 0, len(rs)+1)
	t.inputs = make([][NumSubs]Input, 0, len(rs)+1)
	// The city first: the mean of its districts weighted by their size.
	city := Row{Code: regs.CityCode(), Name: "", Level: geo.LevelCity.String(), Rank: 1, RankInLevel: 1}
	if l := regs.Layer(geo.LevelCity); l.Len() > 0 {
		city.Name = l.Divisions[0].Name
	}
	var citySub, prevSub [NumSubs]float64
	var cityIn [NumSubs]Input
	total := 0.0
	for i, r := range rs {
		if r.level != geo.LevelDistrict {
			continue
		}
		total += r.size
		for k := range NumSubs {
			citySub[k] += r.size * cur.sub[i][k]
			prevSub[k] += r.size * prev.sub[i][k]
			in := cur.inputs[i][k]
			cityIn[k].Count += in.Count
			cityIn[k].Weighted += in.Weighted
			cityIn[k].Expected += in.Expected
			cityIn[k].PeerRate += in.PeerRate
		}
	}
	cityIndex, cityPrev := 0.0, 0.0
	for k := range NumSubs {
		if total > 0 {
			citySub[k] /= total
			prevSub[k] /= total
		} else {
			citySub[k], prevSub[k] = 100, 100
		}
		w := z.cfg.Subs[k].Weight
		cityIndex += w * citySub[k]
		cityPrev += w * prevSub[k]
		cityIn[k].Sub = SubKeys[k]
		cityIn[k].Score = round1(citySub[k])
		cityIn[k].Lost = round2(w * (100 - citySub[k]))
		cityIn[k].Count, cityIn[k].Weighted = round2(cityIn[k].Count), round2(cityIn[k].Weighted)
		cityIn[k].Expected, cityIn[k].PeerRate = round2(cityIn[k].Expected), round2(cityIn[k].PeerRate)
	}
	city.Index, city.Sub = round1(cityIndex), subScores(citySub)
	city.Band, city.Change = z.cfg.Band(city.Index), round1(round1(cityIndex)-round1(cityPrev))
	if city.Code != "" {
		t.byCode[city.Code] = 0
		t.levels[geo.LevelCity] = []int{0}
		t.rows = append(t.rows, city)
		t.inputs = append(t.inputs, cityIn)
	}
	for i, r := range rs {
		row := Row{Code: r.code, Name: r.name, Level: r.level.String(), Parent: r.parent,
			Index: round1(cur.index[i]), Sub: subScores(cur.sub[i])}
		row.Band = z.cfg.Band(row.Index)
		row.Change = round1(row.Index - round1(prev.index[i]))
		t.byCode[r.code] = len(t.rows)
		t.levels[r.level] = append(t.levels[r.level], len(t.rows))
		t.rows = append(t.rows, row)
		t.inputs = append(t.inputs, cur.inputs[i])
	}
	t.rank()
	return t
}

// rank orders each level best first and numbers the places, in the level
// and among siblings; equal indices share a place (1, 2, 2, 4).
func (t *Table) rank() {
	for lv := range t.levels {
		idx := t.levels[lv]
		slices.SortFunc(idx, func(a, b int) int {
			if c := cmp.Compare(t.rows[b].Index, t.rows[a].Index); c != 0 {
				return c
			}
			return cmp.Compare(t.rows[a].Code, t.rows[b].Code)
		})
		siblings := map[string][]int{}
		for n, i := range idx {
			if n > 0 && t.rows[i].Index == t.rows[idx[n-1]].Index {
				t.rows[i].RankInLevel = t.rows[idx[n-1]].RankInLevel
			} else {
				t.rows[i].RankInLevel = n + 1
			}
			sib := siblings[t.rows[i].Parent]
			if k := len(sib); k > 0 && t.rows[i].Index == t.rows[sib[k-1]].Index {
				t.rows[i].Rank = t.rows[sib[k-1]].Rank
			} else {
				t.rows[i].Rank = k + 1
			}
			siblings[t.rows[i].Parent] = append(sib, i)
		}
	}
}

// scores are every region's sub-indices and index over one period, by the
// position in the list of regions.
type scores struct {
	sub    [][NumSubs]float64
	index  []float64
	inputs [][NumSubs]Input
}

// periodStart is where the period of p begins (back = 0), or the one back
// periods before it: a period of n days is the last n whole days of the
// zone and today so far, so it begins at a midnight and every daily tally
// lies wholly inside it or wholly outside. (Cutting a day in proportion
// would let an incident today count partly in the history, and raise the
// baseline of every region by it.)
func (z *frozen) periodStart(p Period, back int) time.Time {
	return z.cfg.start(z.cfg.dayOf(z.now) - dayNum((1+back)*p.Days))
}

// evaluate scores every region over [start, end) as a period of p.
func (z *frozen) evaluate(p Period, start, end time.Time) scores {
	rs, regs := z.regions, z.regs
	cur := z.sums(start, end, true)
	hist := z.sums(start.Add(-time.Duration(p.HistoryDays)*day), start, false)
	own := []window{hist}
	span := end.Sub(start).Hours() / 24
	full := func(w window) bool { return w.avail >= span-1e-9 }
	if p.Days <= 7 { // a week before: later periods would overlap this one
		if w := z.sums(start.Add(-7*day), end.Add(-7*day), false); full(w) {
			own = append(own, w)
		}
	}
	if w := z.sums(start.Add(-364*day), end.Add(-364*day), false); full(w) {
		own = append(own, w)
	}
	ownDays := 0.0
	for _, w := range own {
		ownDays += w.avail
	}
	// The peers' rate per unit of size, per level: the level's history, or
	// the profile's prior before there is a day of it.
	var peer [geo.LevelGrid + 1][NumSubs]float64
	for _, lv := range geo.Levels[1:] {
		pr := perResident(regs, lv)
		var sum [NumSubs]float64
		size := 0.0
		for _, r := range rs {
			if r.level != lv {
				continue
			}
			size += r.size
			for k := range NumSubs {
				sum[k] += hist.at(r.num, k)
			}
		}
		for k := range NumSubs {
			switch {
			case hist.avail >= 1 && size > 0:
				peer[lv][k] = sum[k] / hist.avail / size
			case pr:
				peer[lv][k] = z.cfg.Subs[k].Prior.Per10k / 10000
			default:
				peer[lv][k] = z.cfg.Subs[k].Prior.PerKm2
			}
		}
	}
	s := scores{sub: make([][NumSubs]float64, len(rs)), index: make([]float64, len(rs)), inputs: make([][NumSubs]Input, len(rs))}
	for i, r := range rs {
		idx := 0.0
		for k := range NumSubs {
			o := 0.0
			for _, w := range own {
				o += w.at(r.num, k)
			}
			peerRate := peer[r.level][k] * r.size
			rate := Baseline(o, ownDays, peerRate, z.cfg.PriorDays)
			expected := rate * cur.avail
			c := cur.at(r.num, k)
			score, excess := Score(c, expected, z.cfg.Slack)
			if cur.avail <= 0 {
				score, excess = 100, 0
			}
			w := z.cfg.Subs[k].Weight
			s.sub[i][k] = score
			idx += w * score
			in := Input{Sub: SubKeys[k], Count: round2(cur.countAt(r.num, k)), Weighted: round2(c), Expected: round2(expected),
				PeerRate: round2(peerRate), Excess: round2(excess), Score: round1(score), Lost: round2(w * (100 - score))}
			if ownDays > 0 {
				v := round2(o / ownDays)
				in.OwnRate = &v
			}
			s.inputs[i][k] = in
		}
		s.index[i] = idx
	}
	return s
}

// A window is the tallies summed over a span: severity-weighted (and, for
// the period itself, plain counts) by region number and sub-index, and the
// days of the span that hold data.
type window struct {
	w, n  [][NumSubs]float64
	avail float64
}

func (w window) at(num int32, k int) float64 {
	if int(num) >= len(w.w) {
		return 0
	}
	return w.w[num][k]
}

func (w window) countAt(num int32, k int) float64 {
	if int(num) >= len(w.n) {
		return 0
	}
	return w.n[num][k]
}

// sums adds the tallies of [a, b). A day the span covers in part counts in
// proportion: the part of its recorded time (from where data begins to its
// end, or to now) inside the span.
func (z *frozen) sums(a, b time.Time, counts bool) window {
	caseDays := z.caseDays
	var out window
	if z.dataStart.IsZero() {
		return out
	}
	lo, hi := later(a, z.dataStart), earlier(b, z.now)
	if !hi.After(lo) {
		return out
	}
	out.avail = hi.Sub(lo).Hours() / 24
	out.w = make([][NumSubs]float64, z.names)
	if counts {
		out.n = make([][NumSubs]float64, z.names)
	}
	sev := z.cfg.Severity
	casesToo := caseDays != nil
	for d := z.cfg.dayOf(lo); d <= z.cfg.dayOf(hi.Add(-1)); d++ {
		c0, c1 := later(z.cfg.start(d), z.dataStart), earlier(z.cfg.start(d+1), z.now)
		if !c1.After(c0) {
			continue
		}
		o0, o1 := later(c0, lo), earlier(c1, hi)
		if !o1.After(o0) {
			continue
		}
		frac := float64(o1.Sub(o0)) / float64(c1.Sub(c0))
		if t := z.days[d]; t != nil {
			for ri := range t.rows {
				r := &t.rows[ri]
				for k := range NumSubs {
					if casesToo && k == 3 {
						continue
					}
					n := &r.n[k]
					if n[0]|n[1]|n[2]|n[3] == 0 {
						continue
					}
					out.w[r.region][k] += frac * (float64(n[0])*sev[0] + float64(n[1])*sev[1] + float64(n[2])*sev[2] + float64(n[3])*sev[3])
					if counts {
						out.n[r.region][k] += frac * float64(n[0]+n[1]+n[2]+n[3])
					}
				}
			}
		}
		for num, ct := range caseDays[d] {
			out.w[num][3] += frac * ct.weighted
			if counts {
				out.n[num][3] += frac * ct.count
			}
		}
	}
	return out
}
