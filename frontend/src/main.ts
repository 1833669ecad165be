// Boot: config → session → districts → map → socket → render loop.

import './fonts.css';
import './style.css';
import type { Layer as DeckLayer, PickingInfo } from '@deck.gl/core';
import { getHeat, getSession, signOut } from './api';
import { configQuery, parseConfig, type Config } from './config';
import { buildControls, showCell, showRegion } from './console';
import { Districts, type FeatureCollection } from './districts';
import { Hud } from './hud';
import { buildLayers, dispatchLines, hotSubset, trackPaths } from './layers';
import { AlertsPanel, DispatchesPanel, showAlert } from './opspanels';
import { createMap, fitTo, type MapParts } from './map';
import { WINDOWS, type Alert, type CellCount, type Layer, type Subscribe } from './protocol';
import { HIT_LAYER_ID, pickRegion, SELECTED_LAYER_ID, selectedFilter } from './regions';
import { makeScale } from './scale';
import { signInForm } from './signin';
import { LiveSocket, wsURL } from './socket';
import {
  activeDispatches,
  alertsNewestFirst,
  apply,
  cellList,
  health,
  heatRefreshMs,
  hotThreshold,
  newStore,
  opsRefused,
  topCells,
  unitCounts,
  unitList,
} from './store';

/** How often the counters of the windows not on the socket are refreshed. */
const POLL_MS = 5000;

async function fetchJSON<T>(url: string): Promise<T> {
  const r = await fetch(url, { credentials: 'same-origin' });
  if (!r.ok) throw new Error(`${url}: ${r.status}`);
  return (await r.json()) as T;
}

/** The layers the page subscribes to; alerts and dispatches are dropped for a server that does not know them. */
const LAYERS: Layer[] = ['heat', 'units', 'alerts', 'dispatches'];

function subscription(c: Config, ops = true): Subscribe {
  const s: Subscribe = { type: 'subscribe', layers: ops ? LAYERS : ['heat', 'units'], res: c.res, window: c.window };
  if (c.category) s.category = c.category;
  if (c.minSeverity > 1) s.minSeverity = c.minSeverity;
  return s;
}

/** markOnce records a boot milestone once (read by the browser test: time to first heat). */
function markOnce(name: string): void {
  if (performance.getEntriesByName(name, 'mark').length === 0) performance.mark(name);
}

