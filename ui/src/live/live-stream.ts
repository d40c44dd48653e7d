/**
 * The page's reader of `meshdojo serve`'s live stream: an EventSource on LIVE_STREAM_PATH, messages
 * decoded with the server's own stream protocol, and reconnection. While the connection drops and
 * the browser retries by itself (readyState CONNECTING, resuming with Last-Event-ID), it only says
 * so; when the browser gives up (CLOSED: the server answered 404 because no live topology runs, or
 * not an event stream) it opens a new EventSource after a growing pause. Frames already seen (a
 * new connection replays the run from its first interval) are dropped by index.
 */
import type { IntervalFrame } from '../../../simulator/telemetry/interval.ts';
import type { RunEvent } from '../../../simulator/telemetry/types.ts';
import { decodeLiveMessage, LIVE_EVENT_NAMES } from '../../../simulator/telemetry/live-stream-protocol.ts';

/** What LiveStream needs of an EventSource (the browser's, or a test's fake). */
export interface EventSourceLike {
  readonly readyState: number;
  onopen: ((e: Event) => void) | null;
  onerror: ((e: Event) => void) | null;
  addEventListener(type: string, listener: (e: MessageEvent<string>) => void): void;
  close(): void;
}
export type OpenEventSource = (url: string) => EventSourceLike;

const CLOSED = 2;

export type LiveStatus =
  | { state: 'connecting'; attempt: number }
  | { state: 'live'; frames: number }
  /** `inMs` null: the browser is retrying the dropped connection itself. */
  | { state: 'reconnecting'; inMs: number | null; attempt: number }
  | { state: 'stopped'; frames: number };

export interface LiveStreamOptions {
  url: string;
  onFrame(f: IntervalFrame): void;
  onEvent?(e: RunEvent): void;
  onStatus(s: LiveStatus): void;
  /** A message that could not be read (named by what is wrong with it). */
  onProblem?(message: string): void;
  open?: OpenEventSource;
  /** Pauses before each reopening, the last one repeated. */
  backoffMs?: readonly number[];
  setTimer?: (fn: () => void, ms: number) => unknown;
  clearTimer?: (h: unknown) => void;
}

export class LiveStream {
  private source: EventSourceLike | null = null;
  private timer: unknown = null;
  private attempt = 0;
  private lastIndex = -1;
  private frames = 0;
  private readonly o: Required<Omit<LiveStreamOptions, 'onEvent' | 'onProblem'>> &
    Pick<LiveStreamOptions, 'onEvent' | 'onProblem'>;

  constructor(opts: LiveStreamOptions) {
    // `??`, not a spread: a caller's `open: undefined` (an unset prop) must keep the default.
    this.o = {
      ...opts,
      open: opts.open ?? ((url) => new EventSource(url)),
      backoffMs: opts.backoffMs ?? [1000, 2000, 5000, 10_000],
      setTimer: opts.setTimer ?? ((fn, ms) => setTimeout(fn, ms)),
      clearTimer: opts.clearTimer ?? ((h) => clearTimeout(h as ReturnType<typeof setTimeout>)),
    };
  }

  /** Intervals received so far (each index once). */
  get frameCount(): number {
    return this.frames;
  }

  start(): void {
    this.stop(false);
    this.connect();
  }

  /** Close the connection and cancel any reopening. */
  stop(report = true): void {
    if (this.timer !== null) this.o.clearTimer(this.timer);
    this.timer = null;
    this.source?.close();
    this.source = null;
    if (report) this.o.onStatus({ state: 'stopped', frames: this.frames });
  }

  private connect(): void {
    this.timer = null;
    this.o.onStatus({ state: 'connecting', attempt: this.attempt });
    const es = this.o.open(this.o.url);
    this.source = es;
    es.onopen = () => {
      this.attempt = 0;
      this.o.onStatus({ state: 'live', frames: this.frames });
    };
    es.onerror = () => {
      if (this.source !== es) return;
      if (es.readyState !== CLOSED) {
        this.o.onStatus({ state: 'reconnecting', inMs: null, attempt: this.attempt });
        return;
      }
      es.close();
      this.source = null;
      const b = this.o.backoffMs;
      const inMs = b[Math.min(this.attempt, b.length - 1)];
      this.attempt++;
      this.o.onStatus({ state: 'reconnecting', inMs, attempt: this.attempt });
      this.timer = this.o.setTimer(() => this.connect(), inMs);
    };
    for (const name of LIVE_EVENT_NAMES)
      es.addEventListener(name, (e) => {
        if (this.source === es) this.receive(name, e.data);
      });
  }

  private receive(name: string, data: string): void {
    const m = decodeLiveMessage(name, data);
    if (typeof m === 'string') return this.o.onProblem?.(m);
    if (m.kind === 'event') return this.o.onEvent?.(m.event);
    if (m.frame.index <= this.lastIndex) return;
    this.lastIndex = m.frame.index;
    this.frames++;
    this.o.onFrame(m.frame);
    this.o.onStatus({ state: 'live', frames: this.frames });
  }
}

/** The status as one line for the panel. */
export function describeStatus(s: LiveStatus): string {
  switch (s.state) {
    case 'connecting':
      return s.attempt ? `connecting (attempt ${s.attempt + 1})…` : 'connecting…';
    case 'live':
      return `live: ${s.frames} interval${s.frames === 1 ? '' : 's'}`;
    case 'reconnecting':
      return s.inMs === null
        ? 'connection lost: the browser is reconnecting…'
        : `no live stream (is \`meshdojo live up\` running?): retrying in ${Math.round(s.inMs / 1000)} s`;
    case 'stopped':
      return `disconnected after ${s.frames} interval${s.frames === 1 ? '' : 's'}`;
  }
}
