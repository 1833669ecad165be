// Package frontend serves the browser side of citygrid from files embedded in
// the binary, so the one binary serves everything and the page needs no other
// host.
package frontend

import (
	"embed"
	"io/fs"
	"net/http"
)

//go:embed static
var files embed.FS

// Handler serves the embedded pages.
func Handler() http.Handler {
	sub, err := fs.Sub(files, "static")
	if err != nil {
		panic(err) // the embed pattern above guarantees the directory
	}
	return http.FileServerFS(sub)
}
