package geo

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"path"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/paulmach/orb"
)

// GridCells is about how many indexRes cells (0.1 km² each) a generated grid
// spans: a few hundred households in a city centre.
const GridCells = 4

// A divisionRow is one line of a profile's divisions.csv.
type divisionRow struct{ code, name, level, parent string }

// LoadRegions builds the hierarchy of a profile: the city from its outline,
// districts from its real polygons, and, when the profile directory holds
// divisions.csv (code,name,level,parent_code), streets and communities with
// their real codes and names. Those have no published geometry, so their
// shapes are generated: each district's cells are split into contiguous
// clusters, one per street, each street's into communities, each community's
// into grids of about GridCells cells (codes: the community's and a 3-digit
// number). Generated divisions are marked Generated. A district listed without
// a polygon has its streets placed in the district hosts.csv (code,host) names.
//
// Generation is deterministic: the same profile gives the same shapes. As a
// Regions is immutable, the result is remembered by a hash of its inputs (the
// files and the district shapes), so servers started again in one process (tests,
// mostly) share it instead of generating it again.
func LoadRegions(fsys fs.FS, p *Profile) (*Regions, error) {
	csvData, err := readOptional(fsys, path.Join(p.Name, "divisions.csv"))
	if err != nil {
		return nil, err
	}
	hostData, err := readOptional(fsys, path.Join(p.Name, "hosts.csv"))
	if err != nil {
		return nil, err
	}
	key := inputsKey(p, csvData, hostData)
	loaded.Lock()
	defer loaded.Unlock()
	if r, ok := loaded.m[key]; ok {
		return r, nil
	}
	r, err := generateRegions(p, csvData, hostData)
	if err != nil {
		return nil, err
	}
	if len(loaded.m) >= 4 {
		clear(loaded.m) // a process runs one or two profiles; stay bounded
	}
	loaded.m[key] = r
	return r, nil
}

// loaded remembers generated hierarchies by inputsKey.
var loaded = struct {
	sync.Mutex
	m map[[32]byte]*Regions
}{m: map[[32]byte]*Regions{}}

func inputsKey(p *Profile, files ...[]byte) [32]byte {
	h := sha256.New()
	fmt.Fprintf(h, "%s\x00", p.Name)
	for _, f := range files {
		fmt.Fprintf(h, "%d\x00", len(f))
		h.Write(f)
	}
	var buf [8]byte
	put := func(pt orb.Point) {
		for _, v := range pt {
			binary.LittleEndian.PutUint64(buf[:], math.Float64bits(v))
			h.Write(buf[:])
		}
	}
	for _, d := range p.Districts {
		fmt.Fprintf(h, "%s\x00%s\x00%d\x00", d.Code, d.Name, len(d.Polygon))
		for _, poly := range d.Polygon {
			for _, ring := range poly {
				fmt.Fprintf(h, "%d\x00", len(ring))
				for _, pt := range ring {
					put(pt)
				}
			}
		}
	}
	for _, poly := range p.Outline {
		for _, ring := range poly {
			for _, pt := range ring {
				put(pt)
			}
		}
	}
	var k [32]byte
	h.Sum(k[:0])
	return k
}

func readOptional(fsys fs.FS, file string) ([]byte, error) {
	b, err := fs.ReadFile(fsys, file)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("geo: %w", err)
	}
	return b, nil
}

