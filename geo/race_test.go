//go:build race

package geo_test

// raceEnabled scales the heaviest tests down under the race detector, which
// makes every h3 (cgo) call several times slower; the full runs happen
// without it.
const raceEnabled = true
