package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log"
	"net/http"
	"os"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/citygrid/citygrid/geo"
	"github.com/citygrid/citygrid/live"
	"github.com/citygrid/citygrid/ops"
	"github.com/citygrid/citygrid/profiles"
	"github.com/citygrid/citygrid/stream"
	"github.com/gin-gonic/gin"
)

// loadRules reads the -rules file, or the profile's rules.json, or falls back
// to ops.DefaultRules for a profile without one.
func loadRules(cfg Config) (*ops.Rules, error) {
	if cfg.Rules != "" {
		b, err := os.ReadFile(cfg.Rules)
		if err != nil {
			return nil, fmt.Errorf("-rules: %w", err)
		}
		return ops.ParseRules(b)
	}
	b, err := fs.ReadFile(profiles.FS, path.Join(cfg.Profile, "rules.json"))
	if errors.Is(err, fs.ErrNotExist) {
		return ops.DefaultRules(), nil
	}
	if err != nil {
		return nil, err
	}
	return ops.ParseRules(b)
}

// historyNeeded is how far back the anomaly rules look, plus an hour.
func historyNeeded(r *ops.Rules) time.Duration {
	var d time.Duration
	for _, a := range r.Anomaly {
		span := time.Duration(a.Days) * 24 * time.Hour
		if a.Season == "week" {
			span *= 7
		}
		d = max(d, span+time.Hour)
	}
	return d
}

// reloadRules re-reads the -rules file when its modification time or size
// changes; a bad file is logged and the rules in force stay.
func (a *app) reloadRules(ctx context.Context) error {
	stamp := func() string {
		st, err := os.Stat(a.cfg.Rules)
		if err != nil {
			return ""
		}
		return st.ModTime().String() + "/" + strconv.FormatInt(st.Size(), 10)
	}
	last := stamp()
	t := time.NewTicker(2 * time.Second)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
		cur := stamp()
		if cur == last || cur == "" {
			continue
		}
		last = cur
		r, err := loadRules(a.cfg)
		if err != nil {
			log.Printf("rules: keeping the rules in force: %v", err)
			continue
		}
		_ = a.fold.Do(ctx, func(s *live.State) { s.Ops().SetRules(r) })
		log.Printf("rules: reloaded %s", a.cfg.Rules)
	}
}

// runProposals appends the fold's proposals to the commands stream. Refused
// claims are the normal outcome of several nodes proposing the same change
// and are not logged.
func (a *app) runProposals(ctx context.Context) error {
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case ps := <-a.proposals:
			for i := range ps {
				p := &ps[i]
				if _, _, _, err := a.commander.Append(ctx, p.Mode, p.Claims, p.Field, p.ID, &p.Cmd); err != nil && ctx.Err() == nil {
					log.Printf("ops: %s %s: %v (proposed again later)", p.Cmd.Type, p.Field, err)
				}
			}
		}
	}
}

// releaseOrphans frees, once ready and then hourly, the claims whose commands
// the length-trimmed commands stream no longer holds (stream.ReleaseOrphans).
func (a *app) releaseOrphans(ctx context.Context) error {
	t := time.NewTicker(time.Hour)
	defer t.Stop()
	for !a.ready.Load() {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(time.Second):
		}
	}
	for {
		for _, h := range ops.ClaimHashes {
			if n, err := a.commander.ReleaseOrphans(ctx, h); err != nil && ctx.Err() == nil {
				log.Printf("ops: releasing orphaned claims: %v", err)
			} else if n > 0 {
				log.Printf("ops: released %d %s claims whose commands were trimmed from the stream", n, h)
			}
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
	}
}

// propose hands proposals to runProposals without blocking the fold.
func (a *app) propose(ps []ops.Proposal) {
	select {
	case a.proposals <- ps:
	default: // dropped: the board proposes again a few evaluations on
	}
}

// onBoard runs f on the fold's goroutine with the board.
func (a *app) onBoard(ctx context.Context, f func(b *ops.Board)) error {
	return a.fold.Do(ctx, func(s *live.State) { f(s.Ops()) })
}

// who names the person or key behind a request, for the commands they send.
func who(c *gin.Context) string {
	if id, ok := identityOf(c.Request); ok {
		return id.Name
	}
	return "anonymous"
}

