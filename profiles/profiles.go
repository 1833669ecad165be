// Package profiles embeds the city profiles that ship with citygrid, so the one
// binary runs a city with no files beside it. Each profile is a directory; see
// geo.LoadProfile for what it holds and ATTRIBUTION.md in each for its sources.
package profiles

import "embed"

// FS holds one directory per profile, named after it (for example "suzhou").
//
//go:embed suzhou/*.geojson suzhou/*.csv suzhou/profile.json suzhou/rules.json suzhou/heat.json suzhou/categories.json suzhou/cases.json suzhou/safety.json suzhou/calendar.json suzhou/calendar/*.json
var FS embed.FS

// Default is the profile citygrid runs when none is named.
const Default = "suzhou"
