package stream

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/citygrid/citygrid/geo"
)

// codecVersion is the first field of every entry; a reader refuses versions it
// does not know instead of misreading them.
const codecVersion = "1"

// Entries are flat field lists in a fixed order, every field always present
// (empty when unknown): entries with the same fields in the same order share
// Redis's listpack master entry, which costs about 40 % less memory than maps.

// IncidentFields encodes an incident as stream fields.
func IncidentFields(in *geo.Incident) []string {
	return []string{
		"v", codecVersion,
		"id", in.ID,
		"src", in.Source,
		"cat", in.Category,
		"sev", strconv.Itoa(in.Severity),
		"lat", formatFloat(in.Lat),
		"lng", formatFloat(in.Lng),
		"cell", in.Cell.String(),
		"t", strconv.FormatInt(in.Time.UnixMilli(), 10),
		"title", in.Title,
		"addr", in.Address,
		"reg", formatRegions(in.Regions),
		"c8", formatCoarse(in.Cells, 8),
		"c7", formatCoarse(in.Cells, 7),
		"by", in.By,
	}
}

// PositionFields encodes a position as stream fields.
func PositionFields(p *geo.Position) []string {
	return []string{
		"v", codecVersion,
		"unit", p.Unit,
		"kind", p.Kind,
		"st", p.Status,
		"lat", formatFloat(p.Lat),
		"lng", formatFloat(p.Lng),
		"cell", p.Cell.String(),
		"t", strconv.FormatInt(p.Time.UnixMilli(), 10),
		"hdg", formatOptional(p.Heading),
		"spd", formatOptional(p.Speed),
		"reg", formatRegions(p.Regions),
		"c8", formatCoarse(p.Cells, 8),
		"c7", formatCoarse(p.Cells, 7),
		"by", p.By,
	}
}

// DecodeIncident reads an incident back from stream fields.
func DecodeIncident(f map[string]any) (geo.Incident, error) {
	d := fieldReader{f: f}
	return d.incident()
}

// DecodePosition reads a position back from stream fields.
func DecodePosition(f map[string]any) (geo.Position, error) {
	d := fieldReader{f: f}
	return d.position()
}

// The decoders ask for the fields in the order the encoders write them, so an
// entry read by position (see fieldReader) is read straight through.

func (d *fieldReader) incident() (geo.Incident, error) {
	var in geo.Incident
	d.version()
	in.ID = d.keep(d.str("id"))
	in.Source = d.intern(d.str("src"))
	in.Category = d.intern(d.str("cat"))
	in.Severity = int(d.int("sev"))
	in.Lat = d.float("lat")
	in.Lng = d.float("lng")
	in.Cell = d.cell("cell")
	in.Time = time.UnixMilli(d.int("t")).UTC()
	in.Title = d.keep(d.str("title"))
	in.Address = d.keep(d.str("addr"))
	in.Regions = d.regions("reg")
	in.Cells = d.cells(in.Cell)
	in.By = d.intern(d.str("by")) // "" in entries from before it was kept
	return in, d.err
}

func (d *fieldReader) position() (geo.Position, error) {
	var p geo.Position
	d.version()
	p.Unit = d.keep(d.str("unit"))
	p.Kind = d.intern(d.str("kind"))
	p.Status = d.intern(d.str("st"))
	p.Lat = d.float("lat")
	p.Lng = d.float("lng")
	p.Cell = d.cell("cell")
	p.Time = time.UnixMilli(d.int("t")).UTC()
	p.Heading = d.optional("hdg")
	p.Speed = d.optional("spd")
	p.Regions = d.regions("reg")
	p.Cells = d.cells(p.Cell)
	p.By = d.intern(d.str("by"))
	return p, d.err
}

// formatRegions writes region codes as "district,street,community,grid", or
// "" when there are none. The field was added after version 1 shipped: an
// entry without it decodes with no codes, so the codec version stays "1".
//
// Codes in the national statistical layout (GB/T 2260 and its town and
// village extension: a 6-digit district, each level below extending its
// parent by 3 digits, as the profiles' grids do) are written in a shorter
// form: the number of levels, then the deepest code, digits only. Redis keeps
// a value of up to 19 digits as a 64-bit integer, so the chain costs 10 bytes
// of a stream entry instead of 47. Any other chain takes the long form.
func formatRegions(rc geo.RegionCodes) string {
	if rc.IsZero() {
		return ""
	}
	if s, ok := positional(rc); ok {
		return s
	}
	return rc.District + "," + rc.Street + "," + rc.Community + "," + rc.Grid
}

// positionalLengths are the code lengths of the positional layout, district
// to grid.
var positionalLengths = [...]int{6, 9, 12, 15}

// positional is the short form of rc, if its codes are in the positional
// layout: present from the district down, each of its length, digits, and
// each extending the one above.
func positional(rc geo.RegionCodes) (string, bool) {
	codes := [...]string{rc.District, rc.Street, rc.Community, rc.Grid}
	n := 0
	for n < len(codes) && codes[n] != "" {
		n++
	}
	for i, c := range codes {
		if (i < n) != (c != "") { // a gap
			return "", false
		}
		if i >= n {
			continue
		}
		if len(c) != positionalLengths[i] || !digits(c) || i > 0 && !strings.HasPrefix(c, codes[i-1]) {
			return "", false
		}
	}
	return strconv.Itoa(n) + codes[n-1], true
}

