// Package sim simulates a city's incident feeds and patrol fleet and posts them
// to a citygrid server over its public HTTP API, exactly as a real feed would.
//
// It serves two purposes with one code path: a believable demo (hot spots that
// drift, a day/night rhythm, units that patrol and get dispatched) and a load
// generator (the same generator paced at thousands of incidents per second,
// batched into NDJSON posts over a few connections). Because the simulator only
// speaks the wire format, it exercises the server the way production feeds do.
//
// Nothing is put on the water: every point is drawn from the profile's open
// ground, inside its outline and outside its mask (geo.MaskArea: lakes,
// rivers, no-go land).
//
// While Run is active, the units also obey the server's dispatches, read from
// its API once a second: a unit on one reports "dispatched", drives to the
// scene at its rush speed (round any lake in the way; see atlas.route),
// reports "busy" there for a while and then "available", which lets the
// server clear it. A server without dispatches
// (an older one, or a key that may not read them) just sees units patrol.
//
// NextIncidents and NextPositions are pure generators, deterministic for a seed
// and clock, so tests and benchmarks can use the data without any HTTP.
package sim
