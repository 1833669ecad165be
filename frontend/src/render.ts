// The render loop: frames only mark the store changed; one requestAnimationFrame
// applies what changed to deck.gl and the HUD, at most once a frame, and a
// large heatmap at most every heatRefreshMs.

import type { Layer as DeckLayer } from '@deck.gl/core';
import type { Config } from './config';
import type { Districts } from './districts';
import type { Hud } from './hud';
import { buildLayers, casePoints, dispatchLines, hotSubset, trackPaths } from './layers';
import type { MapParts } from './map';
import { WINDOWS, type Alert, type CaseMarker, type CasesLayer, type CellCount, type IndexLayer } from './protocol';
import { places } from './places';
import { DEFAULT_BREAKS, fixedScale, type Breaks } from './scale';
import {
  activeDispatches,
  alertsNewestFirst,
  cellList,
  heatRefreshMs,
  hotThreshold,
  topCells,
  unitCounts,
  unitList,
  type Store,
} from './store';

/** markOnce records a boot milestone once (read by the browser test: time to first heat). */
export function markOnce(name: string): void {
  if (performance.getEntriesByName(name, 'mark').length === 0) performance.mark(name);
}

export interface RendererOptions {
  store: Store;
  hud: Hud;
  districts: Districts;
  /** The page's configuration as it is now (the console changes it). */
  config: () => Config;
  /** The alerts changed: here they are, newest first. */
  onAlerts?: (sorted: Alert[], now: number) => void;
  /** The dispatches, or the units they follow, changed. */
  onDispatches: (now: number) => void;
  /** The cases layer changed (null: not subscribed, or not seen yet). */
  onCases?: (l: CasesLayer | null, now: number) => void;
  /** The profile's heat class breaks (heat.json); the defaults when missing. */
  breaks?: Breaks;
  /** A row of the hottest list was clicked (the console picks the hexagon). */
  onPickCell?: (cell: string) => void;
  /** The safety index layer changed (null: not seen yet). */
  onIndex?: (l: IndexLayer | null) => void;
}

export class Renderer {
  /** The picked cell, outlined on the map; '' for none. */
  selected = '';
  /** The alerts, newest first, as last drawn. */
  alerts: Alert[] = [];
  /** The layers last handed to deck.gl (read by the browser test). */
  drawn: DeckLayer[] = [];

  private parts: MapParts | null = null;
  private cells: CellCount[] = [];
  private hot: CellCount[] = [];
  private scale = fixedScale(DEFAULT_BREAKS, 8, '1h');
  private heatVersion = -1;
  private unitsVersion = -1;
  private alertsVersion = -1;
  private dispatchesVersion = -1;
  private casesVersion = -1;
  private regionsVersion = -1;
  private safetyVersion = -1;
  private namesChanged = false;

  private cases: CaseMarker[] = [];
  private layersDirty = true;
  private lastHeatBuild = 0;
  private heatTimer: ReturnType<typeof setTimeout> | undefined;
  private scheduled = false;
  private held = false;
  private readonly dotScale: number;

  constructor(private readonly o: RendererOptions) {
    // Place names of hexagons arrive in batches: the lists show them then.
    places.listen(() => {
      this.namesChanged = true;
      this.schedule();
    });
    this.dotScale = o.config().view === 'wall' ? Math.max(1, window.innerHeight / 1080) : 1;
  }

  /** attach gives the renderer the map to draw on, once it has loaded. */
  attach(parts: MapParts): void {
    this.parts = parts;
    this.redraw();
  }

  /** schedule asks for a render at the next animation frame. */
  schedule = (): void => {
    if (this.scheduled) return;
    this.scheduled = true;
    requestAnimationFrame(() => this.render());
  };

  /** redraw rebuilds the layers at the next frame; with heat, the heat too. */
  redraw(heat = false): void {
    this.layersDirty = true;
    if (heat) this.heatVersion = -1;
    this.schedule();
  }

  /**
   * hold keeps the heat and the map's layers as they are (the HUD's counters
   * go on) until hold(false), which draws what changed meanwhile. The kiosk
   * tour holds them during a flight: rebuilding thousands of hexagons then
   * takes frames from the flight.
   */
  hold(on: boolean): void {
    this.held = on;
    if (!on) this.schedule();
  }

