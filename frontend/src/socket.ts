// The live socket: connects to /ws, (re)subscribes on every open, emits typed
// frames, and reconnects by itself with jittered exponential backoff. It never
// gives up: a wall display must recover without a person.

import { parseFrame, type Frame, type ReplayControl, type ReplayStart, type Subscribe } from './protocol';

/** What the socket asks for on every open: a live topic, or a replay. */
export type Topic = Subscribe | ReplayStart;

export type SocketStatus = 'connecting' | 'open' | 'closed';

export interface SocketOptions {
  url: string;
  onFrame: (f: Frame) => void;
  onStatus: (s: SocketStatus) => void;
  /** First retry delay in ms. Default 500. */
  baseDelay?: number;
  /** Longest retry delay in ms. Default 5000. */
  maxDelay?: number;
  /** Silence (ms) after which an open socket is closed and reopened. Default 10000. */
  silenceTimeout?: number;
}

/** backoff is the delay before retry number `attempt` (0-based): full jitter in [d/2, d]. */
export function backoff(attempt: number, base: number, max: number, rand: () => number = Math.random): number {
  const d = Math.min(max, base * Math.pow(2, Math.min(attempt, 16)));
  return Math.round(d / 2 + (rand() * d) / 2);
}

export function wsURL(loc: Location): string {
  return (loc.protocol === 'https:' ? 'wss://' : 'ws://') + loc.host + '/ws';
}

export class LiveSocket {
  status: SocketStatus = 'closed';
  private ws: WebSocket | null = null;
  private sub: Topic;
  /** quiet: nothing is expected (a paused replay sends no frames): the silence watchdog waits. */
  quiet = false;
  private attempt = 0;
  private retry: ReturnType<typeof setTimeout> | undefined;
  private watchdog: ReturnType<typeof setInterval> | undefined;
  private lastMessage = 0;
  private stopped = false;
  private readonly o: Required<SocketOptions>;

  constructor(opts: SocketOptions, sub: Topic) {
    this.o = { baseDelay: 500, maxDelay: 5000, silenceTimeout: 10000, ...opts };
    this.sub = sub;
  }

  start(): void {
    this.stopped = false;
    this.connect();
    this.watchdog = setInterval(() => {
      if (this.status === 'open' && !this.quiet && Date.now() - this.lastMessage > this.o.silenceTimeout) {
        this.ws?.close(4000, 'silent');
      }
    }, 1000);
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.retry);
    clearInterval(this.watchdog);
    this.ws?.close(1000, 'bye');
    this.ws = null;
    this.setStatus('closed');
  }

  /** subscribe changes the topic; the server answers with a new snapshot. */
  subscribe(sub: Topic): void {
    this.sub = sub;
    this.send();
  }

  /** resync asks for a fresh snapshot of the current topic. */
  resync(): void {
    this.send();
  }

  /** control steers a replay now (it is not sent again on a reconnect). */
  control(c: ReplayControl): void {
    if (this.ws && this.ws.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify(c));
  }

  private send(): void {
    if (this.ws && this.ws.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify(this.sub));
  }

  private connect(): void {
    if (this.stopped) return;
    this.setStatus('connecting');
    let ws: WebSocket;
    try {
      ws = new WebSocket(this.o.url);
    } catch {
      this.scheduleRetry();
      return;
    }
    this.ws = ws;
    ws.onopen = () => {
      this.attempt = 0;
      this.lastMessage = Date.now();
      // The topic goes first: what the open status sets off (a replay's seek) follows it.
      this.send();
      this.setStatus('open');
    };
    ws.onmessage = (ev) => {
      this.lastMessage = Date.now();
      if (typeof ev.data !== 'string') return;
      const f = parseFrame(ev.data);
      if (f) this.o.onFrame(f);
    };
    ws.onclose = () => {
      if (this.ws !== ws) return;
      this.ws = null;
      this.setStatus('closed');
      this.scheduleRetry();
    };
    ws.onerror = () => {
      // onclose follows; it schedules the retry.
    };
  }

  private scheduleRetry(): void {
    if (this.stopped) return;
    clearTimeout(this.retry);
    const d = backoff(this.attempt++, this.o.baseDelay, this.o.maxDelay);
    this.retry = setTimeout(() => this.connect(), d);
  }

  private setStatus(s: SocketStatus): void {
    if (s === this.status) return;
    this.status = s;
    this.o.onStatus(s);
  }
}
