// The replay bar (/?view=wall&replay=<from>..<to>&speed=60, and the console):
// a banner no one can miss saying this is a replay and of which time, the
// replayed moment, pause and resume, the speed, a timeline to jump on, and
// the way back to live. The frames are the server's (a replay on the
// socket, docs/API.md "Replay"); the bar only steers it.

import type { Config } from './config';
import { configQuery } from './config';
import { el } from './hud';
import type { ReplayControl, ReplayInfo } from './protocol';

export const SPEEDS = [1, 10, 60, 300, 600, 3600];

/** clock: a time as the bar says it, "12-04 22:15:30", in the browser's zone. */
export function clock(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '—';
  const p = (n: number) => String(n).padStart(2, '0');
  return `${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

/** position: where at lies in [from, to], 0..1000 (the timeline's steps). */
export function position(r: Pick<ReplayInfo, 'at' | 'from' | 'to'>): number {
  const a = Date.parse(r.from);
  const b = Date.parse(r.to);
  const t = Date.parse(r.at);
  if (!(b > a) || !Number.isFinite(t)) return 0;
  return Math.round(Math.min(1, Math.max(0, (t - a) / (b - a))) * 1000);
}

/** timeAt: the time a timeline step stands for. */
export function timeAt(from: string, to: string, step: number): string {
  const a = Date.parse(from);
  const b = Date.parse(to);
  return new Date(a + ((b - a) * Math.min(1000, Math.max(0, step))) / 1000).toISOString();
}

export class ReplayBar {
  private at: HTMLElement;
  private state: HTMLElement;
  private play: HTMLButtonElement;
  private speed: HTMLSelectElement;
  private line: HTMLInputElement;
  private dragging = false;
  private paused = false;

  constructor(
    box: HTMLElement,
    private cfg: Config,
    private send: (c: ReplayControl) => void,
  ) {
    const span = cfg.replay as { from: string; to: string };
    this.at = el('b', { class: 'replay-at', 'data-testid': 'replay-at' }, clock(span.from));
    this.state = el('span', { class: 'replay-state', 'data-testid': 'replay-state' }, '');
    this.play = el('button', { type: 'button', 'data-testid': 'replay-play' }, '⏸ 暂停 Pause') as HTMLButtonElement;
    this.play.addEventListener('click', () => {
      this.send({ type: 'replay', action: this.paused ? 'resume' : 'pause' });
    });
    this.speed = el('select', { 'data-testid': 'replay-speed', 'aria-label': 'speed' }) as HTMLSelectElement;
    for (const v of SPEEDS) this.speed.append(el('option', { value: String(v) }, `${v}×`));
    if (!SPEEDS.includes(cfg.speed)) this.speed.append(el('option', { value: String(cfg.speed) }, `${cfg.speed}×`));
    this.speed.value = String(cfg.speed);
    this.speed.addEventListener('change', () => {
      this.send({ type: 'replay', action: 'speed', speed: Number(this.speed.value) });
      history.replaceState(null, '', configQuery({ ...this.cfg, speed: Number(this.speed.value) }));
    });
    this.line = el('input', { type: 'range', min: '0', max: '1000', value: '0', 'data-testid': 'replay-timeline', 'aria-label': 'timeline' }) as HTMLInputElement;
    // A jump is sent when the drag ends, not on every pixel (the server takes five messages a second).
    this.line.addEventListener('input', () => {
      this.dragging = true;
      this.at.textContent = clock(timeAt(span.from, span.to, Number(this.line.value)));
    });
    this.line.addEventListener('change', () => {
      this.dragging = false;
      this.send({ type: 'replay', action: 'seek', at: timeAt(span.from, span.to, Number(this.line.value)) });
    });
    const live = el('a', { class: 'replay-live', 'data-testid': 'replay-live', href: configQuery({ ...cfg, replay: undefined }) }, '回到实时 Back to live');
    box.replaceChildren(
      el('span', { class: 'replay-title' }, '回放 REPLAY'),
      el('span', { class: 'replay-span', 'data-testid': 'replay-span' }, `${clock(span.from)} → ${clock(span.to)}`),
      this.at,
      this.state,
      this.play,
      this.speed,
      this.line,
      live,
    );
    box.hidden = false;
  }

  /** update shows the last frame's replay state (null: no replay frame yet), or the server's refusal. */
  update(r: ReplayInfo | null, error: string): void {
    if (!r) {
      this.state.textContent = error ? `回放不可用 ${error}` : '准备中 Preparing…';
      this.state.dataset.state = error ? 'error' : 'waiting';
      return;
    }
    this.paused = r.paused;
    const state = r.error ? 'error' : r.ended ? 'ended' : r.paused ? 'paused' : 'playing';
    this.state.dataset.state = state;
    this.state.textContent = { error: `出错 ${r.error ?? ''}`, ended: '已结束 Ended', paused: '已暂停 Paused', playing: `${r.speed}×` }[state];
    this.play.textContent = r.paused ? '▶ 继续 Resume' : '⏸ 暂停 Pause';
    this.play.disabled = r.ended;
    if (!this.dragging) {
      this.at.textContent = clock(r.at);
      this.at.dataset.at = r.at;
      this.line.value = String(position(r));
    }
  }
}
