// The heat colour scale: a few classes with round lower bounds, in a
// perceptually ordered, colour-blind-safe ramp (magma-like, bright = hot) that
// reads on a dark wall. The legend prints the same bounds the layer uses.

export type RGBA = [number, number, number, number];

/** From cool to hot, lightness rising throughout (magma-like, lifted at the low end to read on the dark map). */
export const RAMP: readonly RGBA[] = [
  [110, 50, 180, 210],
  [170, 55, 150, 220],
  [228, 78, 104, 230],
  [254, 159, 109, 240],
  [252, 253, 191, 250],
];

export interface Scale {
  /** Lower bound of each class, ascending; bounds[0] is 1. */
  bounds: number[];
  colors: RGBA[];
  max: number;
}

/** niceCeil rounds up to 1, 2 or 5 × a power of ten. */
export function niceCeil(x: number): number {
  if (x <= 1) return 1;
  const p = Math.pow(10, Math.floor(Math.log10(x)));
  for (const m of [1, 2, 5, 10]) if (m * p >= x) return m * p;
  return 10 * p;
}

/**
 * makeScale splits 1..max into up to RAMP.length classes with round bounds
 * (whole numbers up to 10, then multiples of 1, 2 or 5 × a power of ten).
 * Small maxima give fewer classes rather than repeated bounds.
 */
export function makeScale(max: number): Scale {
  const m = Math.max(1, Math.floor(max));
  const n = RAMP.length;
  const bounds = [1];
  for (let i = 1; i < n; i++) {
    const raw = (m * i) / n;
    const v = raw <= 10 ? Math.round(raw) : roundNice(raw);
    if (v > bounds[bounds.length - 1] && v <= m) bounds.push(v);
  }
  const offset = n - bounds.length;
  return { bounds, colors: bounds.map((_, i) => RAMP[i + offset]), max: m };
}

/** roundNice rounds x to a multiple of niceCeil(x / 10). */
function roundNice(x: number): number {
  const step = niceCeil(x / 10);
  return Math.round(x / step) * step;
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
