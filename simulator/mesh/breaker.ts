/**
 * Hystrix / resilience4j-style circuit breaker, as an xstate v5 statechart.
 *
 *   closed ──TRIP──▶ open ──after openFor──▶ half-open ──PROBES_SUCCEEDED──▶ closed
 *                     ▲                          │
 *                     └───────PROBE_FAILED───────┘
 *
 * `circuitBreakerMachine` is the authority on the state: a UI can render it, inspect an actor's
 * snapshots, or run it on its own. The hot path (`allow`, `onSuccess`, `onFailure`, called about
 * a million times per wall second by the simulator) must not pay for an xstate macrostep per
 * request, so `CircuitBreaker` keeps the *counters* (consecutive failures, the failure-rate ring,
 * in-flight probes) in plain fields and only `send`s an event to the actor when a transition can
 * happen — the Nth consecutive failure, the rate crossing its threshold, a probe result. It keeps
 * a numeric mirror of the state for `allow()`, and that mirror is written only by the actor's
 * snapshot observer: the state changes when, and only when, the machine changes it (including the
 * delayed open → half-open transition, which the machine takes on the injected Clock).
 *
 * Semantics (documented choices):
 * - Closed: `consecutiveFailures` consecutive failures trip the breaker at exactly the Nth one;
 *   any success resets the run. The failure-rate detector trips when, at a failure,
 *   `failures / requests ≥ threshold %` over the sliding window and `requests ≥ minimumRequests`.
 *   The window is a ring of 10 buckets of `window / 10` ms (no allocation per request); it covers
 *   the current bucket and the 9 before it, i.e. the last `window` ms at a resolution of
 *   `window / 10` (a bucket expires whole). It is evaluated on failures only. Both detectors may be
 *   configured; whichever fires first trips the breaker. Entering closed resets both.
 * - Open: `allow()` is false (counted in `rejected`); results of requests admitted before the
 *   breaker opened are ignored. After `openFor` ms the machine moves to half-open by itself.
 * - Half-open: `allow()` admits at most `halfOpenRequests` probes *in flight*; when
 *   `halfOpenRequests` probes have succeeded the breaker closes, on the first probe failure it
 *   re-opens (and waits `openFor` again). A result reported while no probe is in flight is not a
 *   probe's and is ignored; while probes are in flight a result is attributed to a probe (the
 *   caller cannot tag requests, as with Hystrix's single test request).
 * - What counts as a failure is the caller's decision (`onFailure(cause)`); the cause only feeds
 *   the reason text (`opened: 5 consecutive failures (last: per-try-timeout)`).
 */
import { assign, createActor, setup, type Actor } from 'xstate';
import type { Clock } from '../engine/types.ts';
import type { CircuitBreakerSpec } from '../model/types.ts';
import type { MeshEventSink } from './types.ts';
import { xstateClock } from './xstate-clock.ts';
import { humanDuration } from '../model/duration.ts';

export type BreakerState = 'closed' | 'open' | 'half-open';

export interface BreakerInput {
  openFor: number;
  halfOpenRequests: number;
}

export interface BreakerContext {
  openFor: number;
  halfOpenRequests: number;
  /** Why the machine is in its current state (the reason of the last transition). */
  reason: string;
  /** Times the breaker opened (trips and re-opens). */
  opens: number;
}

export type BreakerEvent =
  | { type: 'TRIP'; reason: string }
  | { type: 'PROBES_SUCCEEDED'; probes: number }
  | { type: 'PROBE_FAILED'; cause?: string };

export const circuitBreakerMachine = setup({
  types: {
    context: {} as BreakerContext,
    events: {} as BreakerEvent,
    input: {} as BreakerInput,
  },
  delays: {
    openFor: ({ context }) => context.openFor,
  },
}).createMachine({
  id: 'circuitBreaker',
  context: ({ input }) => ({
    openFor: input.openFor,
    halfOpenRequests: input.halfOpenRequests,
    reason: 'closed',
    opens: 0,
  }),
  initial: 'closed',
  states: {
    closed: {
      on: {
        TRIP: {
          target: 'open',
          actions: assign({
            reason: ({ event }) => `opened: ${event.reason}`,
            opens: ({ context }) => context.opens + 1,
          }),
        },
      },
    },
    open: {
      after: {
        openFor: {
          target: 'half-open',
          actions: assign({ reason: ({ context }) => `half-open after ${humanDuration(context.openFor)}` }),
        },
      },
    },
    'half-open': {
      on: {
        PROBES_SUCCEEDED: {
          target: 'closed',
          actions: assign({
            reason: ({ event }) => `closed: ${event.probes}/${event.probes} probes succeeded`,
          }),
        },
        PROBE_FAILED: {
          target: 'open',
          actions: assign({
            reason: ({ event }) =>
              event.cause ? `re-opened: probe failed (${event.cause})` : 're-opened: probe failed',
            opens: ({ context }) => context.opens + 1,
          }),
        },
      },
    },
  },
});