async function boot(): Promise<void> {
  let cfg = parseConfig(location.search);
  document.documentElement.classList.add('view-' + cfg.view);
  document.body.classList.add('view-' + cfg.view);
  if (cfg.kiosk) document.body.classList.add('kiosk');
  const root = document.getElementById('app') as HTMLElement;

  let session = await getSession().catch(() => ({ kind: 'ok' as const, session: { user: 'anonymous', role: 'admin', open: true } }));
  while (session.kind === 'signin') {
    await signInForm(root);
    session = await getSession();
  }
  const open = session.session.open === true;
  const role = open ? 'admin' : session.session.role;

  const [districtsFC, outlineFC] = await Promise.all([
    fetchJSON<FeatureCollection>('/profile/districts.geojson'),
    fetchJSON<{ features?: { properties?: { name?: string } }[] }>('/profile/outline.geojson'),
  ]);
  const districts = new Districts(districtsFC);
  const cityName = outlineFC.features?.[0]?.properties?.name ?? '';
  const hud = new Hud(root, cfg.window, cityName);
  const store = newStore();
  let socketOpen = false;
  let selected = '';
  let parts: MapParts | null = null;

  // Rendering: frames only mark the state dirty; one rAF applies it.
  let cells: CellCount[] = [];
  let hot: CellCount[] = [];
  let heatVersion = -1;
  let unitsVersion = -1;
  let alertsVersion = -1;
  let dispatchesVersion = -1;
  let alertsSorted: Alert[] = [];
  let opsLayers = true;
  /** The layers last handed to deck.gl (read by the browser test). */
  let drawn: DeckLayer[] = [];
  let scale = makeScale(1);
  let layersDirty = true;
  let lastHeatBuild = 0;
  let heatTimer: ReturnType<typeof setTimeout> | undefined;
  let scheduled = false;
  const dotScale = cfg.view === 'wall' ? Math.max(1, window.innerHeight / 1080) : 1;
  const schedule = () => {
    if (scheduled) return;
    scheduled = true;
    requestAnimationFrame(render);
  };
  function render(): void {
    scheduled = false;
    const now = Date.now();
    let heatChanged = false;
    const wait = lastHeatBuild + heatRefreshMs(store.cells.size) - now;
    if (store.heatVersion !== heatVersion && wait > 0) {
      if (!heatTimer) heatTimer = setTimeout(() => ((heatTimer = undefined), schedule()), wait);
    } else if (store.heatVersion !== heatVersion) {
      lastHeatBuild = now;
      heatVersion = store.heatVersion;
      cells = cellList(store);
      let max = 1;
      for (const c of cells) if (c.count > max) max = c.count;
      scale = makeScale(max);
      hot = hotSubset(cells, hotThreshold(store));
      heatChanged = true;
      layersDirty = true;
    }
    let opsChanged = false;
    if (store.unitsVersion !== unitsVersion) {
      unitsVersion = store.unitsVersion;
      layersDirty = true;
      opsChanged = store.dispatches.length > 0;
      hud.setUnits(unitCounts(store));
    }
    if (store.alertsVersion !== alertsVersion) {
      alertsVersion = store.alertsVersion;
      alertsSorted = alertsNewestFirst(store.alerts);
      layersDirty = true;
      hud.setAlerts(store.alertCounts);
      alertsPanel?.update(alertsSorted, now);
    }
    if (store.dispatchesVersion !== dispatchesVersion) {
      dispatchesVersion = store.dispatchesVersion;
      layersDirty = true;
      opsChanged = true;
    }
    if (opsChanged) showDispatches(now);
    if (layersDirty && parts) {
      layersDirty = false;
      const lines = dispatchLines(activeDispatches(store), store.units);
      drawn = buildLayers({
          cells,
          hot,
          units: unitList(store),
          scale,
          heatVersion,
          extrude: cfg.extrude,
          selected,
          wall: cfg.view === 'wall',
          dotScale,
          alerts: alertsSorted,
          dispatches: lines,
          tracks: trackPaths(lines, store.tracks),
      });
      parts.overlay.setProps({ layers: drawn });
      if (cells.length > 0) markOnce('cg:first-heat');
    }
    hud.setCount(cfg.window, store.seq > 0 ? store.total : undefined);
    if (heatChanged) {
      hud.setHottest(topCells(store, cfg.view === 'wall' ? 6 : 10), districts);
      hud.setDistricts(districts.sums(cells));
      hud.setLegend(scale, `事件数 Incidents / ${cfg.window} · res ${cfg.res}`);
    }
    hud.setTicker(store.rises, districts, now);
  }

  let resyncPending = false;
  const socket = new LiveSocket(
    {
      url: wsURL(location),
      onFrame: (f) => {
        // A server without the alerts and dispatches layers refuses the first
        // subscribe: ask again with heat and units only.
        if (opsLayers && opsRefused(store, f)) {
          opsLayers = false;
          socket.subscribe(subscription(cfg, opsLayers));
          return;
        }
        const r = apply(store, f, Date.now());
        if (f.type === 'snapshot') {
          markOnce('cg:first-snapshot');
          resyncPending = false;
        }
        // Ask once per gap: the server limits subscribe messages per second.
        if (r === 'resync' && !resyncPending) {
          resyncPending = true;
          socket.resync();
        } else if (r === 'changed') schedule();
      },
      onStatus: (s) => {
        socketOpen = s === 'open';
        resyncPending = false;
        tickStatus();
        if (s === 'open') pollTotals();
        if (s === 'closed' && !open) checkSession();
      },
    },
    subscription(cfg, opsLayers),
  );

  // A signed-in page whose socket drops may have lost its session: at most
  // every 10 s, ask, and go back to the sign-in form if so.
  let lastSessionCheck = 0;
  function checkSession(): void {
    if (Date.now() - lastSessionCheck < 10_000) return;
    lastSessionCheck = Date.now();
    getSession().then(
      (st) => {
        if (st.kind === 'signin') location.reload();
      },
      () => undefined,
    );
  }

  function tickStatus(): void {
    const now = Date.now();
    const h = health(store, socketOpen, now);
    hud.setBadge(h, store.lastFrameAt ? now - store.lastFrameAt : undefined, store.error);
    // Never let old numbers pass for live ones: the CSS greys them out.
    if (document.body.dataset.health !== h) document.body.dataset.health = h;
    hud.setClock(new Date(now));
  }
  setInterval(tickStatus, 250);
  tickStatus();

  // Alerts and dispatches: the console's panels, the wall's list; ages and
  // elapsed times move once a second.
  const unitStatus = (u: string) => store.units.get(u)?.status ?? '';
  let alertsPanel: AlertsPanel | undefined;
  let dispatchesPanel: DispatchesPanel | undefined;
  function showDispatches(now: number): void {
    const active = activeDispatches(store);
    if (dispatchesPanel) dispatchesPanel.update(active, unitStatus, now);
    else hud.setWallDispatches(active, unitStatus, districts, now);
  }
  setInterval(() => {
    const now = Date.now();
    alertsPanel?.tick(now);
    dispatchesPanel?.tick(now);
    if (!dispatchesPanel && store.dispatches.length > 0) showDispatches(now);
  }, 1000);

  // The windows not on the socket come from REST; the socket's own is live.
  let polling = false;
  async function pollTotals(): Promise<void> {
    if (polling) return;
    polling = true;
    try {
      await Promise.all(
        WINDOWS.filter((w) => w !== cfg.window).map((w) =>
          getHeat({ res: 7, window: w, category: cfg.category, minSeverity: cfg.minSeverity }).then(
            (r) => hud.setCount(w, r.total),
            () => undefined,
          ),
        ),
      );
    } finally {
      polling = false;
    }
  }
  setInterval(pollTotals, POLL_MS);

  function applyConfig(next: Config): void {
    const resub = next.res !== cfg.res || next.window !== cfg.window || next.category !== cfg.category || next.minSeverity !== cfg.minSeverity;
    const rebuild = next.window !== cfg.window;
    if (next.extrude !== cfg.extrude && parts) parts.map.easeTo({ pitch: next.extrude ? 50 : 0, duration: 800 });
    cfg = next;
    history.replaceState(null, '', configQuery(cfg));
    if (rebuild) {
      // The live window's counter moves; rebuild the HUD around it.
      location.reload();
      return;
    }
    if (resub) {
      selected = '';
      hud.cellPanel.hidden = true;
      selectRegion('', '');
      socket.subscribe(subscription(cfg, opsLayers));
      pollTotals();
    }
    layersDirty = true;
    heatVersion = -1;
    schedule();
  }

  function selectRegion(level: string, code: string): void {
    parts?.map.setFilter(SELECTED_LAYER_ID, selectedFilter(level, code) as never);
  }

  const closePanel = () => {
    selected = '';
    hud.cellPanel.hidden = true;
    delete hud.cellPanel.dataset.alert;
    layersDirty = true;
    schedule();
  };
  function pickAlert(a: Alert): void {
    selectRegion('', '');
    selected = a.cell ?? '';
    layersDirty = true;
    schedule();
    showAlert(hud.cellPanel, a, role, districts, closePanel, cfg.window);
  }

  const onClick = (info: PickingInfo) => {
    const obj = info.object as CellCount | undefined;
    if (info.layer?.id !== 'heat' || !obj) return;
    selectRegion('', '');
    selected = obj.cell;
    layersDirty = true;
    schedule();
    void showCell(hud.cellPanel, obj.cell, cfg, districts, store.units.values(), closePanel, role);
  };

  if (cfg.view === 'console') {
    alertsPanel = new AlertsPanel(hud.alertsBox, { role, districts, onPick: pickAlert });
    dispatchesPanel = new DispatchesPanel(hud.dispatchesBox, {
      role,
      districts,
      onPick: (d) => {
        selectRegion('', '');
        selected = d.cell;
        layersDirty = true;
        schedule();
        parts?.map.easeTo({ center: [d.lng, d.lat], duration: 600 });
      },
    });
    alertsPanel.update(alertsSorted, Date.now());
    showDispatches(Date.now());
  }

  if (cfg.view === 'console' && !cfg.kiosk) {
    buildControls(hud.controls, cfg, applyConfig, open ? undefined : () => void signOut().then(() => location.reload()));
  }

  socket.start();
  parts = await createMap({
    container: hud.mapBox,
    districts,
    districtsFC,
    outlineFC,
    interactive: cfg.view === 'console' && !cfg.kiosk,
    pitch: cfg.extrude ? 50 : 0,
    onClick: cfg.view === 'console' ? onClick : undefined,
  });
  markOnce('cg:map-load');

  // Console: a click where deck.gl has nothing (no hot cell, no unit) shows the
  // region under it, of the level labelled at the zoom, in the side panel.
  if (cfg.view === 'console') {
    const { map, overlay } = parts;
    map.on('click', (e) => {
      if (overlay.pickObject({ x: e.point.x, y: e.point.y, radius: 2 })) return;
      const hit = pickRegion(map.queryRenderedFeatures(e.point, { layers: [HIT_LAYER_ID] }), map.getZoom());
      if (!hit) return;
      selected = '';
      layersDirty = true;
      schedule();
      selectRegion(hit.level, hit.code);
      void showRegion(hud.cellPanel, hit, cfg.window, () => {
        hud.cellPanel.hidden = true;
        selectRegion('', '');
      });
    });
  }
  layersDirty = true;
  schedule();

  if (cfg.kiosk) {
    const stops = [districts.bbox, ...districts.list.map((d) => d.bbox)];
    let i = 0;
    setInterval(() => {
      i = (i + 1) % stops.length;
      if (parts) fitTo(parts.map, stops[i], 3000);
    }, cfg.tourSeconds * 1000);
  }

  // A handle for operators' devtools and the browser test.
  (window as unknown as { citygrid: unknown }).citygrid = { config: () => cfg, store, map: parts.map, overlay: parts.overlay, socket, layers: () => drawn };
  document.body.dataset.ready = '1';
}

boot().catch((err: unknown) => {
  const root = document.getElementById('app');
  if (root) root.textContent = `启动失败 Failed to start: ${String(err)}`;
  console.error(err);
});
