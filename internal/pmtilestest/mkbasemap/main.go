// Command mkbasemap writes the test base map of Suzhou (pmtilestest.Suzhou)
// to the file named by its argument, for the browser test's -basemap.
package main

import (
	"log"
	"os"

	"github.com/citygrid/citygrid/internal/pmtilestest"
)

func main() {
	if len(os.Args) != 2 {
		log.Fatal("usage: mkbasemap FILE.pmtiles")
	}
	f, err := os.Create(os.Args[1])
	if err != nil {
		log.Fatal(err)
	}
	if err := pmtilestest.Write(f, pmtilestest.Suzhou()); err != nil {
		log.Fatal(err)
	}
	if err := f.Close(); err != nil {
		log.Fatal(err)
	}
}
