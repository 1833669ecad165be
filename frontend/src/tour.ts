// The kiosk tour (/?view=wall&kiosk=1): the wall flies from the whole city to
// each district in turn and rests on each for the tour's seconds.
//
// A flight redraws the whole map every frame, which software WebGL (a wall
// PC without a GPU) pays for by the pixel: at 1920×1080 the flights ran at
// 2–4 frames a second. So a flight is short (FLIGHT_MS), the heat and the
// other deck.gl layers are not rebuilt while it lasts (the renderer holds
// them and applies what came in on landing), and with software WebGL the
// map is drawn at half resolution until it lands: a quarter of the pixels,
// about twice the frames, and the blur only shows while everything moves.

import type { IndexLayer } from './protocol';
import { BAND_LABELS, formatIndex } from './safety';
import type * as maplibregl from 'maplibre-gl';
import type { BBox } from './districts';

/** How long a flight takes (it was 3 s: a third less of the slowest frames). */
export const FLIGHT_MS = 2000;

/** The map's resolution during a flight with software WebGL, as a share of the screen's. */
export const FLIGHT_RESOLUTION = 0.5;

/** The flag the tour's own flights carry on their map events (movestart, moveend). */
export const TOUR_EVENT = 'tour';

export interface TourOptions {
  map: maplibregl.Map;
  /** The places to visit, in order; the first is where the tour starts. */
  stops: BBox[];
  /** Seconds between two flights. */
  seconds: number;
  /** Called with true as a flight starts and false as it lands. */
  onFlight: (flying: boolean) => void;
  /** Called with the stop's index as the tour lands on it. */
  onStop?: (stop: number) => void;
}

/**
 * tourCaption says which place the tour shows and its figures, for the room:
 * stop 0 is the whole city, stop i the district listed i-th. figures are the
 * server's region figures (the regions layer); total the city's count.
 */
export function tourCaption(
  stop: number,
  city: string,
  districts: { id: string; name: string }[],
  figures: { code: string; incidents: number; unitsOnDuty: number }[] | null,
  total: number | undefined,
  window: string,
): string {
  if (stop <= 0 || stop > districts.length) return `全市 ${city} · ${window} 事件 ${total ?? '–'}`;
  const d = districts[stop - 1];
  const f = figures?.find((r) => r.code === d.id);
  return `${d.name} · ${window} 事件 ${f ? f.incidents : '–'} · 在岗 ${f ? f.unitsOnDuty : '–'}`;
}

/**
 * indexCaption: the tour's caption in the index mode: the place's safety
 * index and band (the city's at stop 0), from the index layer.
 */
export function indexCaption(stop: number, city: string, districts: { id: string; name: string }[], index: IndexLayer | null): string {
  const row = stop <= 0 || stop > districts.length ? index?.city : index?.districts.find((r) => r.code === districts[stop - 1].id);
  const name = stop <= 0 || stop > districts.length ? `全市 ${city}` : districts[stop - 1].name;
  if (!row) return `${name} · 平安指数 –`;
  return `${name} · 平安指数 ${formatIndex(row.index)} ${BAND_LABELS[row.band as keyof typeof BAND_LABELS]?.split(' ')[0] ?? row.band}`;
}

/** softwareRenderer: whether a WebGL renderer string names a CPU rasterizer. */
export function softwareRenderer(renderer: string): boolean {
  return /swiftshader|llvmpipe|softpipe|software/i.test(renderer);
}

/** glRenderer names the renderer of the map's own WebGL context ('' when unknown). */
function glRenderer(canvas: HTMLCanvasElement): string {
  // The canvas already has the map's context: asking for the same kind returns it.
  const gl = (canvas.getContext('webgl2') ?? canvas.getContext('webgl')) as WebGLRenderingContext | null;
  if (!gl) return '';
  const info = gl.getExtension('WEBGL_debug_renderer_info');
  return String(gl.getParameter(info ? info.UNMASKED_RENDERER_WEBGL : gl.RENDERER) ?? '');
}

/** startTour flies the map to the next stop every o.seconds; the returned function stops it. */
export function startTour(o: TourOptions): () => void {
  const { map } = o;
  const software = softwareRenderer(glRenderer(map.getCanvas()));
  let i = 0;
  const fly = () => {
    i = (i + 1) % o.stops.length;
    o.onFlight(true);
    // Before the flight starts: a resize while the map stands still stops
    // any animation (and says so with a movestart and moveend of its own).
    if (software) map.setPixelRatio(FLIGHT_RESOLUTION * window.devicePixelRatio);
    const stop = i;
    map.once('moveend', () => {
      if (software) map.setPixelRatio(window.devicePixelRatio);
      o.onFlight(false);
      o.onStop?.(stop);
    });
    map.fitBounds(o.stops[i] as maplibregl.LngLatBoundsLike, { padding: 60, duration: FLIGHT_MS, pitch: map.getPitch() }, { [TOUR_EVENT]: true });
  };
  const timer = setInterval(fly, o.seconds * 1000);
  return () => clearInterval(timer);
}
