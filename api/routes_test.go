package api

import (
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/citygrid/citygrid/internal/apidoc"
)

// The route table, docs/openapi.yaml and docs/API.md's access table say the
// same: every route is documented and every documented operation is a route,
// with the same least roles and audit action, and the statuses that the
// guard answers with are documented for every route it guards.
func TestRoutesAreDocumented(t *testing.T) {
	doc := apidoc.Load(t)
	routes := New(Config{}).Routes()
	seen := map[string]bool{}
	for _, rt := range routes {
		key := rt.Method + " " + rt.Path
		seen[key] = true
		var op *apidoc.Operation
		for i := range doc.Operations {
			if o := &doc.Operations[i]; o.Method == rt.Method && o.GinPath() == rt.Path {
				op = o
			}
		}
		if op == nil {
			t.Errorf("%s: not in docs/openapi.yaml", key)
			continue
		}
		var roles []string
		for _, r := range rt.Roles {
			roles = append(roles, string(r))
		}
		if !slices.Equal(roles, op.Roles) {
			t.Errorf("%s: roles %v, documented %v", key, roles, op.Roles)
		}
		if rt.Audit != op.Audit {
			t.Errorf("%s: audits %q, documented %q", key, rt.Audit, op.Audit)
		}
		// A bad or revoked key is refused on every route; a guarded route
		// refuses the wrong role and the over-eager.
		want := []int{http.StatusUnauthorized}
		if len(rt.Roles) > 0 {
			want = append(want, http.StatusForbidden, http.StatusTooManyRequests)
		}
		for _, s := range want {
			if !op.Documents(s) {
				t.Errorf("%s: status %d not documented (has %v)", key, s, op.Statuses)
			}
		}
	}
	for _, o := range doc.Operations {
		if !seen[o.Method+" "+o.GinPath()] {
			t.Errorf("docs/openapi.yaml documents %s %s, which is not a route", o.Method, o.Path)
		}
	}
}

// docs/API.md's access table names every guarded route with its least roles.
func TestAccessTableIsDocumented(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "docs", "API.md"))
	if err != nil {
		t.Fatal(err)
	}
	md := string(b)
	table := md[strings.Index(md, "| route | least role |"):]
	table = table[:strings.Index(table, "\n\n")]
	for _, rt := range New(Config{}).Routes() {
		if len(rt.Roles) == 0 {
			continue
		}
		path := regexp.MustCompile(`:(\w+)`).ReplaceAllString(rt.Path, "{$1}")
		var line string
		for l := range strings.SplitSeq(table, "\n") {
			if strings.Contains(l, "`"+rt.Method+" "+path+"`") {
				line = l
			}
		}
		if line == "" {
			t.Errorf("%s %s: not in docs/API.md's access table", rt.Method, path)
			continue
		}
		cells := strings.Split(line, "|")
		least := cells[len(cells)-2]
		for _, r := range rt.Roles {
			if !strings.Contains(least, "`"+string(r)+"`") {
				t.Errorf("%s %s: the access table says %q, the route %v", rt.Method, path, strings.TrimSpace(least), rt.Roles)
			}
		}
	}
}