func generateRegions(p *Profile, csvData, hostData []byte) (*Regions, error) {
	rows, err := readRows(csvData, "divisions.csv")
	if err != nil {
		return nil, err
	}
	hosts := map[string]string{}
	hostRows, err := readRows(hostData, "hosts.csv")
	if err != nil {
		return nil, err
	}
	for _, r := range hostRows {
		hosts[r.code] = r.name
	}
	cityCode, cityName := p.Name, p.Name
	children := map[string][]divisionRow{}
	for _, r := range rows {
		switch r.level {
		case "city":
			cityCode, cityName = r.code, r.name
		case "street", "community":
			children[r.parent] = append(children[r.parent], r)
		}
	}
	for from, to := range hosts {
		children[to] = append(children[to], children[from]...)
		delete(children, from)
	}
	for k := range children {
		sort.Slice(children[k], func(i, j int) bool { return children[k][i].code < children[k][j].code })
	}

	city, err := NewLayer(LevelCity, []Division{{Code: cityCode, Name: cityName, Shape: p.Outline, region: p.outline}})
	if err != nil {
		return nil, err
	}
	var districts []Division
	for _, d := range p.Districts {
		districts = append(districts, Division{Code: d.Code, Name: d.Name, Parent: cityCode, Shape: d.Polygon, region: d.region})
	}
	dl, err := NewLayer(LevelDistrict, districts)
	if err != nil {
		return nil, err
	}
	if len(rows) == 0 {
		return NewRegions(city, dl)
	}
	g := newCellGraph(dl)
	var streets, communities, grids []Division
	var mu sync.Mutex
	var wg sync.WaitGroup
	work := make(chan int)
	for range runtime.GOMAXPROCS(0) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sc := &scratch{mark: make([]uint32, len(g.cells))}
			for di := range work {
				s, c, gr := g.generate(sc, dl.Divisions[di].Code, g.byDistrict[di], children)
				mu.Lock()
				streets, communities, grids = append(streets, s...), append(communities, c...), append(grids, gr...)
				mu.Unlock()
			}
		}()
	}
	for di := range dl.Divisions {
		work <- di
	}
	close(work)
	wg.Wait()
	var layers [3]*Layer
	for i, ds := range [][]Division{streets, communities, grids} {
		if layers[i], err = NewLayer(LevelStreet+Level(i), ds); err != nil {
			return nil, err
		}
	}
	return NewRegions(city, dl, layers[0], layers[1], layers[2])
}

func readRows(data []byte, file string) ([]divisionRow, error) {
	if len(data) == 0 {
		return nil, nil
	}
	cr := csv.NewReader(bytes.NewReader(data))
	cr.FieldsPerRecord = -1
	cr.Comment = '#'
	var rows []divisionRow
	for line := 1; ; line++ {
		rec, err := cr.Read()
		if err == io.EOF {
			return rows, nil
		}
		if err != nil {
			return nil, fmt.Errorf("geo: %s: %w", file, err)
		}
		if line == 1 || len(rec) < 2 {
			continue // header
		}
		for len(rec) < 4 {
			rec = append(rec, "")
		}
		rows = append(rows, divisionRow{code: strings.TrimSpace(rec[0]), name: strings.TrimSpace(rec[1]), level: rec[2], parent: rec[3]})
	}
}

// cellGraph holds every indexRes cell of the districts with its centre,
// neighbours and outline, computed once so generation makes few h3 calls.
type cellGraph struct {
	cells      []Cell
	pos        map[Cell]int32
	center     []orb.Point // x scaled by cos(latitude): distances in degrees of latitude
	nbrs       [][6]int32  // -1 where the neighbour is not a district cell
	ring       []orb.Ring
	keys       [][]vkey  // ring vertices, rounded
	across     [][]int32 // per edge k of ring (k → k+1): the cell sharing it, or -1
	byDistrict [][]int32
	sign       bool // the sign of a cell's signed area: which way h3 turns
}

// scratch is one generating goroutine's marks over the graph's cells.
type scratch struct {
	mark  []uint32
	stamp uint32
}

