package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/citygrid/citygrid/geo"
	"github.com/citygrid/citygrid/sim"
	"github.com/paulmach/orb"
)

// pooled is one simulated incident, encoded once without its id (and without
// time: the server stamps now, so every event lands in the 15m window).
type pooled struct {
	rest []byte // `,"source":…}` : everything after the id
	cell uint64 // its res-9 cell, as the server computes it
	inc  sim.Incident
}

// eventPool hands out realistic incidents with fresh ids, cheaply: the harness
// shares two cores with the server, so it must not spend them on JSON.
type eventPool struct {
	items []pooled
	run   string
	seq   atomic.Int64
}

func newEventPool(p *geo.Profile, n int, seed int64) (*eventPool, error) {
	s, err := sim.New(sim.Config{URL: "http://127.0.0.1:1", Profile: p, Seed: seed})
	if err != nil {
		return nil, err
	}
	pool := &eventPool{run: strconv.FormatInt(time.Now().UnixNano()%1e9, 36)}
	for _, in := range s.NextIncidents(n) {
		pt := orb.Point{in.Lng, in.Lat}
		if !p.Contains(pt) {
			return nil, fmt.Errorf("sim: incident outside the outline at %v", pt)
		}
		rest, err := json.Marshal(struct {
			Source   string  `json:"source"`
			Category string  `json:"category"`
			Severity int     `json:"severity"`
			Lat      float64 `json:"lat"`
			Lng      float64 `json:"lng"`
			Title    string  `json:"title"`
			Address  string  `json:"address"`
		}{in.Source, in.Category, in.Severity, in.Lat, in.Lng, in.Title, in.Address})
		if err != nil {
			return nil, err
		}
		rest[0] = ','
		pool.items = append(pool.items, pooled{rest: rest, cell: uint64(geo.CellOf(pt, 9)), inc: in})
	}
	return pool, nil
}

// pick returns a random pooled incident.
func (p *eventPool) pick(r *rand.Rand) *pooled { return &p.items[r.IntN(len(p.items))] }

// nextID is a fresh incident id, never sent before by any run.
func (p *eventPool) nextID() string {
	return "lb-" + p.run + "-" + strconv.FormatInt(p.seq.Add(1), 10)
}

// appendLine appends one NDJSON line for it with a fresh id.
func (p *eventPool) appendLine(b []byte, it *pooled) []byte {
	b = append(b, `{"id":"`...)
	b = append(b, p.nextID()...)
	b = append(b, '"')
	b = append(b, it.rest...)
	return append(b, '\n')
}

// ingestAnswer is the server's 202 body.
type ingestAnswer struct {
	Accepted   int               `json:"accepted"`
	Duplicates int               `json:"duplicates"`
	Rejected   []json.RawMessage `json:"rejected"`
	Error      string            `json:"error"`
}

// poster is one client connection to the ingest API.
type poster struct {
	c   *http.Client
	url string
}

func newPoster(url string) *poster {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConnsPerHost = 1
	t.MaxConnsPerHost = 1
	return &poster{c: &http.Client{Timeout: 30 * time.Second, Transport: t}, url: url}
}

// post sends one NDJSON body and reads the answer.
func (p *poster) post(body []byte) (ingestAnswer, error) {
	var a ingestAnswer
	resp, err := p.c.Post(p.url, "application/x-ndjson", bytes.NewReader(body))
	if err != nil {
		return a, err
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(&a); err != nil {
		return a, fmt.Errorf("status %d: %v", resp.StatusCode, err)
	}
	if resp.StatusCode != http.StatusAccepted {
		return a, fmt.Errorf("status %d: %s", resp.StatusCode, a.Error)
	}
	return a, nil
}
