// Place names for hexagons: screens name a place by its street and community
// (GET /api/v1/places), never by its H3 index. Names are asked in batches and
// kept: a hexagon's regions change only when a level is uploaded again.

import { getPlaces } from './api';

/** Names asked for but not answered yet wait at most this long to be asked together. */
const BATCH_MS = 50;

export class Places {
  private names = new Map<string, string>();
  private wanted = new Set<string>();
  private timer: ReturnType<typeof setTimeout> | undefined;
  private listeners: (() => void)[] = [];

  /** listen calls fn when names arrive, so what shows them redraws. */
  listen(fn: () => void): void {
    this.listeners.push(fn);
  }

  /** name is the place of a hexagon, or undefined until it is known (then asked for). */
  name(cell: string): string | undefined {
    const n = this.names.get(cell);
    if (n === undefined && !this.wanted.has(cell)) {
      this.wanted.add(cell);
      this.timer ??= setTimeout(() => void this.ask(), BATCH_MS);
    }
    return n;
  }

  private async ask(): Promise<void> {
    this.timer = undefined;
    const cells = [...this.wanted].slice(0, 200);
    try {
      const r = await getPlaces(cells);
      for (const p of r.places) this.names.set(p.cell, p.name || '—');
      for (const fn of this.listeners) fn();
    } catch {
      // Asked again when next shown.
    } finally {
      for (const c of cells) this.wanted.delete(c);
    }
  }
}

/** places is the page's one cache of place names. */
export const places = new Places();

/** placeOrCell is a hexagon's place name once known, else nothing (never its id). */
export function placeOf(cell: string | undefined): string {
  return cell ? (places.name(cell) ?? '') : '';
}
