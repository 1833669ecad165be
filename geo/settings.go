package geo

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"strings"
)

// readSettings reads the profile's optional profile.json, what its people
// read: {"lang": "zh-CN", "roads": ["人民路", …], "basemap": "https://tiles.city/{z}/{x}/{y}.mvt"}.
// Without it a profile says no language, names no roads and has no base map
// of its own.
func readSettings(fsys fs.FS, name string, p *Profile) error {
	file := path.Join(name, "profile.json")
	b, err := fs.ReadFile(fsys, file)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("geo: profile: %w", err)
	}
	var s struct {
		Lang    string   `json:"lang"`
		Roads   []string `json:"roads"`
		Basemap string   `json:"basemap"`
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&s); err != nil {
		return fmt.Errorf("geo: profile %s: %w", file, err)
	}
	for _, r := range s.Roads {
		if strings.TrimSpace(r) == "" {
			return fmt.Errorf("geo: profile %s: roads: an empty name", file)
		}
	}
	if s.Basemap != "" && !(strings.HasPrefix(s.Basemap, "https://") || strings.HasPrefix(s.Basemap, "http://") || strings.HasPrefix(s.Basemap, "/")) ||
		s.Basemap != "" && !strings.Contains(s.Basemap, "{z}") {
		return fmt.Errorf("geo: profile %s: basemap: a vector tile URL with {z}/{x}/{y}", file)
	}
	p.Lang, p.Roads, p.Basemap = s.Lang, s.Roads, s.Basemap
	return nil
}

// Language is the base of the profile's language tag, lower case: "zh" for
// "zh-CN"; empty when the profile does not say.
func (p *Profile) Language() string {
	base, _, _ := strings.Cut(p.Lang, "-")
	return strings.ToLower(base)
}
