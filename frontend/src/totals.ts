// The counters of the windows not on the socket: the socket carries the
// page's own window live; the others come from REST every few seconds.

import { getHeat } from './api';
import type { Config } from './config';
import type { Hud } from './hud';
import { WINDOWS } from './protocol';

/** How often the counters of the windows not on the socket are refreshed. */
export const POLL_MS = 5000;

/** pollTotals returns a function that refreshes those counters (at most one refresh at a time), and calls it every POLL_MS. */
export function pollTotals(hud: Hud, config: () => Config): () => Promise<void> {
  let polling = false;
  const poll = async (): Promise<void> => {
    if (polling) return;
    polling = true;
    const cfg = config();
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
  };
  setInterval(poll, POLL_MS);
  return poll;
}