func digits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// parseRegions reads either form of formatRegions. The long form is split
// as strings.SplitN(s, ",", 4) would, without the slice; missing codes are
// empty.
func parseRegions(s string) geo.RegionCodes {
	var rc geo.RegionCodes
	if s == "" {
		return rc
	}
	if n := int(s[0] - '0'); !strings.Contains(s, ",") && n >= 1 && n <= len(positionalLengths) && len(s) == 1+positionalLengths[n-1] {
		deepest := s[1:]
		codes := [...]*string{&rc.District, &rc.Street, &rc.Community, &rc.Grid}
		for i := range n {
			*codes[i] = deepest[:positionalLengths[i]]
		}
		return rc
	}
	var rest string
	rc.District, rest, _ = strings.Cut(s, ",")
	rc.Street, rest, _ = strings.Cut(rest, ",")
	rc.Community, rc.Grid, _ = strings.Cut(rest, ",")
	return rc
}

// formatCoarse writes an event's cell at res, a heat resolution coarser than
// FineRes, only where it is not the parent of its cell one resolution finer
// (about one event in ten): the cells contain the point, the parents do not
// always. An empty field costs a couple of bytes in Redis; a cell, sixteen.
// Entries written before the fields existed decode with parents.
func formatCoarse(cells geo.Cells, res int) string {
	c, finer := cells.At(res), cells.At(res+1)
	if c == 0 || finer != 0 && finer.Parent(res) == c {
		return ""
	}
	return c.String()
}

func formatFloat(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

func formatOptional(f *float64) string {
	if f == nil {
		return ""
	}
	return formatFloat(*f)
}

// fieldReader decodes fields, keeping the first error so decoders read straight.
// It reads either go-redis's map of an entry, or, for the tailer's rebuild, the
// entry's values by position (pos): then the values are views into a whole
// reply, so what the decoded event keeps is copied (keep) or shared through
// the reader's strings (intern).
type fieldReader struct {
	f   map[string]any
	err error

	pos     bool
	fields  []string // names and values alternating, in the codec's order (pos only)
	next    int      // the next name's index in fields
	strings *stringCache
}

func (d *fieldReader) fail(field, why string) {
	if d.err == nil {
		d.err = fmt.Errorf("stream: field %s: %s", field, why)
	}
}

func (d *fieldReader) str(k string) string {
	if !d.pos {
		s, _ := d.f[k].(string)
		return s
	}
	if i := d.next; i+1 < len(d.fields) && d.fields[i] == k {
		d.next += 2
		return d.fields[i+1]
	}
	// Asked out of order (a decoder changed without its encoder): look.
	for i := 0; i+1 < len(d.fields); i += 2 {
		if d.fields[i] == k {
			return d.fields[i+1]
		}
	}
	return ""
}

// keep returns s as the decoded event may hold it.
func (d *fieldReader) keep(s string) string {
	if !d.pos {
		return s
	}
	return strings.Clone(s)
}

// intern is keep for the values of few kinds: sources, categories, region
// codes.
func (d *fieldReader) intern(s string) string {
	if !d.pos {
		return s
	}
	return d.strings.get(s)
}

func (d *fieldReader) version() {
	if v := d.str("v"); v != codecVersion {
		d.fail("v", "unknown codec version "+strconv.Quote(v))
	}
}

func (d *fieldReader) int(k string) int64 {
	n, err := strconv.ParseInt(d.str(k), 10, 64)
	if err != nil {
		d.fail(k, "not an integer")
	}
	return n
}

func (d *fieldReader) float(k string) float64 { return d.parseFloat(k, d.str(k)) }

func (d *fieldReader) parseFloat(k, s string) float64 {
	x, err := strconv.ParseFloat(s, 64)
	if err != nil {
		d.fail(k, "not a number")
	}
	return x
}

func (d *fieldReader) optional(k string) *float64 {
	s := d.str(k)
	if s == "" {
		return nil
	}
	x := d.parseFloat(k, s)
	return &x
}

func (d *fieldReader) cell(k string) geo.Cell {
	c, err := geo.ParseCell(d.str(k))
	if err != nil {
		d.fail(k, "not an H3 cell")
	}
	return c
}

// cells reads the coarse cells (formatCoarse) of an event whose fine cell is
// fine: each is its field, or the parent of the cell one resolution finer.
// The fields come in the order the encoder writes them: c8, then c7.
func (d *fieldReader) cells(fine geo.Cell) geo.Cells {
	var cells geo.Cells
	if fine == 0 {
		return cells
	}
	cells[len(cells)-1] = fine
	for i := len(cells) - 2; i >= 0; i-- {
		res, k := geo.HeatResolutions[i], coarseFields[i]
		s := d.str(k)
		if s == "" {
			cells[i] = cells[i+1].Parent(res)
			continue
		}
		c, err := geo.ParseCell(s)
		if err != nil || c.Res() != res {
			d.fail(k, "not a res-"+strconv.Itoa(res)+" cell")
		}
		cells[i] = c
	}
	return cells
}

// coarseFields names the fields of the coarse cells, by heat resolution.
var coarseFields = [len(geo.Cells{}) - 1]string{"c7", "c8"}

func (d *fieldReader) regions(k string) geo.RegionCodes {
	rc := parseRegions(d.str(k))
	rc.District = d.intern(rc.District)
	rc.Street = d.intern(rc.Street)
	rc.Community = d.intern(rc.Community)
	rc.Grid = d.intern(rc.Grid)
	return rc
}

// A stringCache shares the copies of repeated values among the events of a
// rebuild. It is bounded: when full it starts over.
type stringCache struct{ m map[string]string }

const stringCacheSize = 4096

func (c *stringCache) get(s string) string {
	if s == "" {
		return ""
	}
	if v, ok := c.m[s]; ok {
		return v
	}
	if c.m == nil || len(c.m) >= stringCacheSize {
		c.m = make(map[string]string, 64)
	}
	v := strings.Clone(s)
	c.m[v] = v
	return v
}
