package safety

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"time"
)

// storedDay is a day's tallies as the store keeps them: counts by region
// code, sub-index and severity (weights are applied when read, so a
// profile's new weights apply to the past too), gzipped JSON.
type storedDay struct {
	V    int               `json:"v"`
	Date string            `json:"date"`
	From time.Time         `json:"from"` // where the day's data begins
	Rows map[string]Counts `json:"rows"`
}

func encodeDay(d storedDay) ([]byte, error) {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	if err := json.NewEncoder(zw).Encode(d); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func decodeDay(b []byte) (storedDay, error) {
	var d storedDay
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		return d, err
	}
	raw, err := io.ReadAll(io.LimitReader(zr, 64<<20))
	if err != nil {
		return d, err
	}
	if err := json.Unmarshal(raw, &d); err != nil {
		return d, err
	}
	if d.V != 1 {
		return d, fmt.Errorf("safety: stored day %s: version %d", d.Date, d.V)
	}
	return d, nil
}

// storedDates are the days the fold may read from the store: those its
// periods reach (a year back included) that the streams no longer hold
// whole.
func (f *Fold) storedDates() []string {
	var out []string
	today := f.cfg.dayOf(f.now)
	for d := today - 364 - dayNum(f.cfg.Longest()/day) - 2; d < f.firstFull; d++ {
		if f.needed(d, today) {
			out = append(out, d.date())
		}
	}
	return out
}

// load takes a stored day: only one the streams do not hold whole, which
// replaces what the streams gave of it.
func (f *Fold) load(sd storedDay) {
	d, ok := parseDate(sd.Date)
	if !ok || d >= f.firstFull {
		return
	}
	t := newDay(later(sd.From, f.cfg.start(d)))
	t.stored = true
	for code, n := range sd.Rows {
		num := f.number(code)
		t.at[num] = int32(len(t.rows))
		t.rows = append(t.rows, regionDay{region: num, n: n})
	}
	f.days[d] = t
	if f.dataStart.IsZero() || t.from.Before(f.dataStart) {
		f.dataStart = t.from
	}
}

// dirty takes the closed days the streams hold whole that changed since
// last asked, as the store keeps them.
func (f *Fold) dirty() []storedDay {
	var out []storedDay
	today := f.cfg.dayOf(f.now)
	for d, t := range f.days {
		if !t.dirty || t.stored || d < f.firstFull || d >= today {
			continue
		}
		t.dirty = false
		sd := storedDay{V: 1, Date: d.date(), From: t.from, Rows: make(map[string]Counts, len(t.rows))}
		for _, r := range t.rows {
			sd.Rows[f.names[r.region]] = r.n
		}
		out = append(out, sd)
	}
	return out
}
