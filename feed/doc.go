// Package feed decodes and validates what feed systems post: incidents and patrol
// positions, as a JSON object, a JSON array, NDJSON or a GeoJSON FeatureCollection
// of Points.
//
// A batch is judged item by item: every bad item is named with its index, its id
// and the field at fault, and never poisons the good items beside it. Only a body
// that cannot be split into items at all (malformed JSON around an array, a
// content type we do not read) fails as a whole.
package feed
