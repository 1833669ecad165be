// Package geo holds citygrid's domain: incidents and patrol positions, H3 cells,
// and the city profile (its outline and districts).
//
// Every conversion between lon/lat and H3 happens here, so the day h3-go changes
// its API (v4.1.0's LatLngToCell returns a Cell; newer v4 releases return an error
// too) is a one-package change. orb's Point is [lon, lat]; h3's LatLng is
// {Lat, Lng}: LatLng is the one place that swaps them.
package geo
