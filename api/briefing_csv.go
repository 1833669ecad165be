package api

import (
	"cmp"
	"encoding/csv"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/citygrid/citygrid/briefing"
	"github.com/citygrid/citygrid/geo"
	"github.com/gin-gonic/gin"
)

// briefingTables are the tables GET /api/v1/briefing.csv exports, each built
// from the JSON answer, so the two cannot disagree.
var briefingTables = map[string]func(*briefingAnswer) [][]string{
	"incidents":  incidentsTable,
	"hours":      hoursTable,
	"places":     placesTable,
	"alerts":     alertsTable,
	"dispatches": dispatchesTable,
	"districts":  districtsTable,
}

// getBriefingCSV answers GET /api/v1/briefing.csv?from=&to=&table=: one table
// of the briefing as CSV (UTF-8 with a byte-order mark, so spreadsheets read
// the Chinese names).
func (a *API) getBriefingCSV(c *gin.Context) {
	table, ok := briefingTables[c.Query("table")]
	if !ok {
		a.fail(c, &geo.FieldError{Field: "table", Reason: "incidents, hours, places, alerts, dispatches or districts"})
		return
	}
	ans, err := a.briefing(c)
	if err != nil {
		a.fail(c, err)
		return
	}
	name := "briefing-" + c.Query("table") + "-" + ans.From.Format("20060102T1504Z") + ".csv"
	c.Header("Content-Disposition", `attachment; filename="`+name+`"`)
	c.Status(http.StatusOK)
	c.Header("Content-Type", "text/csv; charset=utf-8")
	_, _ = c.Writer.WriteString("\ufeff")
	w := csv.NewWriter(c.Writer)
	_ = w.WriteAll(table(ans)) // a failed write is the client gone
}

func itoa(n int) string { return strconv.Itoa(n) }

// num is an optional figure: empty when null.
func num(f *float64) string {
	if f == nil {
		return ""
	}
	return strconv.FormatFloat(*f, 'f', -1, 64)
}

// districtCodes are the codes of m, most first, then by code.
func districtCodes(m map[string]int) []string {
	codes := slices.Collect(maps.Keys(m))
	slices.SortFunc(codes, func(x, y string) int { return cmp.Or(cmp.Compare(m[y], m[x]), cmp.Compare(x, y)) })
	return codes
}

// incidentsTable: the city, then each district: total, the comparison
// periods' totals, and one column per category.
func incidentsTable(a *briefingAnswer) [][]string {
	in := a.Incidents
	cats := slices.Sorted(maps.Keys(in.ByCategory))
	head := append([]string{"code", "name", "total", "previous", "weekBefore"}, cats...)
	period := func(p *briefing.Period, code string, city bool) string {
		switch {
		case p == nil:
			return ""
		case city:
			return itoa(p.Total)
		}
		return itoa(p.ByDistrict[code])
	}
	rows := [][]string{head}
	row := []string{a.City, "", itoa(in.Total), period(in.Previous, "", true), period(in.WeekBefore, "", true)}
	for _, k := range cats {
		row = append(row, itoa(in.ByCategory[k]))
	}
	rows = append(rows, row)
	for _, code := range districtCodes(in.ByDistrict) {
		row := []string{code, a.Districts[code], itoa(in.ByDistrict[code]), period(in.Previous, code, false), period(in.WeekBefore, code, false)}
		for _, k := range cats {
			row = append(row, itoa(in.DistrictCategories[code][k]))
		}
		rows = append(rows, row)
	}
	return rows
}

func hoursTable(a *briefingAnswer) [][]string {
	rows := [][]string{{"start", "count"}}
	for _, h := range a.Incidents.ByHour {
		rows = append(rows, []string{h.Start.Format(time.RFC3339), itoa(h.Count)})
	}
	return rows
}

func placesTable(a *briefingAnswer) [][]string {
	rows := [][]string{{"rank", "cell", "name", "district", "count"}}
	for i, h := range a.Incidents.Hottest {
		rows = append(rows, []string{itoa(i + 1), h.Cell, h.Name, h.District, itoa(h.Count)})
	}
	return rows
}

// alertsTable: the city, each kind, each district: alerts opened and how
// fast they were acknowledged.
func alertsTable(a *briefingAnswer) [][]string {
	al := a.Alerts
	rows := [][]string{{"scope", "code", "name", "total", "acknowledged", "ackMedianSeconds", "ackP90Seconds"}}
	row := func(scope, code, name string, total int, t briefing.Timing) {
		rows = append(rows, []string{scope, code, name, itoa(total), itoa(t.Count), num(t.Median), num(t.P90)})
	}
	row("city", a.City, "", al.Total, al.Ack)
	for _, k := range districtCodes(al.ByKind) {
		row("kind", k, "", al.ByKind[k], al.AckByKind[k])
	}
	for _, code := range districtCodes(al.ByDistrict) {
		row("district", code, a.Districts[code], al.ByDistrict[code], al.AckByDistrict[code])
	}
	return rows
}

func dispatchesTable(a *briefingAnswer) [][]string {
	d := a.Dispatches
	rows := [][]string{{"code", "name", "total", "arrived", "responseMedianSeconds", "responseP90Seconds", "withinTarget"}}
	row := func(code, name string, total int, t briefing.Timing) {
		rows = append(rows, []string{code, name, itoa(total), itoa(t.Count), num(t.Median), num(t.P90), num(t.WithinTarget)})
	}
	row(a.City, "", d.Total, d.Response)
	for _, code := range districtCodes(d.ByDistrict) {
		row(code, a.Districts[code], d.ByDistrict[code], d.ResponseByDistrict[code])
	}
	return rows
}

// districtsTable: the safety index's ranking of the districts, beside each
// one's incidents and cases over the window.
func districtsTable(a *briefingAnswer) [][]string {
	rows := [][]string{{"rank", "code", "name", "index", "band", "incidents", "casesRegistered", "casesClosed", "onTimeRate"}}
	if a.Safety.AsOfList == nil {
		return rows
	}
	for _, r := range a.Safety.Rows {
		var reg, closed int
		var onTime *float64
		if f := a.Cases.ByDistrict[r.Code]; f != nil {
			reg, closed, onTime = f.Registered, f.Closed, f.OnTimeRate
		}
		rows = append(rows, []string{itoa(r.RankInLevel), r.Code, r.Name, strconv.FormatFloat(r.Index, 'f', 1, 64), r.Band,
			itoa(a.Incidents.ByDistrict[r.Code]), itoa(reg), itoa(closed), num(onTime)})
	}
	return rows
}
