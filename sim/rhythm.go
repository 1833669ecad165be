package sim

import "time"

// shanghai is China Standard Time. A fixed zone rather than time.LoadLocation:
// China has no daylight saving, and this way the simulator needs no tzdata on
// the host and behaves identically everywhere.
var shanghai = time.FixedZone("CST", 8*60*60)

// hourly is the share of the peak incident rate at each local hour: quiet in the
// small hours, a morning peak around 9am and an evening peak from 6 to 9pm, the
// shape of a Chinese city's hotline and police call volume.
var hourly = [24]float64{
	0.35, 0.25, 0.18, 0.15, 0.15, 0.20, // 0–5
	0.35, 0.60, 0.85, 1.00, 0.90, 0.80, // 6–11
	0.70, 0.70, 0.75, 0.75, 0.80, 0.85, // 12–17
	0.95, 1.00, 1.00, 0.90, 0.70, 0.50, // 18–23
}

// minRhythm keeps a night-time demo visibly alive.
const minRhythm = 0.15

// rhythm returns the rate multiplier for t, in [minRhythm, 1], interpolating
// between hours so the rate never jumps on the hour.
func rhythm(t time.Time) float64 {
	l := t.In(shanghai)
	h := float64(l.Hour()) + float64(l.Minute())/60 + float64(l.Second())/3600
	i := int(h)
	f := h - float64(i)
	return max(hourly[i]*(1-f)+hourly[(i+1)%24]*f, minRhythm)
}
