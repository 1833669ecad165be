// The duty officer's desk on the console page: the alerts, dispatches and
// cases panels, the topic controls, and what a click picks (a hot cell, an
// alert, a dispatch, a case, a region). The wall has none of it.

import type { PickingInfo } from '@deck.gl/core';
import { cellToLatLng } from 'h3-js';
import { signOut } from './api';
import type { Config } from './config';
import { CasePage } from './casepage';
import type { RegionNames } from './cases';
import { CasesPanel } from './casespanel';
import { buildControls, showCell, showRegion, type Category } from './console';
import type { Districts } from './districts';
import type { Hud } from './hud';
import type { MapParts } from './map';
import { AlertsPanel, DispatchesPanel, showAlert, showDispatch, showUnit } from './opspanels';
import { showIncident } from './incidentpage';
import { searchBox } from './search';
import { CASES_ID } from './layers';
import type { Alert, CaseMarker, CasesLayer, CellCount, Dispatch, SearchResult } from './protocol';
import { HIT_LAYER_ID, pickRegion, SELECTED_LAYER_ID, selectedFilter, type RegionHit } from './regions';
import type { Renderer } from './render';
import type { Store } from './store';

export interface DeskOptions {
  hud: Hud;
  store: Store;
  districts: Districts;
  renderer: Renderer;
  /** The signed-in person's role; 'admin' on an open server. */
  role: string;
  /** The server runs without credentials (nobody signs out). */
  open: boolean;
  /** The page's configuration as it is now. */
  config: () => Config;
  /** Switch the page to a new configuration (URL, socket, counters). */
  reconfigure: (next: Config) => void;
  /** Region names for the case lists. */
  names: RegionNames;
  /** The profile's incident categories, for the category control. */
  categories?: Category[];
}

export class Desk {
  readonly alerts: AlertsPanel;
  readonly dispatches: DispatchesPanel;
  readonly cases: CasesPanel;
  private casePage: CasePage | null = null;
  private parts: MapParts | null = null;

  constructor(private readonly o: DeskOptions) {
    const { hud, districts, role } = o;
    this.alerts = new AlertsPanel(hud.alertsBox, { role, districts, onPick: (a) => this.pickAlert(a) });
    this.dispatches = new DispatchesPanel(hud.dispatchesBox, { role, districts, onPick: (d) => this.pickDispatch(d) });
    this.cases = new CasesPanel(hud.casesBox, { names: o.names, onPick: (c) => this.pickCase(c.id, c) });
    const cfg = o.config();
    if (!cfg.kiosk) {
      buildControls(hud.controls, o.config, o.reconfigure, o.open ? undefined : () => void signOut().then(() => location.reload()), o.categories);
      hud.controls.prepend(searchBox((r) => this.pickFound(r)));
    }
  }

  /** attach wires the map's clicks: a hexagon picks its cell, elsewhere the region under it. */
  attach(parts: MapParts): void {
    this.parts = parts;
    const { map, overlay } = parts;
    map.on('click', (e) => {
      if (overlay.pickObject({ x: e.point.x, y: e.point.y, radius: 2 })) return;
      const hit = pickRegion(map.queryRenderedFeatures(e.point, { layers: [HIT_LAYER_ID] }), map.getZoom());
      if (hit) this.pickRegion(hit);
    });
  }

  /** pickRegion shows a region's figures and its children (each a click further down). */
  pickRegion(hit: RegionHit): void {
    this.o.renderer.select('');
    this.selectRegion(hit.level, hit.code);
    void showRegion(
      this.o.hud.cellPanel,
      hit,
      this.o.config().window,
      () => {
        this.o.hud.cellPanel.hidden = true;
        this.selectRegion('', '');
      },
      (child) => this.pickRegion(child),
      (id) => this.pickCase(id),
    );
  }

  /** onClick is deck.gl's click: a heat hexagon shows its cell's panel, a case point its case. */
  onClick = (info: PickingInfo): void => {
    if (info.layer?.id === CASES_ID && info.object) {
      this.pickCase((info.object as CaseMarker).id);
      return;
    }
    const obj = info.object as CellCount | undefined;
    if (info.layer?.id !== 'heat' || !obj) return;
    this.pickCell(obj.cell, false);
  };

  /** pickCell shows a hexagon's panel (its incidents, units near, dispatch), flying to it unless it was clicked on the map. */
  pickCell(cell: string, fly = true): void {
    this.selectRegion('', '');
    this.o.renderer.select(cell);
    const { hud, store, districts, role } = this.o;
    void showCell(hud.cellPanel, cell, this.o.config(), districts, store.units.values(), () => this.closePanel(), role, (id) => this.pickIncident(id));
    if (fly) this.flyToCell(cell);
  }

