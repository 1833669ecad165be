// The page's live feed: the socket subscribed to the page's topic, frames
// folded into the store, a resync asked once per gap, and a fallback for a
// server that does not know the cases layer, or the alerts and dispatches layers.

import type { Config } from './config';
import type { Layer, ReplayStart, Subscribe } from './protocol';
import { markOnce } from './render';
import { LiveSocket, wsURL, type SocketStatus, type Topic } from './socket';
import { apply, opsRefused, type Store } from './store';

/**
 * The layers the page subscribes to, most first: a server that refuses a set
 * (it does not know a layer) is asked for the next one.
 */
export const LAYER_SETS: readonly Layer[][] = [
  ['heat', 'units', 'alerts', 'dispatches', 'cases', 'regions', 'index'],
  ['heat', 'units', 'alerts', 'dispatches', 'cases', 'regions'],
  ['heat', 'units', 'alerts', 'dispatches', 'cases'],
  ['heat', 'units', 'alerts', 'dispatches'],
  ['heat', 'units'],
];

/** The layers a replay cannot show: figures of the whole windows, recomputed live. */
const NOT_REPLAYED: readonly Layer[] = ['regions', 'index'];

/**
 * topic is what the socket asks for: the configuration's replay (the layers
 * of LAYER_SETS[set] a replay shows), or its live subscription.
 */
export function topic(c: Config, set = 0): Topic {
  if (!c.replay) return subscription(c, set);
  const layers = LAYER_SETS[Math.min(Math.max(0, set), LAYER_SETS.length - 1)].filter((l) => !NOT_REPLAYED.includes(l));
  const r: ReplayStart = { type: 'replay', from: c.replay.from, to: c.replay.to, speed: c.speed, res: c.res, window: c.window, layers };
  if (c.category) r.category = c.category;
  if (c.minSeverity > 1) r.minSeverity = c.minSeverity;
  return r;
}

/** subscription is the subscribe message of a configuration, with the layers of LAYER_SETS[set]. */
export function subscription(c: Config, set = 0): Subscribe {
  const layers = LAYER_SETS[Math.min(Math.max(0, set), LAYER_SETS.length - 1)];
  const s: Subscribe = { type: 'subscribe', layers: [...layers], res: c.res, window: c.window };
  if (c.category) s.category = c.category;
  if (c.minSeverity > 1) s.minSeverity = c.minSeverity;
  return s;
}

export interface FeedOptions {
  store: Store;
  /** The page's configuration as it is now. */
  config: () => Config;
  /** The store changed: draw it. */
  onChange: () => void;
  /** The socket's status changed. */
  onStatus: (s: SocketStatus) => void;
}

export class Feed {
  readonly socket: LiveSocket;
  /** Whether the socket is open now. */
  open = false;
  /** The LAYER_SETS the server takes (the first until it refuses one). */
  private set = 0;
  private resyncPending = false;
  /** The replayed time of the last replay frame ('' when live). */
  private replayAt = '';

  constructor(private readonly o: FeedOptions) {
    this.socket = new LiveSocket(
      { url: wsURL(location), onFrame: (f) => this.frame(f), onStatus: (s) => this.status(s) },
      topic(o.config(), this.set),
    );
  }

  start(): void {
    this.socket.start();
  }

  /** resubscribe switches to the page's topic as the configuration now says. */
  resubscribe(): void {
    this.socket.subscribe(topic(this.o.config(), this.set));
  }

  private frame(f: Parameters<typeof apply>[1]): void {
    const { store } = this.o;
    // A server without one of the layers refuses the first subscribe: ask
    // again with fewer.
    if (this.set < LAYER_SETS.length - 1 && opsRefused(store, f)) {
      this.set++;
      this.resubscribe();
      return;
    }
    const r = apply(store, f, Date.now());
    if (f.type !== 'error') {
      this.socket.quiet = !!f.replay && (f.replay.paused || f.replay.ended);
      if (f.replay) this.replayAt = f.replay.at;
    }
    if (f.type === 'snapshot') {
      markOnce('cg:first-snapshot');
      this.resyncPending = false;
    }
    // Ask once per gap: the server limits subscribe messages per second.
    if (r === 'resync' && !this.resyncPending) {
      this.resyncPending = true;
      this.socket.resync();
    } else if (r === 'changed') this.o.onChange();
  }

  private status(s: SocketStatus): void {
    // A replay picks up where it was after a reconnect (the start goes first).
    if (s === 'open' && this.replayAt && this.o.config().replay) this.socket.control({ type: 'replay', action: 'seek', at: this.replayAt });
    this.open = s === 'open';
    this.resyncPending = false;
    this.o.onStatus(s);
  }
}