export type CircuitBreakerActor = Actor<typeof circuitBreakerMachine>;

/** What a report shows of a breaker (the shape of telemetry's `BreakerReport`). */
export interface BreakerSummary {
  subject: string;
  state: BreakerState;
  opens: number;
  rejected: number;
  peakConsecutiveFailures: number;
  consecutiveFailuresToTrip: number | null;
  peakFailureRatePct: number | null;
  failureRateToTripPct: number | null;
}

/**
 * A breaker permit: 0 = refused; otherwise `generation·2 + probe bit`. The generation changes at
 * every state change, so a result from before a trip (or from an earlier closed period) is not
 * taken for a half-open probe's: it is ignored.
 */
export type BreakerPermit = number;

/** Default probe timeout: a half-open probe with no result after this long counts as failed. */
export const DEFAULT_PROBE_TIMEOUT_MS = 10_000;

export interface CircuitBreakerOptions {
  /** Shown in events, e.g. `productpage→reviews`. */
  subject?: string;
  sink?: MeshEventSink;
  /** A probe in flight longer than this re-opens the breaker (resilience4j `maxWaitDurationInHalfOpenState`). */
  probeTimeoutMs?: number;
}

const CLOSED = 0;
const OPEN = 1;
const HALF_OPEN = 2;
const BUCKETS = 10;

/** Format a percentage for reason texts: at most 2 decimals. */
function pct(x: number): string {
  return String(Math.round(x * 100) / 100);
}

export class CircuitBreaker {
  /** The running statechart (authority on the state; inspect or subscribe from a UI). */
  readonly actor: CircuitBreakerActor;
  readonly subject: string;
  /** Requests refused by `allow()` (open, or half-open with all probes in flight). */
  rejected = 0;

  private s = CLOSED;
  private readonly clock: Clock;
  private readonly sink: MeshEventSink | undefined;
  private readonly consecutiveLimit: number;
  private readonly halfOpenRequests: number;
  private consecutive = 0;
  private lastCause: string | undefined = undefined;

  // Failure-rate sliding window (ring of BUCKETS buckets).
  private readonly rateOn: boolean;
  private readonly rateThreshold: number;
  private readonly rateMinimum: number;
  private readonly windowMs: number;
  private readonly bucketMs: number;
  private readonly bucketTotal = new Float64Array(BUCKETS);
  private readonly bucketFail = new Float64Array(BUCKETS);
  /** Absolute number (floor(now / bucketMs)) of the newest bucket. */
  private head = 0;
  private winTotal = 0;
  private winFail = 0;

  /** Highest consecutive-failure count and window failure rate (with the minimum volume) seen while closed. */
  private peakConsecutive = 0;
  private peakRate = 0;

  private probesInFlight = 0;
  private probeSuccesses = 0;
  /** Bumped at every state change: tags permits. */
  private generation = 1;
  private readonly probeTimeoutMs: number;
  private lastProbeAt = 0;
  private probeTimer: number | undefined = undefined;
  private readonly onProbeTimer = (): void => this.checkProbes();

  constructor(spec: CircuitBreakerSpec, clock: Clock, opts: CircuitBreakerOptions = {}) {
    if (!(spec.halfOpenRequests >= 1)) throw new RangeError('circuitBreaker.halfOpenRequests must be ≥ 1');
    if (!(spec.openFor >= 0)) throw new RangeError('circuitBreaker.openFor must be ≥ 0 ms');
    this.clock = clock;
    this.sink = opts.sink;
    this.subject = opts.subject ?? 'breaker';
    this.probeTimeoutMs = opts.probeTimeoutMs ?? DEFAULT_PROBE_TIMEOUT_MS;
    this.consecutiveLimit =
      spec.consecutiveFailures !== undefined && spec.consecutiveFailures > 0
        ? spec.consecutiveFailures
        : Infinity;
    this.halfOpenRequests = Math.floor(spec.halfOpenRequests);
    const fr = spec.failureRate;
    this.rateOn = fr !== undefined && fr.window > 0;
    this.rateThreshold = fr?.threshold ?? 100;
    this.rateMinimum = fr?.minimumRequests ?? 0;
    this.windowMs = fr?.window ?? 0;
    this.bucketMs = this.rateOn ? this.windowMs / BUCKETS : 1;
    this.head = Math.floor(clock.now() / this.bucketMs);

    this.actor = createActor(circuitBreakerMachine, {
      clock: xstateClock(clock),
      input: { openFor: spec.openFor, halfOpenRequests: this.halfOpenRequests },
    });
    this.actor.subscribe((snap) => this.sync(snap.value as BreakerState, snap.context.reason));
    this.actor.start();
  }

