package api

import (
	"net/http"
	"strconv"

	"github.com/citygrid/citygrid/geo"
	"github.com/gin-gonic/gin"
)

// getIndex answers GET /api/v1/index?level=street&period=7d[&fresh=1]: the
// safety index of every region of the level (or the city), best first.
func (a *API) getIndex(c *gin.Context) {
	name := c.DefaultQuery("level", "district")
	level, err := geo.ParseLevel(name)
	if err != nil {
		a.fail(c, &geo.FieldError{Field: "level", Reason: "must be city, district, street, community or grid"})
		return
	}
	ctx, cancel := within(c)
	defer cancel()
	list, err := a.cfg.Safety.List(ctx, level, c.Query("period"), c.Query("fresh") == "1")
	if err != nil {
		a.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, list)
}

// maxIndexDays is the longest history GET /api/v1/index/{code} answers.
const maxIndexDays = 800

// getIndexOf answers GET /api/v1/index/{code}?period=7d&days=90[&fresh=1]:
// one region's index, what it was computed from, and its history.
func (a *API) getIndexOf(c *gin.Context) {
	days := 90
	if v := c.Query("days"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 || n > maxIndexDays {
			a.fail(c, &geo.FieldError{Field: "days", Reason: "must be a whole number from 0 to " + strconv.Itoa(maxIndexDays)})
			return
		}
		days = n
	}
	ctx, cancel := within(c)
	defer cancel()
	d, err := a.cfg.Safety.Detail(ctx, c.Param("code"), c.Query("period"), days, c.Query("fresh") == "1")
	if err != nil {
		a.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, d)
}
