// The heat colour scale: a few classes with fixed lower bounds per resolution
// and window (the profile's heat.json), in a perceptually ordered ramp that
// reads on a dark wall (bright = hot). The bounds do not follow the current
// maximum: a legend whose pale colour meant 2+, then 3+, 5+ and 16+ within
// minutes (and one incident drawn hottest at start) told the room nothing.
// The ramp keeps clear of the units' status colours (yellow = dispatched,
// red = busy, blue = available). The legend prints the bounds the layer uses.

export type RGBA = [number, number, number, number];

/** From cool to hot, lightness rising throughout: violet, purple, magenta, orchid, near white (no red, no yellow). */
export const RAMP: readonly RGBA[] = [
  [88, 60, 170, 200],
  [140, 62, 190, 215],
  [200, 70, 190, 230],
  [240, 130, 220, 240],
  [255, 220, 250, 250],
];

/** Class breaks by resolution, then window: five rising lower bounds from 1. */
export type Breaks = Record<string, Record<string, number[]>>;

/** DEFAULT_BREAKS serve a profile without heat.json (Suzhou's, at the simulator's default rate). */
export const DEFAULT_BREAKS: Breaks = {
  '7': { '15m': [1, 3, 10, 40, 120], '1h': [1, 10, 40, 150, 500], '24h': [1, 100, 400, 1500, 5000] },
  '8': { '15m': [1, 2, 4, 10, 25], '1h': [1, 3, 10, 30, 100], '24h': [1, 20, 80, 300, 1000] },
  '9': { '15m': [1, 2, 3, 5, 8], '1h': [1, 2, 4, 8, 20], '24h': [1, 5, 20, 60, 200] },
};

/**
 * fixedScale is the scale of a resolution and window: its breaks, whatever the
 * counts now (the maximum only names the top class's reach in the legend).
 */
export function fixedScale(breaks: Breaks, res: number, window: string): Scale {
  const b = breaks[String(res)]?.[window] ?? DEFAULT_BREAKS[String(res)]?.[window] ?? [1, 2, 5, 10, 20];
  const bounds = b.filter((v, i) => v >= 1 && (i === 0 || v > b[i - 1]));
  if (bounds[0] !== 1) bounds.unshift(1);
  bounds.length = Math.min(bounds.length, RAMP.length);
  return { bounds, colors: bounds.map((_, i) => RAMP[i]), max: bounds[bounds.length - 1] };
}

export interface Scale {
  /** Lower bound of each class, ascending; bounds[0] is 1. */
  bounds: number[];
  colors: RGBA[];
  max: number;
}

export function colorOf(scale: Scale, count: number): RGBA {
  const b = scale.bounds;
  let i = b.length - 1;
  while (i > 0 && count < b[i]) i--;
  return scale.colors[i];
}

/** legendLabels gives each class's range as text: "1–4", "5–9", "10+". */
export function legendLabels(scale: Scale): string[] {
  const b = scale.bounds;
  return b.map((lo, i) => {
    if (i === b.length - 1) return `${lo}+`;
    const hi = b[i + 1] - 1;
    return hi === lo ? `${lo}` : `${lo}–${hi}`;
  });
}
