// What the page says of itself: the freshness badge and clock, four times a
// second, and, for a signed-in page whose socket dropped, whether the session
// is still good.

import { getSession } from './api';
import type { Hud } from './hud';
import { health, type Store } from './store';

/** showStatus updates the badge and the clock now and every 250 ms. */
export function showStatus(store: Store, hud: Hud, socketOpen: () => boolean): () => void {
  const tick = () => {
    const now = Date.now();
    const h = health(store, socketOpen(), now);
    hud.setBadge(h, store.lastFrameAt ? now - store.lastFrameAt : undefined, store.error);
    // Never let old numbers pass for live ones: the CSS greys them out.
    if (document.body.dataset.health !== h) document.body.dataset.health = h;
    hud.setClock(new Date(now));
  };
  setInterval(tick, 250);
  tick();
  return tick;
}

/**
 * sessionCheck returns a function that asks, at most every 10 s, whether the
 * page's session is still good, and goes back to the sign-in form if not: a
 * signed-in page whose socket drops may have lost its session.
 */
export function sessionCheck(): () => void {
  let last = 0;
  return () => {
    if (Date.now() - last < 10_000) return;
    last = Date.now();
    getSession().then(
      (st) => {
        if (st.kind === 'signin') location.reload();
      },
      () => undefined,
    );
  };
}

/** The part of GET /readyz the page reads. */
export interface Readiness {
  ready?: boolean;
  historyLost?: string;
  warning?: string;
}

/**
 * historyLostText is what the banner says when the server saw Redis lose its
 * data, or undefined: figures before then may be incomplete, and nobody may
 * take them for whole.
 */
export function historyLostText(r: Readiness): string | undefined {
  if (!r.historyLost) return undefined;
  const at = new Date(r.historyLost);
  const when = Number.isNaN(at.getTime()) ? r.historyLost : at.toLocaleString('zh-CN', { hour12: false });
  return `历史数据丢失 History lost at ${when}: figures before then may be incomplete`;
}

/** watchHistory asks /readyz every 30 s and shows the banner while it says history was lost. */
export function watchHistory(root: HTMLElement): void {
  const banner = document.createElement('div');
  banner.className = 'history-lost';
  banner.dataset.testid = 'history-lost';
  banner.hidden = true;
  root.prepend(banner);
  const check = () =>
    fetch('/readyz', { credentials: 'same-origin' })
      .then((r) => r.json() as Promise<Readiness>)
      .then(
        (r) => {
          const text = historyLostText(r);
          banner.hidden = !text;
          banner.textContent = text ?? '';
          if (r.warning) banner.title = r.warning;
        },
        () => undefined,
      );
  void check();
  setInterval(check, 30_000);
}