// execute appends a command made by a handler and waits (up to 2 s) until the
// fold has applied it, so the answer, and the next read, show its effect.
func (a *app) execute(c *gin.Context, p ops.Proposal) (ok bool, holder string, err error) {
	ctx, cancel := context.WithTimeout(c.Request.Context(), readTimeout)
	defer cancel()
	id, ok, holder, err := a.commander.Append(ctx, p.Mode, p.Claims, p.Field, p.ID, &p.Cmd)
	if err != nil || !ok {
		return ok, holder, err
	}
	deadline := time.Now().Add(2 * time.Second)
	for time.Now().Before(deadline) {
		applied := ""
		if err := a.onBoard(ctx, func(b *ops.Board) { applied = b.Applied() }); err != nil {
			return true, "", nil
		}
		if compareIDs(applied, id) >= 0 {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	return true, "", nil
}

// compareIDs orders stream entry ids ("ms-seq").
func compareIDs(a, b string) int {
	am, as, _ := strings.Cut(a, "-")
	bm, bs, _ := strings.Cut(b, "-")
	ai, _ := strconv.ParseUint(am, 10, 64)
	bi, _ := strconv.ParseUint(bm, 10, 64)
	if ai != bi {
		if ai < bi {
			return -1
		}
		return 1
	}
	ax, _ := strconv.ParseUint(as, 10, 64)
	bx, _ := strconv.ParseUint(bs, 10, 64)
	switch {
	case ax < bx:
		return -1
	case ax > bx:
		return 1
	}
	return 0
}

// answerOpsError turns a board's refusal into its HTTP answer.
func answerOpsError(c *gin.Context, err error) {
	msg := err.Error()
	if prev := c.GetString(auditDetail); prev != "" {
		msg = prev + ": " + msg
	}
	c.Set(auditDetail, msg)
	var fe *ops.FieldError
	var ce *ops.ConflictError
	switch {
	case errors.Is(err, ops.ErrNotFound):
		c.JSON(http.StatusNotFound, gin.H{"error": "not found"})
	case errors.As(err, &fe):
		c.JSON(http.StatusBadRequest, gin.H{"error": fe.Error()})
	case errors.As(err, &ce):
		body := gin.H{"error": ce.Msg}
		if ce.Dispatch != "" {
			body["dispatch"] = ce.Dispatch
		}
		c.JSON(http.StatusConflict, body)
	case errors.Is(err, stream.ErrUnavailable):
		c.JSON(http.StatusServiceUnavailable, gin.H{"error": "redis unavailable: nothing was changed; retry"})
	default:
		c.JSON(http.StatusServiceUnavailable, gin.H{"error": err.Error()})
	}
}

// getAlerts answers GET /api/v1/alerts?status=open&kind=&limit=.
func (a *app) getAlerts(c *gin.Context) {
	f := ops.AlertFilter{Status: c.DefaultQuery("status", "open"), Kind: c.Query("kind")}
	switch f.Status {
	case "open", "acknowledged", "resolved", "all":
	default:
		c.JSON(http.StatusBadRequest, gin.H{"error": "status: open, acknowledged, resolved or all"})
		return
	}
	if s := c.Query("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > 5000 {
			c.JSON(http.StatusBadRequest, gin.H{"error": "limit: 1 to 5000"})
			return
		}
		f.Limit = n
	}
	var body gin.H
	err := a.onBoard(c.Request.Context(), func(b *ops.Board) {
		body = gin.H{"asOf": b.Now(), "alerts": b.Alerts(f), "counts": b.Counts()}
	})
	if err != nil {
		answerOpsError(c, err)
		return
	}
	c.JSON(http.StatusOK, body)
}

// noteBody reads the optional {"note": "…"} of a state change.
func noteBody(c *gin.Context) (string, bool) {
	var body struct {
		Note string `json:"note"`
	}
	if c.Request.ContentLength != 0 {
		if err := decodeSmallJSON(c, &body); err != nil {
			c.JSON(http.StatusBadRequest, gin.H{"error": err.Error()})
			return "", false
		}
	}
	return body.Note, true
}

// decodeSmallJSON decodes a request body of at most 16 KiB.
func decodeSmallJSON(c *gin.Context, v any) error {
	c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, 16<<10)
	if err := c.ShouldBindJSON(v); err != nil {
		return fmt.Errorf("body: %v", err)
	}
	return nil
}

// postAlert answers POST /api/v1/alerts/{id}/ack and …/resolve.
func (a *app) postAlert(resolve bool) gin.HandlerFunc {
	return a.changeByID("alert: already resolved", func(b *ops.Board, id, by, note string) (ops.Proposal, error) {
		if resolve {
			return b.ResolveProposal(id, by, note)
		}
		return b.AckProposal(id, by, note)
	}, func(b *ops.Board, id string) any { al, _ := b.Alert(id); return al })
}

