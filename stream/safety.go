package stream

import (
	"context"
	"encoding/binary"
	"errors"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
)

// SafetyStore keeps what the safety index needs beyond the streams'
// retention: each day's tallies (one blob per day, the safety package's
// encoding) and each region's index over time, once a day for ever and once
// an hour for the last week. Every node folds the same streams, so every
// write is one any node may make, and making it twice changes nothing.
//
// Keys (see docs/ARCHITECTURE.md, "Redis key layout"):
//
//	<prefix>:{safety}:day:<YYYY-MM-DD>         string: the day's tallies
//	<prefix>:safety:{<code>}:daily:<YYYY>      string: 10 bytes a day of the year
//	<prefix>:safety:{<code>}:hourly            string: a ring of 168 hours, 14 bytes each
type SafetyStore struct {
	rdb    redis.UniversalClient
	prefix string
}

// NewSafetyStore returns the store of layout l.
func NewSafetyStore(rdb redis.UniversalClient, l Layout) *SafetyStore {
	return &SafetyStore{rdb: rdb, prefix: l.withDefaults().Prefix}
}

// A Mark is a region's index and its four sub-indices at one time, each in
// hundredths (0..10000).
type Mark [5]uint16

// markSize is a Mark's bytes in a daily string; an hourly slot adds the
// hour (4 bytes) that says which hour of the ring it holds.
const (
	markSize   = 10
	hourSize   = 4 + markSize
	hourlyRing = 7 * 24
)

// DayKey is the key of a day's tallies.
func (s *SafetyStore) DayKey(date string) string { return s.prefix + ":{safety}:day:" + date }

func (s *SafetyStore) dailyKey(code string, year int) string {
	return s.prefix + ":safety:{" + code + "}:daily:" + strconv.Itoa(year)
}

func (s *SafetyStore) hourlyKey(code string) string {
	return s.prefix + ":safety:{" + code + "}:hourly"
}

// SaveDays stores days' tallies, by date.
func (s *SafetyStore) SaveDays(ctx context.Context, days map[string][]byte) error {
	if len(days) == 0 {
		return nil
	}
	_, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for date, b := range days {
			p.Set(ctx, s.DayKey(date), b, 0)
		}
		return nil
	})
	return err
}

// Days reads the tallies of dates; dates not stored are absent.
func (s *SafetyStore) Days(ctx context.Context, dates []string) (map[string][]byte, error) {
	out := map[string][]byte{}
	cmds := make([]*redis.StringCmd, len(dates))
	_, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, d := range dates {
			cmds[i] = p.Get(ctx, s.DayKey(d))
		}
		return nil
	})
	if err != nil && !errors.Is(err, redis.Nil) {
		return nil, err
	}
	for i, c := range cmds {
		if b, err := c.Bytes(); err == nil {
			out[dates[i]] = b
		}
	}
	return out, nil
}

// SaveMarks stores every region's mark at hour (a whole hour): in its
// hourly ring, and as the mark of hour's day in its daily string (so a day
// keeps the last hour written of it). A stored value is the mark plus one,
// so zero bytes (a day never written) read as missing.
func (s *SafetyStore) SaveMarks(ctx context.Context, hour time.Time, yearDay func(time.Time) (year, yday int), marks map[string]Mark) error {
	h := hour.Unix() / 3600
	year, yday := yearDay(hour)
	slot := make([]byte, hourSize)
	binary.BigEndian.PutUint32(slot, uint32(h))
	_, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for code, m := range marks {
			for i, v := range m {
				binary.BigEndian.PutUint16(slot[4+2*i:], v+1)
			}
			p.SetRange(ctx, s.hourlyKey(code), (h%hourlyRing)*hourSize, string(slot))
			p.SetRange(ctx, s.dailyKey(code, year), int64(yday-1)*markSize, string(slot[4:]))
			p.Expire(ctx, s.hourlyKey(code), 8*24*time.Hour)
		}
		return nil
	})
	return err
}

// HourMarks reads the regions' marks of one hour from their hourly rings (the
// last week); a region whose ring does not hold that hour is absent.
func (s *SafetyStore) HourMarks(ctx context.Context, codes []string, hour time.Time) (map[string]Mark, error) {
	h := hour.Unix() / 3600
	cmds := make([]*redis.StringCmd, len(codes))
	_, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		off := (h % hourlyRing) * hourSize
		for i, code := range codes {
			cmds[i] = p.GetRange(ctx, s.hourlyKey(code), off, off+hourSize-1)
		}
		return nil
	})
	if err != nil && !errors.Is(err, redis.Nil) {
		return nil, err
	}
	out := map[string]Mark{}
	for i, c := range cmds {
		b, _ := c.Bytes()
		if len(b) < hourSize || int64(binary.BigEndian.Uint32(b)) != h {
			continue
		}
		if m, ok := readMark(b[4:]); ok {
			out[codes[i]] = m
		}
	}
	return out, nil
}

// readMark decodes a stored mark; false for a slot never written (zeros).
func readMark(b []byte) (Mark, bool) {
	var m Mark
	for i := range m {
		v := binary.BigEndian.Uint16(b[2*i:])
		if v == 0 {
			return m, false
		}
		m[i] = v - 1
	}
	return m, true
}

// A TimedMark is a mark and the time it stands for: the start of its day,
// or of its hour.
type TimedMark struct {
	At   time.Time
	Mark Mark
}

// Marks reads a region's daily marks of years (each with the zone's
// calendar, by dayStart(year, yday)) and its hourly ring, oldest first.
func (s *SafetyStore) Marks(ctx context.Context, code string, years []int, dayStart func(year, yday int) time.Time) (daily, hourly []TimedMark, err error) {
	cmds := make([]*redis.StringCmd, len(years))
	var ring *redis.StringCmd
	_, err = s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, y := range years {
			cmds[i] = p.Get(ctx, s.dailyKey(code, y))
		}
		ring = p.Get(ctx, s.hourlyKey(code))
		return nil
	})
	if err != nil && !errors.Is(err, redis.Nil) {
		return nil, nil, err
	}
	read := readMark
	for i, c := range cmds {
		b, _ := c.Bytes()
		for off := 0; off+markSize <= len(b); off += markSize {
			if m, ok := read(b[off:]); ok {
				daily = append(daily, TimedMark{At: dayStart(years[i], off/markSize+1), Mark: m})
			}
		}
	}
	b, _ := ring.Bytes()
	for off := 0; off+hourSize <= len(b); off += hourSize {
		h := binary.BigEndian.Uint32(b[off:])
		if m, ok := read(b[off+4:]); ok && h != 0 {
			hourly = append(hourly, TimedMark{At: time.Unix(int64(h)*3600, 0).UTC(), Mark: m})
		}
	}
	sortMarks(hourly)
	return daily, hourly, nil
}

func sortMarks(ms []TimedMark) {
	for i := 1; i < len(ms); i++ {
		for j := i; j > 0 && ms[j].At.Before(ms[j-1].At); j-- {
			ms[j], ms[j-1] = ms[j-1], ms[j]
		}
	}
}