  /** The machine's current state. */
  get state(): BreakerState {
    return this.actor.getSnapshot().value as BreakerState;
  }

  /** Probes in flight now (half-open). */
  get probes(): number {
    return this.probesInFlight;
  }

  /**
   * Hot path: a permit for one request, or 0 (refused: open, or half-open with every probe slot
   * taken). Give each permit back exactly once: `success`, `failure` or `cancel`.
   */
  acquire(): BreakerPermit {
    const s = this.s;
    if (s === CLOSED) return this.generation * 2;
    if (s === HALF_OPEN && this.probesInFlight < this.halfOpenRequests) {
      this.probesInFlight++;
      this.lastProbeAt = this.clock.now();
      if (this.probeTimer === undefined && this.probeTimeoutMs < Infinity)
        this.probeTimer = this.clock.schedule(this.probeTimeoutMs, this.onProbeTimer);
      return this.generation * 2 + 1;
    }
    this.rejected++;
    return 0;
  }

  /** The request of `permit` succeeded (a stale permit is ignored). */
  success(permit: BreakerPermit): void {
    if (permit === 0 || permit >> 1 !== this.generation) return;
    if (permit & 1) {
      this.probesInFlight--;
      if (++this.probeSuccesses >= this.halfOpenRequests)
        this.actor.send({ type: 'PROBES_SUCCEEDED', probes: this.probeSuccesses });
    } else this.closedSuccess();
  }

  /** The request of `permit` failed; `cause` (a constant string) only feeds reasons. */
  failure(permit: BreakerPermit, cause?: string): void {
    if (permit === 0 || permit >> 1 !== this.generation) return;
    if (permit & 1) {
      this.probesInFlight--;
      this.actor.send({ type: 'PROBE_FAILED', cause });
    } else this.closedFailure(cause);
  }

  /** The request of `permit` was abandoned by its caller: no verdict, but the probe slot is freed. */
  cancel(permit: BreakerPermit): void {
    if (permit === 0 || permit >> 1 !== this.generation) return;
    if (permit & 1) this.probesInFlight--;
  }

  /** Probe timeout: a probe in flight for `probeTimeoutMs` with no result re-opens the breaker. */
  private checkProbes(): void {
    this.probeTimer = undefined;
    if (this.s !== HALF_OPEN || this.probesInFlight === 0) return;
    const now = this.clock.now();
    const due = this.lastProbeAt + this.probeTimeoutMs;
    if (now >= due) {
      this.probesInFlight = 0;
      this.actor.send({ type: 'PROBE_FAILED', cause: `no probe result within ${this.probeTimeoutMs} ms` });
    } else this.probeTimer = this.clock.schedule(due - now, this.onProbeTimer);
  }

  /** Hot path: may a request go? Closed: yes. Open: no. Half-open: while probes in flight < halfOpenRequests. */
  allow(): boolean {
    const s = this.s;
    if (s === CLOSED) return true;
    if (s === HALF_OPEN && this.probesInFlight < this.halfOpenRequests) {
      this.probesInFlight++;
      return true;
    }
    this.rejected++;
    return false;
  }

  private closedSuccess(): void {
    this.consecutive = 0;
    if (this.rateOn) {
      const i = this.roll(this.clock.now());
      this.bucketTotal[i]++;
      this.winTotal++;
    }
  }

  /** An admitted request succeeded (untagged form of `success`; prefer permits). */
  onSuccess(): void {
    const s = this.s;
    if (s === CLOSED) {
      this.closedSuccess();
    } else if (s === HALF_OPEN && this.probesInFlight > 0) {
      this.probesInFlight--;
      if (++this.probeSuccesses >= this.halfOpenRequests) {
        this.actor.send({ type: 'PROBES_SUCCEEDED', probes: this.probeSuccesses });
      }
    }
  }

  /** An admitted request failed (untagged form of `failure`; prefer permits). */
  onFailure(cause?: string): void {
    const s = this.s;
    if (s === CLOSED) {
      this.closedFailure(cause);
    } else if (s === HALF_OPEN && this.probesInFlight > 0) {
      this.probesInFlight--;
      this.actor.send({ type: 'PROBE_FAILED', cause });
    }
  }

