package feed

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"strings"
)

// Errors for a body that fails as a whole.
var (
	ErrContentType = errors.New("feed: unsupported content type")
	ErrTooMany     = errors.New("feed: too many items")
	ErrMalformed   = errors.New("feed: malformed body")
)

// Format is how a body is laid out.
type Format int

// The formats a body may come in.
const (
	JSON    Format = iota // one object, or an array of objects
	NDJSON                // one object per line
	GeoJSON               // a FeatureCollection of Points, fields in properties
)

// FormatOf maps a Content-Type header to a Format. An empty header is read as JSON,
// which is what curl users expect.
func FormatOf(contentType string) (Format, error) {
	if contentType == "" {
		return JSON, nil
	}
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		return 0, fmt.Errorf("%w: %q", ErrContentType, contentType)
	}
	switch mt {
	case "application/json", "text/json":
		return JSON, nil
	case "application/x-ndjson", "application/ndjson", "application/jsonl", "application/x-jsonlines":
		return NDJSON, nil
	case "application/geo+json", "application/vnd.geo+json":
		return GeoJSON, nil
	}
	return 0, fmt.Errorf("%w: %q (use application/json, application/x-ndjson or application/geo+json)", ErrContentType, mt)
}

// item is one undecoded element of a batch. err is set when the element itself
// could not be read (a feature that is not a Point); where names what the item
// is ("line" for NDJSON), to prefix errors of its JSON.
type item struct {
	raw   json.RawMessage
	err   error
	where string
}

// split cuts a body into its items. It fails only when the body as a whole is
// unreadable; errors of single items travel in item.err.
func split(r io.Reader, f Format, maxItems int) ([]item, error) {
	switch f {
	case NDJSON:
		return splitLines(r, maxItems)
	case GeoJSON:
		return splitFeatures(r, maxItems)
	}
	b, err := io.ReadAll(r)
	if err != nil {
		return nil, err
	}
	b = bytes.TrimSpace(b)
	if len(b) == 0 {
		return nil, fmt.Errorf("%w: empty body", ErrMalformed)
	}
	switch b[0] {
	case '{':
		if !json.Valid(b) {
			var v any
			return nil, fmt.Errorf("%w: %s", ErrMalformed, jsonReason(json.Unmarshal(b, &v)))
		}
		if isFeatureCollection(b) {
			return splitFeatures(bytes.NewReader(b), maxItems)
		}
		return []item{{raw: b}}, nil
	case '[':
		var raws []json.RawMessage
		if err := json.Unmarshal(b, &raws); err != nil {
			return nil, fmt.Errorf("%w: %s", ErrMalformed, jsonReason(err))
		}
		if len(raws) > maxItems {
			return nil, fmt.Errorf("%w: %d items, at most %d per request", ErrTooMany, len(raws), maxItems)
		}
		items := make([]item, len(raws))
		for i, raw := range raws {
			items[i].raw = raw
		}
		return items, nil
	}
	return nil, fmt.Errorf("%w: expected a JSON object or array", ErrMalformed)
}

func splitLines(r io.Reader, maxItems int) ([]item, error) {
	sc := bufio.NewScanner(r)
	// Start small: most requests of single events are a few hundred bytes, and
	// a 64 KiB buffer per request showed in profiles. Lines grow it to 1 MiB.
	sc.Buffer(make([]byte, 0, 4<<10), 1<<20)
	var items []item
	for sc.Scan() {
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 {
			continue
		}
		if len(items) == maxItems {
			return nil, fmt.Errorf("%w: more than %d items per request", ErrTooMany, maxItems)
		}
		// The line is parsed once, when decoded: a malformed one fails there.
		items = append(items, item{raw: append(json.RawMessage(nil), line...), where: "line"})
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return nil, fmt.Errorf("%w: a line is longer than 1 MiB", ErrMalformed)
		}
		return nil, err
	}
	if len(items) == 0 {
		return nil, fmt.Errorf("%w: empty body", ErrMalformed)
	}
	return items, nil
}

type featureCollection struct {
	Type     string            `json:"type"`
	Features []json.RawMessage `json:"features"`
}

type feature struct {
	Type       string          `json:"type"`
	Geometry   *pointGeometry  `json:"geometry"`
	Properties json.RawMessage `json:"properties"`
}

type pointGeometry struct {
	Type        string    `json:"type"`
	Coordinates []float64 `json:"coordinates"`
}

func isFeatureCollection(b []byte) bool {
	var probe struct {
		Type string `json:"type"`
	}
	return json.Unmarshal(b, &probe) == nil && probe.Type == "FeatureCollection"
}

// splitFeatures turns each Point feature into an item whose fields are its
// properties plus lat and lng from the geometry (the geometry wins).
func splitFeatures(r io.Reader, maxItems int) ([]item, error) {
	var fc featureCollection
	if err := json.NewDecoder(r).Decode(&fc); err != nil {
		return nil, fmt.Errorf("%w: %s", ErrMalformed, jsonReason(err))
	}
	if fc.Type != "FeatureCollection" {
		return nil, fmt.Errorf("%w: type: must be FeatureCollection", ErrMalformed)
	}
	if len(fc.Features) > maxItems {
		return nil, fmt.Errorf("%w: %d features, at most %d per request", ErrTooMany, len(fc.Features), maxItems)
	}
	items := make([]item, len(fc.Features))
	for i, raw := range fc.Features {
		items[i] = featureItem(raw)
	}
	return items, nil
}

func featureItem(raw json.RawMessage) item {
	var f feature
	if err := json.Unmarshal(raw, &f); err != nil {
		return item{err: fmt.Errorf("feature: %s", jsonReason(err))}
	}
	if f.Geometry == nil || f.Geometry.Type != "Point" {
		return item{err: errors.New("geometry: must be a Point")}
	}
	if len(f.Geometry.Coordinates) < 2 {
		return item{err: errors.New("geometry: a Point needs [lng, lat]")}
	}
	props := map[string]json.RawMessage{}
	if len(f.Properties) > 0 && string(f.Properties) != "null" {
		if err := json.Unmarshal(f.Properties, &props); err != nil {
			return item{err: fmt.Errorf("properties: %s", jsonReason(err))}
		}
	}
	props["lng"], _ = json.Marshal(f.Geometry.Coordinates[0])
	props["lat"], _ = json.Marshal(f.Geometry.Coordinates[1])
	b, err := json.Marshal(props)
	if err != nil {
		return item{err: fmt.Errorf("properties: %v", err)}
	}
	return item{raw: b}
}

// jsonReason words a JSON error for a feed author: what was wrong and where.
func jsonReason(err error) string {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		return fmt.Sprintf("invalid JSON at byte %d: %v", syn.Offset, syn)
	case errors.As(err, &typ):
		if typ.Field != "" {
			return fmt.Sprintf("%s: must be a %s", typ.Field, wantType(typ.Type.String()))
		}
		return fmt.Sprintf("must be a JSON object, not %s", typ.Value)
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		return "invalid JSON: unexpected end of input"
	}
	return "invalid JSON: " + err.Error()
}

func wantType(goType string) string {
	switch strings.TrimPrefix(goType, "*") {
	case "int", "int64", "float64":
		return "number"
	case "string":
		return "string"
	}
	return "JSON value of another type"
}