func newCellGraph(dl *Layer) *cellGraph {
	// The district layer's index already holds every cell whose centre is in
	// a district: wholly inside ones by district, edge ones to be tested.
	owner := make(map[Cell]int32, len(dl.inside)+len(dl.edge))
	for c, di := range dl.inside {
		owner[c] = di
	}
	for c := range dl.edge {
		if d := dl.Locate(c.Center()); d != nil {
			owner[c] = dl.byCode[d.Code]
		}
	}
	g := &cellGraph{pos: make(map[Cell]int32, len(owner)), byDistrict: make([][]int32, len(dl.Divisions))}
	g.cells = make([]Cell, 0, len(owner))
	for c := range owner {
		g.cells = append(g.cells, c)
	}
	slices.Sort(g.cells)
	n := len(g.cells)
	for i, c := range g.cells {
		g.pos[c] = int32(i)
		g.byDistrict[owner[c]] = append(g.byDistrict[owner[c]], int32(i))
	}
	g.center, g.nbrs, g.ring = make([]orb.Point, n), make([][6]int32, n), make([]orb.Ring, n)
	var wg sync.WaitGroup
	procs := runtime.GOMAXPROCS(0)
	for w := range procs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < n; i += procs {
				r := g.cells[i].Boundary()
				g.ring[i] = r
				var x, y float64
				for _, p := range r[:len(r)-1] {
					x, y = x+p[0], y+p[1]
				}
				k := float64(len(r) - 1)
				g.center[i] = orb.Point{x / k * math.Cos(y/k*math.Pi/180), y / k}
			}
		}()
	}
	wg.Wait()
	// Neighbours share corners: three hexagons meet at each.
	at := make(map[vkey][]int32, 2*n)
	for i, r := range g.ring {
		for _, p := range r[:len(r)-1] {
			k := keyOf(p)
			at[k] = append(at[k], int32(i))
		}
	}
	g.keys, g.across = make([][]vkey, n), make([][]int32, n)
	for i, r := range g.ring {
		ks := make([]vkey, len(r))
		for k, p := range r {
			ks[k] = keyOf(p)
		}
		g.keys[i] = ks
		g.across[i] = make([]int32, len(r)-1)
		for k := range g.across[i] {
			g.across[i][k] = -1
			for _, j := range at[ks[k]] {
				if j != int32(i) && slices.Contains(at[ks[k+1]], j) {
					g.across[i][k] = j
				}
			}
		}
	}
	if n > 0 {
		g.sign = signedArea(g.ring[0]) > 0
	}
	for i, r := range g.ring {
		g.nbrs[i] = [6]int32{-1, -1, -1, -1, -1, -1}
		k := 0
		for _, p := range r[:len(r)-1] {
			for _, j := range at[keyOf(p)] {
				if j != int32(i) && k < 6 && !slices.Contains(g.nbrs[i][:k], j) {
					g.nbrs[i][k] = j
					k++
				}
			}
		}
	}
	return g
}

// generate makes the streets, communities and grids of one district.
func (g *cellGraph) generate(sc *scratch, district string, cells []int32, children map[string][]divisionRow) (streets, communities, grids []Division) {
	srows := children[district]
	for si, part := range g.partition(cells, len(srows)) {
		if len(part) == 0 {
			continue
		}
		s := srows[si]
		streets = append(streets, g.division(sc, s.code, s.name, district, part))
		crows := onlyLevel(children[s.code], "community")
		for ci, cpart := range g.partition(part, len(crows)) {
			if len(cpart) == 0 {
				continue
			}
			c := crows[ci]
			communities = append(communities, g.division(sc, c.code, c.name, s.code, cpart))
			for gi, gpart := range g.partition(cpart, max(1, (len(cpart)+GridCells/2)/GridCells)) {
				if len(gpart) == 0 {
					continue
				}
				code := fmt.Sprintf("%s%03d", c.code, gi+1)
				grids = append(grids, g.division(sc, code, fmt.Sprintf("%s第%d网格", c.name, gi+1), c.code, gpart))
			}
		}
	}
	return streets, communities, grids
}

func onlyLevel(rows []divisionRow, level string) []divisionRow {
	var out []divisionRow
	for _, r := range rows {
		if r.level == level {
			out = append(out, r)
		}
	}
	return out
}

func (g *cellGraph) division(sc *scratch, code, name, parent string, part []int32) Division {
	shape := g.outline(sc, part)
	return Division{Code: code, Name: name, Parent: parent, Generated: true, Shape: shape, region: NewRegion(shape), cov: g.cover(part)}
}