  /** select outlines a cell ('' for none). */
  select(cell: string): void {
    this.selected = cell;
    this.redraw();
  }

  private render(): void {
    this.scheduled = false;
    const { store, hud, districts } = this.o;
    const cfg = this.o.config();
    const now = Date.now();
    const heatChanged = !this.held && this.takeHeat(now);
    let opsChanged = false;
    if (store.unitsVersion !== this.unitsVersion) {
      this.unitsVersion = store.unitsVersion;
      this.layersDirty = true;
      opsChanged = store.dispatches.length > 0;
      hud.setUnits(unitCounts(store));
    }
    if (store.alertsVersion !== this.alertsVersion) {
      this.alertsVersion = store.alertsVersion;
      this.alerts = alertsNewestFirst(store.alerts);
      this.layersDirty = true;
      hud.setAlerts(store.alertCounts);
      this.o.onAlerts?.(this.alerts, now);
    }
    if (store.dispatchesVersion !== this.dispatchesVersion) {
      this.dispatchesVersion = store.dispatchesVersion;
      this.layersDirty = true;
      opsChanged = true;
    }
    if (opsChanged) this.o.onDispatches(now);
    if (store.casesVersion !== this.casesVersion) {
      this.casesVersion = store.casesVersion;
      this.cases = casePoints(store.cases);
      this.layersDirty = true;
      this.o.onCases?.(store.cases, now);
    }
    if (store.safetyVersion !== this.safetyVersion) {
      this.safetyVersion = store.safetyVersion;
      this.o.onIndex?.(store.safety);
    }
    if (store.regionsVersion !== this.regionsVersion) {
      this.regionsVersion = store.regionsVersion;
      hud.setDistricts(store.districtFigures, cfg);
    }
    if (this.layersDirty && this.parts && !this.held) {
      this.layersDirty = false;
      const lines = dispatchLines(activeDispatches(store), store.units);
      // The index mode colours the regions by band: no heat over them.
      const heat = cfg.mode !== 'index';
      this.drawn = buildLayers({
        cells: heat ? this.cells : [],
        hot: heat ? this.hot : [],
        units: unitList(store),
        scale: this.scale,
        heatVersion: this.heatVersion,
        extrude: cfg.extrude,
        selected: this.selected,
        wall: cfg.view === 'wall',
        dotScale: this.dotScale,
        alerts: this.alerts,
        dispatches: lines,
        tracks: trackPaths(lines, store.tracks),
        cases: this.cases,
      });
      this.parts.overlay.setProps({ layers: this.drawn });
      if (this.cells.length > 0) markOnce('cg:first-heat');
    }
    // The three counters come from one tick of the server (the frame's
    // totals), never from separate asks that could contradict each other.
    for (const w of WINDOWS) hud.setCount(w, store.seq > 0 ? (store.totals[w] ?? (w === cfg.window ? store.total : undefined)) : undefined);
    const place = (cell: string) => places.name(cell);
    if (heatChanged || this.namesChanged) {
      this.namesChanged = false;
      hud.setHottest(topCells(store, cfg.view === 'wall' ? 6 : 10), districts, place, this.o.onPickCell);
      hud.setLegend(this.scale, `事件数 Incidents / ${cfg.window} · res ${cfg.res}`);
    }
    hud.setTicker(store.rises, districts, place, now);
  }

  /**
   * takeHeat rebuilds the heat from the store when it changed, but a large
   * heatmap no more often than heatRefreshMs: a later frame takes it.
   */
  private takeHeat(now: number): boolean {
    const { store } = this.o;
    if (store.heatVersion === this.heatVersion) return false;
    const wait = this.lastHeatBuild + heatRefreshMs(store.cells.size) - now;
    if (wait > 0) {
      if (!this.heatTimer) this.heatTimer = setTimeout(() => ((this.heatTimer = undefined), this.schedule()), wait);
      return false;
    }
    this.lastHeatBuild = now;
    this.heatVersion = store.heatVersion;
    this.cells = cellList(store);
    const cfg = this.o.config();
    this.scale = fixedScale(this.o.breaks ?? DEFAULT_BREAKS, cfg.res, cfg.window);
    this.hot = hotSubset(this.cells, hotThreshold(store));
    this.layersDirty = true;
    return true;
  }
}
