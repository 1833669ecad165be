package sim

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"time"
)

const casesPath = "/api/v1/cases"

// A CaseKind is a subcategory of the server's case catalogue the simulator
// opens cases of, with its time limit (in working time; the simulator
// paces a case by it as if every hour worked).
type CaseKind struct {
	Code  string
	Limit time.Duration
}

// simCase is one case the simulator opened and is moving through the loop.
type simCase struct {
	id    string
	kind  CaseKind
	state string    // the state the server last answered
	next  time.Time // when the next step is due, by the simulator's clock
}

// The paces of the loop: how long each step takes after the one before, as
// a command centre's staff take them. Handling takes a share of the case's
// limit (now and then more than all of it: some cases are late), capped so
// that a long limit (days) still turns over in a demo.
const (
	maxHandling = 3 * time.Hour
)

// nextStep is the loop the simulator moves its cases along; its notes are
// written in the profile's language.
func (s *Simulator) nextStep(c *simCase, r *rand.Rand) (action string, body map[string]any) {
	switch c.state {
	case "registered":
		if r.Float64() < 0.03 {
			return "reject", map[string]any{"note": s.words.notes["reject"]}
		}
		return "accept", nil
	case "accepted":
		if r.Float64() < 0.05 {
			return "escalate", map[string]any{"note": s.words.notes["escalate"]}
		}
		return "assign", nil
	case "assigned":
		if r.Float64() < 0.02 {
			return "suspend", map[string]any{"note": s.words.notes["suspend"]}
		}
		return "handle", map[string]any{"note": s.words.notes["handle"]}
	case "suspended":
		return "resume", nil
	case "handled":
		if r.Float64() < 0.12 {
			return "return", map[string]any{"note": s.words.notes["return"]}
		}
		return "verify", nil
	case "verified":
		return "close", nil
	case "closed":
		return "rate", map[string]any{"satisfaction": pick(r, satisfaction), "comment": s.words.followUp}
	}
	return "", nil
}

var satisfaction = []choice[int]{{5, 50}, {4, 30}, {3, 12}, {2, 5}, {1, 3}}

// delay is how long after entering state the case's next step comes.
func delay(state string, k CaseKind, r *rand.Rand) time.Duration {
	between := func(lo, hi time.Duration) time.Duration { return lo + time.Duration(r.Int64N(int64(hi-lo)+1)) }
	switch state {
	case "registered":
		return between(time.Minute, 4*time.Minute)
	case "accepted":
		return between(2*time.Minute, 10*time.Minute)
	case "assigned":
		// Most are handled within the limit; about one in eight is late.
		share := 0.2 + r.Float64()*0.95
		return min(time.Duration(share*float64(k.Limit)), maxHandling)
	case "suspended":
		return between(30*time.Minute, 2*time.Hour)
	case "handled":
		return between(5*time.Minute, 30*time.Minute)
	case "verified":
		return between(2*time.Minute, 10*time.Minute)
	case "closed":
		return between(10*time.Minute, 2*time.Hour)
	}
	return 0
}

// openCase turns an incident into a case: a hotline call or a grid worker's
// report about it.
func (s *Simulator) openCase(ctx context.Context, in Incident, r *rand.Rand) (*simCase, error) {
	k := oneOf(r, s.cfg.CaseKinds)
	body := map[string]any{
		"id": "sim-case-" + in.ID, "title": in.Title, "subcategory": k.Code, "lat": in.Lat, "lng": in.Lng,
		"channel": oneOf(r, s.cfg.CaseChannels), "incident": in.ID, "description": in.Address,
		"reporter": map[string]string{"name": s.words.citizen, "phone": fmt.Sprintf("139%08d", r.IntN(1e8))},
	}
	var got struct {
		ID    string `json:"id"`
		State string `json:"state"`
	}
	if err := s.call(ctx, casesPath, body, &got); err != nil {
		return nil, err
	}
	c := &simCase{id: got.ID, kind: k, state: got.State}
	c.next = s.cfg.Now().Add(delay(c.state, k, r))
	return c, nil
}

// errGone is a case someone else moved (a person at the console): the
// simulator lets it go.
var errGone = errors.New("sim: the case was moved by someone else")

// errNotAllowed is a key that may not move cases.
var errNotAllowed = errors.New("sim: the key may not move cases")

// advanceCase takes the case's next step, if due.
func (s *Simulator) advanceCase(ctx context.Context, c *simCase, r *rand.Rand) error {
	action, body := s.nextStep(c, r)
	if action == "" {
		return errGone // rated or rejected: the loop is over
	}
	var got struct {
		State string `json:"state"`
	}
	if err := s.call(ctx, casesPath+"/"+url.PathEscape(c.id)+"/"+action, body, &got); err != nil {
		return err
	}
	c.state = got.State
	c.next = s.cfg.Now().Add(delay(c.state, c.kind, r))
	return nil
}

// runCases opens cases from the incidents handed to it and moves them along
// the loop until ctx ends. A server that is down is waited out; a case
// someone else moved is let go; a key that may not move cases stops the
// moving (the cases it opened stay where they are).
func (s *Simulator) runCases(ctx context.Context, from <-chan Incident) {
	r := rand.New(rand.NewPCG(uint64(s.cfg.Seed), 3))
	var open []*simCase
	moving := true
	t := time.NewTicker(s.caseEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case in := <-from:
			c, err := s.openCase(ctx, in, r)
			if err != nil {
				s.logLimited("sim: opening a case: %v", err)
				continue
			}
			s.stats.cases.Add(1)
			open = append(open, c)
		case <-t.C:
			if !moving {
				continue
			}
			now := s.cfg.Now()
			kept := open[:0]
			for _, c := range open {
				if !moving || now.Before(c.next) {
					kept = append(kept, c)
					continue
				}
				err := s.advanceCase(ctx, c, r)
				switch {
				case err == nil:
					s.stats.moves.Add(1)
					kept = append(kept, c)
				case errors.Is(err, errGone):
				case errors.Is(err, errNotAllowed):
					s.cfg.Logf("sim: %v; the cases it opens stay where they are", err)
					moving = false
					kept = append(kept, c)
				default:
					s.logLimited("sim: moving case %s: %v", c.id, err)
					kept = append(kept, c) // tried again next tick
				}
			}
			clear(open[len(kept):])
			open = kept
		}
	}
}

// call posts a JSON body to path and decodes the answer into out.
func (s *Simulator) call(ctx context.Context, path string, body, out any) error {
	b, err := json.Marshal(body)
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.cfg.URL+path, bytes.NewReader(b))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "citygrid-feedsim")
	if s.cfg.APIKey != "" {
		req.Header.Set("Authorization", "Bearer "+s.cfg.APIKey)
	}
	resp, err := s.cfg.Client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	switch {
	case resp.StatusCode == http.StatusConflict:
		return errGone
	case resp.StatusCode == http.StatusForbidden || resp.StatusCode == http.StatusUnauthorized:
		return fmt.Errorf("%w (%s)", errNotAllowed, resp.Status)
	case resp.StatusCode >= 300:
		return fmt.Errorf("%s: %s", resp.Status, bytes.TrimSpace(data))
	}
	return json.Unmarshal(data, out)
}
