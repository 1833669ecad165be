package main

import (
	"bytes"
	"strconv"
	"time"
)

// Frames are scanned by hand rather than decoded: 200 clients reading every
// cell of every tick at 10,000 events/s would otherwise spend the machine's
// second core in encoding/json, and the harness shares the machine with the
// server it measures.

var (
	asOfKey  = []byte(`"asOf":"`)
	typeKey  = []byte(`"type":"`)
	tickKey  = []byte(`"tick":`)
	cellKey  = []byte(`{"cell":"`)
	countKey = []byte(`"count":`)
)

// frameType is the frame's "type", e.g. "snapshot" or "delta".
func frameType(b []byte) string {
	i := bytes.Index(b, typeKey)
	if i < 0 {
		return ""
	}
	rest := b[i+len(typeKey):]
	j := bytes.IndexByte(rest, '"')
	if j < 0 {
		return ""
	}
	return string(rest[:j])
}

// frameTick is the frame's "tick", or -1.
func frameTick(b []byte) int64 {
	i := bytes.Index(b, tickKey)
	if i < 0 {
		return -1
	}
	rest := b[i+len(tickKey):]
	j := 0
	for j < len(rest) && '0' <= rest[j] && rest[j] <= '9' {
		j++
	}
	n, err := strconv.ParseInt(string(rest[:j]), 10, 64)
	if err != nil {
		return -1
	}
	return n
}

// scanCells calls fn for every {"cell":"…","count":N} of a frame, in order.
func scanCells(b []byte, fn func(cell uint64, count int)) {
	for {
		i := bytes.Index(b, cellKey)
		if i < 0 {
			return
		}
		b = b[i+len(cellKey):]
		j := bytes.IndexByte(b, '"')
		if j < 0 {
			return
		}
		cell, ok := parseHex(b[:j])
		b = b[j:]
		k := bytes.Index(b, countKey)
		if k < 0 {
			return
		}
		b = b[k+len(countKey):]
		n := 0
		m := 0
		for m < len(b) && '0' <= b[m] && b[m] <= '9' {
			n = n*10 + int(b[m]-'0')
			m++
		}
		b = b[m:]
		if ok {
			fn(cell, n)
		}
	}
}

// frameAsOf is the frame's "asOf": the server's clock when the tick was cut.
func frameAsOf(b []byte) (time.Time, bool) {
	i := bytes.Index(b, asOfKey)
	if i < 0 {
		return time.Time{}, false
	}
	rest := b[i+len(asOfKey):]
	j := bytes.IndexByte(rest, '"')
	if j < 0 {
		return time.Time{}, false
	}
	t, err := time.Parse(time.RFC3339Nano, string(rest[:j]))
	return t, err == nil
}