  private flyToCell(cell: string): void {
    const [lat, lng] = cellToLatLng(cell);
    this.parts?.map.easeTo({ center: [lng, lat], zoom: Math.max(this.parts.map.getZoom(), 13), duration: 600 });
  }

  /** pickFound takes what the search box found: a place, an incident or a unit. */
  pickFound(r: SearchResult): void {
    const map = this.parts?.map;
    switch (r.type) {
      case 'region':
        this.pickRegion({ level: r.level as RegionHit['level'], code: r.code, name: r.name, generated: false });
        if (r.bbox) map?.fitBounds(r.bbox, { padding: 60, duration: 600, maxZoom: 16 });
        return;
      case 'incident':
        this.pickIncident(r.code);
        map?.easeTo({ center: [r.lng, r.lat], zoom: Math.max(map.getZoom(), 14), duration: 600 });
        return;
      case 'unit': {
        const u = this.o.store.units.get(r.code) ?? { unit: r.code, status: r.detail.split(' · ')[1] ?? '', kind: r.detail.split(' · ')[0], lat: r.lat, lng: r.lng, cell: '', time: '' };
        this.selectRegion('', '');
        this.o.renderer.select('');
        const order = this.o.store.dispatches.find((d) => d.unit === r.code && d.status !== 'cleared' && d.status !== 'cancelled');
        showUnit(this.o.hud.cellPanel, u, order, () => this.closePanel(), (d) => this.pickDispatch(d));
        map?.easeTo({ center: [r.lng, r.lat], zoom: Math.max(map.getZoom(), 14), duration: 600 });
        return;
      }
    }
  }

  /** pickIncident opens an incident's page: what it is and what was done about it. */
  pickIncident(id: string): void {
    this.selectRegion('', '');
    this.o.renderer.select('');
    void showIncident(this.o.hud.cellPanel, id, {
      role: this.o.role,
      onClose: () => this.closePanel(),
      onCase: (c) => this.pickCase(c),
      onAlert: (a) => this.pickAlert(a),
    }).then((d) => {
      if (d) this.o.renderer.select(d.incident.cell);
    });
  }

  /** casesChanged: the cases layer moved: the queue and an open case page follow. */
  casesChanged(l: CasesLayer | null): void {
    this.cases.layerChanged();
    this.casePage?.layerChanged(l);
  }

  /** pickCase opens a case's page in the side panel (and centres the map on it when its place is known). */
  pickCase(id: string, at?: { lat: number; lng: number }): void {
    this.selectRegion('', '');
    this.o.renderer.select('');
    const { hud, role, names } = this.o;
    this.casePage = new CasePage(hud.cellPanel, id, {
      role,
      names,
      onClose: () => {
        this.casePage = null;
        this.closePanel();
      },
      onChanged: () => this.cases.refresh(),
    });
    if (at) this.parts?.map.easeTo({ center: [at.lng, at.lat], duration: 600 });
  }

  /** reset drops what was picked (the topic changed under it). */
  reset(): void {
    this.o.renderer.selected = '';
    this.o.hud.cellPanel.hidden = true;
    this.selectRegion('', '');
  }

  private selectRegion(level: string, code: string): void {
    this.parts?.map.setFilter(SELECTED_LAYER_ID, selectedFilter(level, code) as never);
  }

  private closePanel(): void {
    this.o.hud.cellPanel.hidden = true;
    delete this.o.hud.cellPanel.dataset.alert;
    delete this.o.hud.cellPanel.dataset.case;
    delete this.o.hud.cellPanel.dataset.incident;
    delete this.o.hud.cellPanel.dataset.dispatch;
    delete this.o.hud.cellPanel.dataset.unit;
    this.o.renderer.select('');
  }

  private pickAlert(a: Alert): void {
    this.selectRegion('', '');
    this.o.renderer.select(a.cell ?? '');
    const { hud, districts, role } = this.o;
    showAlert(hud.cellPanel, a, role, districts, () => this.closePanel(), this.o.config().window, { onIncident: (id) => this.pickIncident(id) });
    if (a.cell) this.flyToCell(a.cell);
  }

  private pickDispatch(d: Dispatch): void {
    this.selectRegion('', '');
    this.o.renderer.select(d.cell);
    const { hud, districts, role } = this.o;
    showDispatch(hud.cellPanel, d, role, districts, () => this.closePanel(), { onIncident: (id) => this.pickIncident(id) });
    this.parts?.map.easeTo({ center: [d.lng, d.lat], duration: 600 });
  }
}
