package api

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/citygrid/citygrid/geo"
	"github.com/citygrid/citygrid/wire"
	"github.com/gin-gonic/gin"
)

// readTimeout bounds how long a request waits for the live state or Redis.
const readTimeout = 5 * time.Second

// within is the request's context, bounded by readTimeout.
func within(c *gin.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(c.Request.Context(), readTimeout)
}

// limitParam reads ?limit=, between 1 and most; def when absent.
func limitParam(c *gin.Context, def, most int) (int, error) {
	s := c.Query("limit")
	if s == "" {
		return def, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > most {
		return 0, &geo.FieldError{Field: "limit", Reason: fmt.Sprintf("1 to %d", most)}
	}
	return n, nil
}

// topicParams reads the heat topic of a REST query (res, window, category,
// minSeverity, bbox) through the parser the websocket uses too.
func topicParams(c *gin.Context) (wire.Topic, error) {
	q := wire.Query{Res: c.Query("res"), Window: c.Query("window"), Category: c.Query("category"), MinSeverity: c.Query("minSeverity")}
	if s := c.Query("bbox"); s != "" {
		b, err := wire.SplitBBox(s)
		if err != nil {
			return wire.Topic{}, err
		}
		q.BBox = b
	}
	return q.Parse()
}

// windowParam reads ?window= (15m, 1h or 24h; 1h when absent).
func windowParam(c *gin.Context) (geo.Window, error) { return geo.ParseWindow(c.Query("window")) }

// cellParam reads ?cell=, an H3 cell; at one of res when res is given.
func cellParam(c *gin.Context, res ...int) (geo.Cell, error) {
	cell, err := geo.ParseCell(c.Query("cell"))
	ok := err == nil && cell.Valid()
	if ok && len(res) > 0 {
		ok = false
		for _, r := range res {
			ok = ok || cell.Res() == r
		}
	}
	if !ok {
		if len(res) > 0 {
			return 0, &geo.FieldError{Field: "cell", Reason: fmt.Sprintf("an H3 cell at resolution %s", orList(res))}
		}
		return 0, &geo.FieldError{Field: "cell", Reason: "not an H3 cell"}
	}
	return cell, nil
}

// orList writes 7, 8 or 9.
func orList(v []int) string {
	s := ""
	for i, n := range v {
		switch {
		case i == 0:
		case i == len(v)-1:
			s += " or "
		default:
			s += ", "
		}
		s += strconv.Itoa(n)
	}
	return s
}

// decodeSmallJSON decodes a request body of at most 16 KiB.
func decodeSmallJSON(c *gin.Context, v any) error {
	c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, 16<<10)
	if err := c.ShouldBindJSON(v); err != nil {
		return badBody(err)
	}
	return nil
}