// partition splits cells into k contiguous clusters of similar size: k-means
// on the cell centres places k seeds, then a breadth-first flood from the
// seeds over neighbouring cells grows the clusters, so each is connected
// (cells the flood cannot reach join the nearest seed). Parts may be empty
// when there are fewer cells than parts.
func (g *cellGraph) partition(cells []int32, k int) [][]int32 {
	if k <= 0 {
		return nil
	}
	parts := make([][]int32, k)
	if k == 1 || len(cells) <= 1 {
		parts[0] = cells
		return parts
	}
	if k >= len(cells) {
		for i, c := range cells {
			parts[i] = []int32{c}
		}
		return parts
	}
	dist := func(a, b orb.Point) float64 {
		dx, dy := a[0]-b[0], a[1]-b[1]
		return dx*dx + dy*dy
	}
	// Farthest-point seeding, from the cell nearest the centroid.
	var mean orb.Point
	for _, c := range cells {
		mean[0] += g.center[c][0]
		mean[1] += g.center[c][1]
	}
	mean[0] /= float64(len(cells))
	mean[1] /= float64(len(cells))
	cent := make([]orb.Point, 0, k)
	nearest := make([]float64, len(cells))
	first, bd := 0, math.Inf(1)
	for i, c := range cells {
		if d := dist(g.center[c], mean); d < bd {
			first, bd = i, d
		}
	}
	cent = append(cent, g.center[cells[first]])
	for i, c := range cells {
		nearest[i] = dist(g.center[c], cent[0])
	}
	for len(cent) < k {
		far := 0
		for i := range cells {
			if nearest[i] > nearest[far] {
				far = i
			}
		}
		p := g.center[cells[far]]
		cent = append(cent, p)
		for i, c := range cells {
			nearest[i] = math.Min(nearest[i], dist(g.center[c], p))
		}
	}
	owner := make([]int, len(cells))
	closest := func(p orb.Point) int {
		best, bd := 0, math.Inf(1)
		for j, q := range cent {
			if d := dist(p, q); d < bd {
				best, bd = j, d
			}
		}
		return best
	}
	for range 5 {
		sum := make([]orb.Point, k)
		cnt := make([]int, k)
		for i, c := range cells {
			owner[i] = closest(g.center[c])
			sum[owner[i]][0] += g.center[c][0]
			sum[owner[i]][1] += g.center[c][1]
			cnt[owner[i]]++
		}
		for j := range cent {
			if cnt[j] > 0 {
				cent[j] = orb.Point{sum[j][0] / float64(cnt[j]), sum[j][1] / float64(cnt[j])}
			}
		}
	}
	// Flood from the cell nearest each centre.
	local := make(map[int32]int, len(cells)) // cell → index in cells
	for i, c := range cells {
		local[c] = i
	}
	label := make([]int, len(cells))
	for i := range label {
		label[i] = -1
	}
	var queue []int
	for j, p := range cent {
		best, bd := -1, math.Inf(1)
		for i, c := range cells {
			if label[i] < 0 {
				if d := dist(g.center[c], p); d < bd {
					best, bd = i, d
				}
			}
		}
		if best >= 0 {
			label[best] = j
			queue = append(queue, best)
		}
	}
	for len(queue) > 0 {
		i := queue[0]
		queue = queue[1:]
		for _, nb := range g.nbrs[cells[i]] {
			if nb < 0 {
				continue
			}
			if li, ok := local[nb]; ok && label[li] < 0 {
				label[li] = label[i]
				queue = append(queue, li)
			}
		}
	}
	for i, c := range cells {
		if label[i] < 0 {
			label[i] = closest(g.center[c])
		}
		parts[label[i]] = append(parts[label[i]], c)
	}
	return parts
}

// cover finds a generated division's index cells from the graph, so indexing
// it needs h3 only at the edge of the city's cells: a cell whose neighbours all
// belong to the division lies well inside it; the others, with their
// neighbours, are edge cells, tested exactly (h3's cells are not exactly the
// planar hexagons the shapes are drawn from).
func (g *cellGraph) cover(part []int32) *covers {
	own := make(map[int32]bool, len(part))
	for _, i := range part {
		own[i] = true
	}
	var c covers
	edge := map[Cell]bool{}
	for _, i := range part {
		whole := true
		for _, j := range g.nbrs[i] {
			if j < 0 || !own[j] {
				whole = false
				break
			}
		}
		if whole {
			c.inner = append(c.inner, g.cells[i])
			continue
		}
		edge[g.cells[i]] = true
		for _, j := range g.nbrs[i] {
			if j >= 0 {
				edge[g.cells[j]] = true
			}
		}
		if slices.Contains(g.nbrs[i][:], -1) {
			for _, nb := range g.cells[i].Disk(1) {
				edge[nb] = true
			}
		}
	}
	c.edge = make([]Cell, 0, len(edge))
	for cell := range edge {
		c.edge = append(c.edge, cell)
	}
	return &c
}

// outline is the union of part's hexagons: the edges of its cells that no
// other cell of part shares, chained into rings.
func (g *cellGraph) outline(sc *scratch, part []int32) orb.MultiPolygon {
	sc.stamp++
	for _, i := range part {
		sc.mark[i] = sc.stamp
	}
	var edges []vedge
	for _, i := range part {
		ks := g.keys[i]
		for k, j := range g.across[i] {
			if j < 0 || sc.mark[j] != sc.stamp {
				if ks[k] != ks[k+1] {
					edges = append(edges, vedge{ks[k], ks[k+1]})
				}
			}
		}
	}
	return assemble(edges, g.sign)
}
