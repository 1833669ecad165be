// Package apidoc reads docs/openapi.yaml for tests, so they can hold the
// server to what it documents: its operations, the roles each needs, and the
// statuses each answers with.
package apidoc

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/pb33f/libopenapi"
	validator "github.com/pb33f/libopenapi-validator"
)

// An Operation is one method on one path of the document.
type Operation struct {
	Method   string   // upper case, GET
	Path     string   // as the document writes it: /api/v1/alerts/{id}/ack
	Roles    []string // x-citygrid-roles; none: anyone
	Audit    string   // x-citygrid-audit
	Statuses []int    // the documented response codes

	match *regexp.Regexp
}

// A Doc is the parsed document.
type Doc struct {
	Operations []Operation
	validator  validator.Validator
}

// Load reads and checks docs/openapi.yaml (see Read), failing the test if it
// does not hold.
func Load(t testing.TB) *Doc {
	t.Helper()
	d, err := Read()
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// Read reads and checks docs/openapi.yaml: it must be a valid OpenAPI 3.1
// document (against the specification's schema) that libopenapi builds a
// model of, every $ref resolved.
func Read() (*Doc, error) {
	_, here, _, _ := runtime.Caller(0)
	path := filepath.Join(filepath.Dir(here), "..", "..", "docs", "openapi.yaml")
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	doc, err := libopenapi.NewDocument(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if v := doc.GetVersion(); !strings.HasPrefix(v, "3.1") {
		return nil, fmt.Errorf("%s: OpenAPI %s, want 3.1", path, v)
	}
	model, err := doc.BuildV3Model()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if errs := model.Index.GetReferenceIndexErrors(); len(errs) > 0 {
		return nil, fmt.Errorf("%s: references: %v", path, errs)
	}
	v, errs := validator.NewValidator(doc)
	if len(errs) > 0 {
		return nil, fmt.Errorf("%s: %v", path, errs)
	}
	if ok, verrs := v.ValidateDocument(); !ok {
		var msgs []string
		for _, e := range verrs {
			msgs = append(msgs, e.Message+": "+e.Reason)
			for _, f := range e.SchemaValidationErrors {
				msgs = append(msgs, f.KeywordLocation+": "+f.Reason)
			}
		}
		return nil, fmt.Errorf("%s: %s", path, strings.Join(msgs, "; "))
	}
	d := &Doc{validator: v}
	for p, item := range model.Model.Paths.PathItems.FromOldest() {
		for method, op := range item.GetOperations().FromOldest() {
			o := Operation{Method: strings.ToUpper(method), Path: p, match: template(p)}
			if n, ok := op.Extensions.Get("x-citygrid-roles"); ok {
				if err := n.Decode(&o.Roles); err != nil {
					return nil, fmt.Errorf("%s %s: x-citygrid-roles: %w", o.Method, p, err)
				}
			}
			if n, ok := op.Extensions.Get("x-citygrid-audit"); ok {
				o.Audit = n.Value
			}
			if op.Responses != nil {
				for code := range op.Responses.Codes.FromOldest() {
					n, err := strconv.Atoi(code)
					if err != nil {
						return nil, fmt.Errorf("%s %s: response %q is not a status code", o.Method, p, code)
					}
					o.Statuses = append(o.Statuses, n)
				}
			}
			d.Operations = append(d.Operations, o)
		}
	}
	return d, nil
}

// template turns a documented path into a pattern of the URL paths it names.
func template(p string) *regexp.Regexp {
	quoted := regexp.QuoteMeta(p)
	return regexp.MustCompile("^" + regexp.MustCompile(`\\\{[^}]+\\\}`).ReplaceAllString(quoted, `[^/]+`) + "$")
}

// Find returns the operation a request (method, URL path) is one of.
func (d *Doc) Find(method, urlPath string) (Operation, bool) {
	for _, o := range d.Operations {
		if o.Method == method && o.match.MatchString(urlPath) {
			return o, true
		}
	}
	return Operation{}, false
}

// Check holds a response to the document: the operation must be documented,
// its status documented for it, and its body must match the documented
// schema of that status.
func (d *Doc) Check(req *http.Request, resp *http.Response, body []byte) error {
	op, ok := d.Find(req.Method, req.URL.Path)
	if !ok {
		return fmt.Errorf("%s %s: not documented", req.Method, req.URL.Path)
	}
	if !op.Documents(resp.StatusCode) {
		return fmt.Errorf("%s %s: status %d not documented (%v)", req.Method, req.URL.Path, resp.StatusCode, op.Statuses)
	}
	if resp.StatusCode == http.StatusSwitchingProtocols || resp.StatusCode == http.StatusNotModified {
		return nil
	}
	copied := *resp
	copied.Body = io.NopCloser(bytes.NewReader(body))
	if ok, errs := d.validator.ValidateHttpResponse(req, &copied); !ok {
		var msgs []string
		for _, e := range errs {
			m := e.Message + ": " + e.Reason
			for _, f := range e.SchemaValidationErrors {
				m += "; " + f.FieldPath + ": " + f.Reason
			}
			msgs = append(msgs, m)
		}
		return fmt.Errorf("%s %s: %d %s: %s", req.Method, req.URL.Path, resp.StatusCode, body, strings.Join(msgs, " | "))
	}
	return nil
}

// Documents reports whether the operation documents the status.
func (o Operation) Documents(status int) bool { return slices.Contains(o.Statuses, status) }

// GinPath writes the documented path in gin's syntax: {id} becomes :id.
func (o Operation) GinPath() string {
	return regexp.MustCompile(`\{([^}]+)\}`).ReplaceAllString(o.Path, `:$1`)
}
