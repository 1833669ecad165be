// Boot: config → session → districts → HUD → socket → map → render loop.

import './fonts.css';
import './style.css';
import { getSession } from './api';
import { RegionNames } from './cases';
import { CaseWall, pollCaseStats } from './caseswall';
import { configQuery, parseConfig, type Config } from './config';
import { basemapSource, type BasemapSource } from './basemap';
import { CATEGORIES, knownCategory, type Category } from './categories';
import type { Desk } from './desk';
import { Districts, type FeatureCollection } from './districts';
import { Hud, WINDOW_LABELS } from './hud';
import { registerHanFonts } from './fonts';
import { Feed } from './live';
import { createMap, showBands, type MapParts } from './map';
import { IndexBoard } from './indexboard';
import { ReplayBar } from './replaybar';
import { markOnce, Renderer } from './render';
import { reloadBoundaries } from './regions';
import type { Breaks } from './scale';
import { signInForm } from './signin';
import { sessionCheck, showStatus, watchHistory } from './status';
import { activeDispatches, newStore } from './store';
import { indexCaption, startTour, tourCaption } from './tour';

async function fetchJSON<T>(url: string): Promise<T> {
  const r = await fetch(url, { credentials: 'same-origin' });
  if (!r.ok) throw new Error(`${url}: ${r.status}`);
  return (await r.json()) as T;
}

/** signedIn is who uses the page: the sign-in form until the server knows. */
async function signedIn(root: HTMLElement): Promise<{ role: string; open: boolean; user: string }> {
  let session = await getSession().catch(() => ({ kind: 'ok' as const, session: { user: 'anonymous', role: 'admin', open: true } }));
  while (session.kind === 'signin') {
    await signInForm(root);
    session = await getSession();
  }
  const open = session.session.open === true;
  return { role: open ? 'admin' : session.session.role, open, user: session.session.user };
}