// changeByID is a handler of a state change to one alert or dispatch named by
// the path's id, with an optional note: the board makes the proposal (or
// refuses), it is appended under its claim (a refused claim is a 409 saying
// refused), and the answer is the thing as it now is (answer).
func (a *app) changeByID(refused string, propose func(b *ops.Board, id, by, note string) (ops.Proposal, error), answer func(b *ops.Board, id string) any) gin.HandlerFunc {
	return func(c *gin.Context) {
		note, ok := noteBody(c)
		if !ok {
			return
		}
		id := c.Param("id")
		c.Set(auditDetail, id)
		var p ops.Proposal
		var perr error
		if err := a.onBoard(c.Request.Context(), func(b *ops.Board) { p, perr = propose(b, id, who(c), note) }); err != nil {
			perr = err
		}
		if perr != nil {
			answerOpsError(c, perr)
			return
		}
		done, _, err := a.execute(c, p)
		if err != nil {
			answerOpsError(c, err)
			return
		}
		if !done {
			answerOpsError(c, &ops.ConflictError{Msg: refused})
			return
		}
		var out any
		_ = a.onBoard(c.Request.Context(), func(b *ops.Board) { out = answer(b, id) })
		c.JSON(http.StatusOK, out)
	}
}

// getDispatches answers GET /api/v1/dispatches?status=active|all&unit=.
func (a *app) getDispatches(c *gin.Context) {
	status := c.DefaultQuery("status", "active")
	if status != "active" && status != "all" {
		c.JSON(http.StatusBadRequest, gin.H{"error": "status: active or all"})
		return
	}
	var body gin.H
	if err := a.onBoard(c.Request.Context(), func(b *ops.Board) {
		body = gin.H{"asOf": b.Now(), "dispatches": b.Dispatches(status == "all", c.Query("unit"))}
	}); err != nil {
		answerOpsError(c, err)
		return
	}
	c.JSON(http.StatusOK, body)
}

// postDispatch answers POST /api/v1/dispatches.
func (a *app) postDispatch(c *gin.Context) {
	var req ops.DispatchRequest
	if err := decodeSmallJSON(c, &req); err != nil {
		c.JSON(http.StatusBadRequest, gin.H{"error": err.Error()})
		return
	}
	var p ops.Proposal
	var d *ops.Dispatch
	var perr error
	if err := a.onBoard(c.Request.Context(), func(b *ops.Board) { p, d, perr = b.AssignProposal(req, who(c)) }); err != nil {
		perr = err
	}
	if perr != nil {
		answerOpsError(c, perr)
		return
	}
	c.Set(auditDetail, fmt.Sprintf("%s %s to %s", d.ID, d.Unit, d.Cell))
	done, holder, err := a.execute(c, p)
	if err != nil {
		answerOpsError(c, err)
		return
	}
	if !done {
		// Another dispatcher (on this node or another) won the unit first.
		answerOpsError(c, &ops.ConflictError{Msg: "unit: " + d.Unit + " is already on dispatch " + holder, Dispatch: holder})
		return
	}
	var out ops.Dispatch
	found := false
	_ = a.onBoard(c.Request.Context(), func(b *ops.Board) { out, found = b.Dispatch(d.ID) })
	if !found {
		out = *d // applied later than the wait; the command is stored
	}
	c.JSON(http.StatusCreated, out)
}

// postDispatchEnd answers POST /api/v1/dispatches/{id}/clear and …/cancel.
func (a *app) postDispatchEnd(cancel bool) gin.HandlerFunc {
	return a.changeByID("dispatch: no longer active", func(b *ops.Board, id, by, note string) (ops.Proposal, error) {
		return b.EndProposal(id, by, note, cancel)
	}, func(b *ops.Board, id string) any { d, _ := b.Dispatch(id); return d })
}

// getSuggest answers GET /api/v1/dispatch/suggest?cell=…&limit=5.
func (a *app) getSuggest(c *gin.Context) {
	cell, err := geo.ParseCell(c.Query("cell"))
	if err != nil || !cell.Valid() {
		c.JSON(http.StatusBadRequest, gin.H{"error": "cell: not an H3 cell"})
		return
	}
	limit := 5
	if s := c.Query("limit"); s != "" {
		if limit, err = strconv.Atoi(s); err != nil || limit < 1 || limit > 100 {
			c.JSON(http.StatusBadRequest, gin.H{"error": "limit: 1 to 100"})
			return
		}
	}
	var sugg []ops.Suggestion
	if err := a.onBoard(c.Request.Context(), func(b *ops.Board) { sugg = b.Suggest(cell, limit) }); err != nil {
		answerOpsError(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"cell": cell.String(), "suggestions": sugg})
}