  private closedFailure(cause?: string): void {
    {
      this.lastCause = cause;
      const c = ++this.consecutive;
      if (c > this.peakConsecutive) this.peakConsecutive = c;
      if (this.rateOn) {
        const i = this.roll(this.clock.now());
        this.bucketTotal[i]++;
        this.bucketFail[i]++;
        this.winTotal++;
        this.winFail++;
      }
      if (this.rateOn && this.winTotal >= this.rateMinimum) {
        const rate = (this.winFail * 100) / this.winTotal;
        if (rate > this.peakRate) this.peakRate = rate;
      }
      if (c >= this.consecutiveLimit) {
        this.trip(`${c} consecutive failures${this.lastSuffix()}`);
      } else if (
        this.rateOn &&
        this.winTotal >= this.rateMinimum &&
        this.winFail * 100 >= this.rateThreshold * this.winTotal
      ) {
        this.trip(
          `failure rate ${pct((this.winFail * 100) / this.winTotal)}% ≥ ${pct(this.rateThreshold)}% ` +
            `over ${this.windowMs} ms (${this.winFail}/${this.winTotal} requests${this.lastSuffix(', ')})`,
        );
      }
    }
  }

  /**
   * What a report needs to answer "why did (or didn't) my breaker trip?": how close the closed
   * breaker came to each trigger, and how often it opened and refused.
   */
  summary(): BreakerSummary {
    return {
      subject: this.subject,
      state: this.state,
      opens: this.actor.getSnapshot().context.opens,
      rejected: this.rejected,
      peakConsecutiveFailures: this.peakConsecutive,
      consecutiveFailuresToTrip: Number.isFinite(this.consecutiveLimit) ? this.consecutiveLimit : null,
      peakFailureRatePct: this.rateOn ? Math.round(this.peakRate * 100) / 100 : null,
      failureRateToTripPct: this.rateOn ? this.rateThreshold : null,
    };
  }

  /** Requests currently in the failure-rate window and how many of them failed. */
  windowCounts(): { requests: number; failures: number } {
    if (this.rateOn) this.roll(this.clock.now());
    return { requests: this.winTotal, failures: this.winFail };
  }

  /** Stop the actor (cancels a pending open → half-open timer). */
  stop(): void {
    if (this.probeTimer !== undefined) this.clock.cancel(this.probeTimer);
    this.probeTimer = undefined;
    this.actor.stop();
  }

  private lastSuffix(sep = ' '): string {
    if (this.lastCause === undefined) return '';
    return sep === ' ' ? ` (last: ${this.lastCause})` : `${sep}last: ${this.lastCause}`;
  }

  private trip(reason: string): void {
    this.actor.send({ type: 'TRIP', reason });
  }

  /** Advance the ring to the bucket of `now`, expiring buckets that left the window; returns its slot. */
  private roll(now: number): number {
    const b = Math.floor(now / this.bucketMs);
    let h = this.head;
    if (b !== h) {
      if (b - h >= BUCKETS) {
        this.bucketTotal.fill(0);
        this.bucketFail.fill(0);
        this.winTotal = 0;
        this.winFail = 0;
      } else {
        while (h < b) {
          h++;
          const j = h % BUCKETS;
          this.winTotal -= this.bucketTotal[j];
          this.winFail -= this.bucketFail[j];
          this.bucketTotal[j] = 0;
          this.bucketFail[j] = 0;
        }
      }
      this.head = b;
    }
    return b % BUCKETS;
  }

  private resetCounters(): void {
    this.consecutive = 0;
    this.lastCause = undefined;
    this.bucketTotal.fill(0);
    this.bucketFail.fill(0);
    this.winTotal = 0;
    this.winFail = 0;
    this.head = Math.floor(this.clock.now() / this.bucketMs);
  }

  /** Snapshot observer: the only writer of the state mirror. */
  private sync(value: BreakerState, reason: string): void {
    const code = value === 'closed' ? CLOSED : value === 'open' ? OPEN : HALF_OPEN;
    if (code === this.s) return;
    this.s = code;
    this.generation++;
    if (code === CLOSED) this.resetCounters();
    else if (code === HALF_OPEN) {
      this.probesInFlight = 0;
      this.probeSuccesses = 0;
    } else {
      this.probesInFlight = 0;
    }
    this.sink?.(this.clock.now(), { kind: 'breaker', subject: this.subject, state: value, reason });
  }
}
