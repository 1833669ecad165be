package heat

// A Filter narrows heat to some incidents. The zero Filter keeps all.
type Filter struct {
	Category    string // empty keeps every category
	MinSeverity int    // 0 or 1 keeps every severity
}

func (f Filter) keeps(cat string, sev int) bool {
	return (f.Category == "" || f.Category == cat) && sev >= f.MinSeverity
}

// IsZero reports whether the filter keeps everything.
func (f Filter) IsZero() bool { return f.Category == "" && f.MinSeverity <= 1 }

func (f Filter) normal() Filter {
	if f.MinSeverity <= 1 {
		f.MinSeverity = 0
	}
	return f
}

// A ViewKey names one heat layer: a resolution, a window (geo.Windows) and a
// filter.
type ViewKey struct {
	Res    int
	Window string
	Filter Filter
}

// Normal returns the key with equivalent filters written one way, so equal
// views get equal keys.
func (k ViewKey) Normal() ViewKey {
	k.Filter = k.Filter.normal()
	return k
}
