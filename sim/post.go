package sim

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"math/rand/v2"
	"net/http"
	"strconv"
	"time"
)

// A batch is one encoded POST. It is encoded once and re-sent byte for byte on
// retry: incident ids stay the same, so the server can drop what it already has.
type batch struct {
	path string // API path, e.g. "/api/v1/incidents"
	body []byte // NDJSON
	n    int    // events in body
}

// answer is the server's 202 (and 400) body.
type answer struct {
	Accepted   int64 `json:"accepted"`
	Duplicates int64 `json:"duplicates"`
	Rejected   []struct {
		Index int    `json:"index"`
		ID    string `json:"id"`
		Error string `json:"error"`
	} `json:"rejected"`
}

// A failure is why a POST did not go through and whether trying again may help.
type failure struct {
	err   error
	retry bool
	after time.Duration // server's Retry-After, if any
}

func (f *failure) Error() string { return f.err.Error() }

// encode writes events as NDJSON: cheaper for the server to stream than an
// array, and one bad line does not spoil the rest.
func encode[T any](path string, events []T) (batch, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	for i := range events {
		if err := enc.Encode(&events[i]); err != nil {
			return batch{}, err
		}
	}
	return batch{path: path, body: buf.Bytes(), n: len(events)}, nil
}

// deliver posts b until the server takes it or ctx ends. An unavailable server
// (connection refused, 5xx, 429) is waited out with capped exponential backoff,
// however long it takes: a feed must survive server restarts. A batch the server
// refuses outright (400, 401, ...) is counted and dropped, since resending the
// same bytes cannot succeed.
func (s *Simulator) deliver(ctx context.Context, b batch) {
	if ctx.Err() != nil {
		return
	}
	s.stats.sent.Add(int64(b.n))
	wait := s.backoffMin
	for attempt := 0; ; attempt++ {
		if attempt > 0 {
			s.stats.retries.Add(1)
		}
		err := s.post(ctx, b)
		if ctx.Err() != nil {
			return
		}
		if err == nil {
			if attempt > 0 {
				s.cfg.Logf("sim: %s: delivered after %d retries", b.path, attempt)
			}
			return
		}
		s.stats.errors.Add(1)
		if !err.retry {
			s.logLimited("sim: %s: dropping batch of %d: %v", b.path, b.n, err)
			return
		}
		if attempt == 0 {
			s.cfg.Logf("sim: %s: %v; retrying", b.path, err)
		}
		// Jitter keeps the workers from hammering a recovering server in lockstep.
		d := max(time.Duration(float64(wait)*(0.8+0.4*rand.Float64())), err.after)
		select {
		case <-ctx.Done():
			return
		case <-time.After(d):
		}
		wait = min(wait*2, s.backoffMax)
	}
}

// post makes one attempt at b and records the server's verdict.
func (s *Simulator) post(ctx context.Context, b batch) *failure {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.cfg.URL+b.path, bytes.NewReader(b.body))
	if err != nil {
		return &failure{err: err}
	}
	req.Header.Set("Content-Type", "application/x-ndjson")
	req.Header.Set("User-Agent", "citygrid-feedsim")
	if s.cfg.APIKey != "" {
		req.Header.Set("Authorization", "Bearer "+s.cfg.APIKey)
	}
	resp, err := s.cfg.Client.Do(req)
	if err != nil {
		return &failure{err: err, retry: true}
	}
	defer func() {
		// Drain so the connection goes back to the pool.
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
		_ = resp.Body.Close()
	}()
	switch c := resp.StatusCode; {
	case c >= 200 && c < 300:
		var a answer
		if err := json.NewDecoder(io.LimitReader(resp.Body, 16<<20)).Decode(&a); err != nil {
			// Taken, but the body is not what we expected: count it all as accepted.
			a = answer{Accepted: int64(b.n)}
		}
		s.record(b, a)
		return nil
	case c == http.StatusBadRequest:
		var a answer
		_ = json.NewDecoder(io.LimitReader(resp.Body, 16<<20)).Decode(&a)
		if len(a.Rejected) == 0 {
			a = answer{}
			s.stats.rejected.Add(int64(b.n))
		}
		s.record(b, a)
		return &failure{err: errors.New("400 Bad Request: nothing in the batch was valid")}
	case c == http.StatusTooManyRequests || c == http.StatusRequestTimeout || c >= 500:
		return &failure{err: errors.New(resp.Status), retry: true, after: retryAfter(resp.Header)}
	default:
		return &failure{err: errors.New(resp.Status)}
	}
}

// record adds the server's verdict to the stats and reports the first rejection,
// which usually means the simulator and server disagree on the wire format.
func (s *Simulator) record(b batch, a answer) {
	s.stats.accepted.Add(a.Accepted)
	s.stats.duplicates.Add(a.Duplicates)
	s.stats.rejected.Add(int64(len(a.Rejected)))
	if len(a.Rejected) > 0 {
		r := a.Rejected[0]
		s.logLimited("sim: %s: server rejected %d of %d, e.g. #%d %q: %s", b.path, len(a.Rejected), b.n, r.Index, r.ID, r.Error)
	}
}

// retryAfter reads a Retry-After header given in seconds (the only form a
// rate-limiting API server realistically sends), capped so a bad value cannot
// stall the simulator.
func retryAfter(h http.Header) time.Duration {
	n, err := strconv.Atoi(h.Get("Retry-After"))
	if err != nil || n <= 0 {
		return 0
	}
	return min(time.Duration(n)*time.Second, time.Minute)
}

// logLimited logs at most once every few seconds, so a server that rejects every
// batch of a 20,000/s run does not drown the terminal.
func (s *Simulator) logLimited(format string, args ...any) {
	const every = 5 * time.Second
	now := time.Now().UnixNano()
	last := s.lastLog.Load()
	if now-last < int64(every) || !s.lastLog.CompareAndSwap(last, now) {
		return
	}
	s.cfg.Logf(format, args...)
}
