package safety

// Snapshot takes what a recomputation reads, as a tick does on the loop
// (for the benchmark of the loop's share).
func Snapshot(f *Fold) { f.snapshot(nil) }