async function boot(): Promise<void> {
  registerHanFonts();
  let cfg = parseConfig(location.search);
  const config = (): Config => cfg;
  document.documentElement.classList.add('view-' + cfg.view);
  document.body.classList.add('view-' + cfg.view);
  document.body.classList.toggle('mode-index', cfg.mode === 'index');
  if (cfg.kiosk) document.body.classList.add('kiosk');
  const root = document.getElementById('app') as HTMLElement;
  // The console's code (controls, panels, case pages) is a chunk of its own,
  // fetched only by the console, while it signs in and fetches the profile.
  const deskModule = cfg.view === 'console' ? import('./desk') : undefined;
  const { role, open, user } = await signedIn(root);

  if (cfg.view === 'briefing') {
    // The briefing is a page of figures: no map, no socket (briefing.ts).
    const [{ showBriefing }, dfc, ofc, cats] = await Promise.all([
      import('./briefing'),
      fetchJSON<FeatureCollection>('/profile/districts.geojson'),
      fetchJSON<{ features?: { properties?: { name?: string } }[] }>('/profile/outline.geojson'),
      fetchJSON<{ categories?: Category[] }>('/profile/categories.json').catch(() => ({ categories: undefined })),
    ]);
    await showBriefing(root, new Districts(dfc), cats.categories ?? CATEGORIES, ofc.features?.[0]?.properties?.name ?? '', location.search);
    document.body.dataset.ready = '1';
    return;
  }

  const [districtsFC, outlineFC, heatProfile, categoriesProfile] = await Promise.all([
    fetchJSON<FeatureCollection>('/profile/districts.geojson'),
    fetchJSON<{ features?: { properties?: { name?: string } }[] }>('/profile/outline.geojson'),
    fetchJSON<{ breaks?: Breaks }>('/profile/heat.json').catch(() => ({ breaks: undefined })),
    fetchJSON<{ categories?: Category[] }>('/profile/categories.json').catch(() => ({ categories: undefined })),
  ]);
  const base = await fetchJSON<BasemapSource>('/api/v1/basemap').catch((): BasemapSource => ({ kind: 'none' }));
  const categories = categoriesProfile.categories ?? CATEGORIES;
  // A category the profile does not list counts nothing: the page drops it
  // (and says so in the URL) rather than showing zeros.
  if (cfg.category && !knownCategory(categories, cfg.category)) {
    cfg = { ...cfg, category: '' };
    history.replaceState(null, '', configQuery(cfg));
  }
  const districts = new Districts(districtsFC);
  const profileName = outlineFC.features?.[0]?.properties?.name ?? '';
  const hud = new Hud(root, cfg.window, profileName);
  hud.setUser(open ? '本机 · 开放模式 Local, open mode' : `${user} · ${role}`);
  const store = newStore();
  let parts: MapParts | undefined;
  let wasDown = false;
  // Cases: the strip, the legend, the wall's overdue list and ranking; names of streets from the stats.
  const names = new RegionNames(districts);
  const caseWall = new CaseWall(hud, names);
  caseWall.update(null, Date.now());
  // The safety index: the board (index mode) and the map's band colours.
  const indexBoard = new IndexBoard(hud.indexBox, hud.indexWorstBox, hud.bandLegend);
  const showIndex = () => {
    indexBoard.update(store.safety);
    if (parts) showBands(parts.map, config().mode === 'index' ? store.safety : null);
  };

  // Alerts and dispatches: the console's panels, the wall's list.
  let desk: Desk | undefined;
  const unitStatus = (u: string) => store.units.get(u)?.status ?? '';
  const showDispatches = (now: number) => {
    const active = activeDispatches(store);
    if (desk) desk.dispatches.update(active, unitStatus, now);
    else hud.setWallDispatches(active, unitStatus, districts, now);
  };
  const renderer = new Renderer({
    store, hud, districts, config, breaks: heatProfile.breaks,
    onAlerts: (sorted, now) => desk?.alerts.update(sorted, now),
    onDispatches: showDispatches,
    onPickCell: (cell) => desk?.pickCell(cell),
    onCases: (l, now) => {
      caseWall.update(l, now);
      desk?.casesChanged(l);
    },
    onIndex: showIndex,
  });

  pollCaseStats(caseWall, names);
  const checkSession = sessionCheck();
  const feed = new Feed({
    store, config, onChange: renderer.schedule,
    onStatus: (s) => {
      tickStatus();
      if (s === 'closed') wasDown = true;
      if (s === 'open' && wasDown && parts) {
        wasDown = false;
        reloadBoundaries(parts.map, location.origin);
      }
      if (s === 'closed' && !open) checkSession();
    },
  });
  const tickStatus = showStatus(store, hud, () => feed.open);
  if (cfg.replay) {
    // A replay: the bar says so and steers it; the frames are the past's.
    document.body.classList.add('replaying');
    const bar = new ReplayBar(hud.replayBox, cfg, (c) => feed.socket.control(c));
    setInterval(() => bar.update(store.replay, store.error), 250);
  }
  watchHistory(root);
  // Ages and elapsed times move once a second.
  setInterval(() => {
    const now = Date.now();
    desk?.alerts.tick(now);
    desk?.dispatches.tick(now);
    caseWall.tick(now);
    if (!desk && store.dispatches.length > 0) showDispatches(now);
    // The ticker's ages move on while no frame comes (offline).
    renderer.schedule();
  }, 1000);

  if (deskModule) {
    const { Desk } = await deskModule;
    desk = new Desk({
      hud, store, districts, renderer, role, open, config, names, categories,
      reconfigure: (next) => {
        // The URL is the one record of the console's state: every control
        // changes it, and a reload or a shared link shows the same view.
        const resub = next.res !== cfg.res || next.window !== cfg.window || next.category !== cfg.category || next.minSeverity !== cfg.minSeverity;
        if (next.extrude !== cfg.extrude) parts?.map.easeTo({ pitch: next.extrude ? 50 : 0, duration: 800 });
        const modeChanged = next.mode !== cfg.mode;
        cfg = next;
        if (modeChanged) {
          document.body.classList.toggle('mode-index', cfg.mode === 'index');
          showIndex();
        }
        history.replaceState(null, '', configQuery(cfg));
        hud.setLiveWindow(cfg.window);
        if (resub) {
          desk?.reset();
          feed.resubscribe();
        }
        renderer.redraw(true);
      },
    });
    desk.alerts.update(renderer.alerts, Date.now());
    showDispatches(Date.now());
  }

  feed.start();
  parts = await createMap({
    container: hud.mapBox,
    districts,
    districtsFC,
    outlineFC,
    interactive: cfg.view === 'console' && !cfg.kiosk,
    pitch: cfg.extrude ? 50 : 0,
    onClick: desk?.onClick,
    basemap: basemapSource(base, location.origin),
  });
  markOnce('cg:map-load');
  desk?.attach(parts);
  renderer.attach(parts);
  showIndex();

  if (cfg.kiosk) {
    // The tour says where it is and that place's figures, kept current.
    let stop = 0;
    const caption = () =>
      hud.setTourCaption(
        config().mode === 'index'
          ? indexCaption(stop, profileName, districts.list, store.safety)
          : tourCaption(stop, profileName, districts.list, store.districtFigures, store.totals[config().window], WINDOW_LABELS[config().window]),
      );
    caption();
    setInterval(caption, 1000);
    startTour({
      map: parts.map,
      stops: [districts.bbox, ...districts.list.map((d) => d.bbox)],
      seconds: cfg.tourSeconds,
      onFlight: (flying) => renderer.hold(flying),
      onStop: (i) => {
        stop = i;
        caption();
      },
    });
  }

  // A handle for operators' devtools and the browser test.
  (window as unknown as { citygrid: unknown }).citygrid = {
    config, store, map: parts.map, overlay: parts.overlay, socket: feed.socket, layers: () => renderer.drawn,
  };
  document.body.dataset.ready = '1';
}

boot().catch((err: unknown) => {
  const root = document.getElementById('app');
  if (root) root.textContent = `启动失败 Failed to start: ${String(err)}`;
  console.error(err);
});
