package sim

import (
	"encoding/json"
	"testing"

	"github.com/citygrid/citygrid/profiles"
)

// Every category the simulator posts is one the console offers (the
// profile's categories.json): a category it did not list could be counted
// but never picked.
func TestSimulatedCategoriesAreTheProfiles(t *testing.T) {
	b, err := profiles.FS.ReadFile(profiles.Default + "/categories.json")
	if err != nil {
		t.Fatal(err)
	}
	var p struct {
		Categories []struct{ Code string } `json:"categories"`
	}
	if err := json.Unmarshal(b, &p); err != nil {
		t.Fatal(err)
	}
	listed := map[string]bool{}
	for _, c := range p.Categories {
		listed[c.Code] = true
	}
	for src, cats := range categoriesBySource {
		for _, c := range cats {
			if !listed[c.v] {
				t.Errorf("source %s posts category %q, which categories.json does not list", src, c.v)
			}
		}
	}
}
