/**
 * One downstream request through a client proxy's cluster, sans-I/O: the chain
 *
 *   route → fault (delay / abort) → pool → breaker → balance → try → retry decision / back-off
 *
 * with all its bookkeeping, and no timer, socket or clock of its own. The driver (the simulator's
 * DataPlane on the virtual clock, or a real sidecar on the wall clock) performs each command the
 * exchange returns and feeds back what happened. How a driver runs it:
 *
 * ```ts
 * const ex = new Exchange(cluster, req);          // one per downstream request
 * ex.callerDeadline = Infinity;                    // optional: when the caller gives up
 * perform(ex, ex.start(clock.now()));
 *
 * function perform(ex: Exchange, cmd: Command): void {
 *   if (cmd & CMD_ARM_ROUTE_TIMER)                 // once, when the request reaches the router
 *     ex.routeTimer = timers.set(ex.routeTimeoutMs, () => { perform(ex, ex.routeTimeout(clock.now())); abortWire(ex); });
 *   switch (cmd & CMD_MASK) {
 *     case CMD_DELAY:   timers.set(ex.waitMs, () => perform(ex, ex.resume(clock.now()))); break; // fault delay (DI)
 *     case CMD_BACKOFF: timers.set(ex.waitMs, () => perform(ex, ex.resume(clock.now()))); break; // before a retry
 *     case CMD_QUEUE:   break;                      // waits for a pool slot: see nextWoken() below
 *     case CMD_SEND:                               // one try to endpoint slot `ex.slot` (key: endpoints.key(ex.slot))
 *       sendTo(ex.slot, { perTryTimeoutMs: ex.perTryTimeoutMs, deadline: ex.deadline }, (kind, status, cause) =>
 *         perform(ex, ex.attemptEnded(clock.now(), kind, status, cause)));  // TRY_RESPONSE, TRY_CONNECT_FAILURE, …
 *       // on the per-try timer (ex.perTryTimeoutMs): abort the try, then
 *       //   perform(ex, ex.attemptEnded(now, TRY_PER_TRY_TIMEOUT, 504, CAUSE_PER_TRY_TIMEOUT))
 *       break;
 *     case CMD_RESPOND: timers.clear(ex.routeTimer); reply(ex.status, ex.cause, flagsText(ex.flags)); break;
 *     case CMD_NONE:    break;                      // nothing to do (the exchange was already over)
 *   }
 *   // A try that ended (or a reply, or a cancel) may have freed a pool slot: start the requests
 *   // that were waiting for one. A loop, never a recursion: 10 000 queued requests cost no stack.
 *   for (let w = ex.cluster.nextWoken(); w !== null; w = ex.cluster.nextWoken()) perform(w, w.resume(clock.now()));
 * }
 * // The downstream went away (caller timeout, client disconnect): release everything, answer nobody.
 * ex.cancel(clock.now());   // idempotent; then drain nextWoken() as above and clear your timers
 * ```
 *
 * Command operands are plain numeric fields of the exchange (`waitMs`, `slot`, `perTryTimeoutMs`,
 * `deadline`, `status`, `cause`, `flags`): nothing is allocated per command, and the per-request
 * state can later move into typed-array columns. Causes are the shared codes of
 * `model/causes.ts`; flags are Envoy's (`flagsText`).
 *
 * States:
 *
 *   NEW ─start─► DELAYING ─resume─┐         (fault delay; an abort answers FI after it)
 *    │                            ▼
 *    └──────────────────────► [router: arm route timer] ─► pool ──full──► QUEUED ─slot─► WOKEN ─resume─┐
 *                                                          │ ▲                                        │
 *                                        overflow: UO ◄────┘ └──────────── BACKOFF ◄─ retry ◄──┐       ▼
 *                                                          breaker ─open: UO─► DONE           │    SENDING ─attemptEnded─► retry?
 *                                                          balance ─none: UH─► DONE           └─────────────────────────────┘
 *   any state ─cancel─► DONE (permits cancelled) · ─routeTimeout─► DONE (504 UT) · answers ─► DONE
 *
 * Resources are held as permits released exactly once on every path: the cluster's active-request
 * count, a concurrent-retry count, a pool slot (or a place in its pending queue), a breaker permit
 * (generation-tagged; a probe in half-open) and the host load of the endpoint being tried.
 */
import {
  CAUSE_BREAKER_OPEN,
  CAUSE_BUDGET,
  CAUSE_FAULT_ABORT,
  CAUSE_NO_HEALTHY,
  CAUSE_NO_ROUTE,
  CAUSE_NONE,
  CAUSE_PER_TRY_TIMEOUT,
  CAUSE_POOL_OVERFLOW,
  CAUSE_ROUTE_TIMEOUT,
  FAILURE_CAUSES,
} from '../model/causes.ts';
import type { Cluster } from './cluster.ts';
import {
  CLASS_IGNORED,
  CLASS_SUCCESS,
  classifyTry,
  FLAG_URX,
  FLAG_UO,
  flagBitsOfCause,
  flagsText,
  TRY_PER_TRY_TIMEOUT,
  TRY_RESPONSE,
  tryCause,
  tryStatus,
} from './outcome.ts';
import { ADMIT_GO, ADMIT_OVERFLOW } from './pool.ts';
import type { RequestInfo } from './types.ts';

export type Command = number;
/** Nothing to do. */
export const CMD_NONE = 0;
/** Wait `waitMs` (injected fault delay), then `resume`. */
export const CMD_DELAY = 1;
/** Wait for a pool slot: the exchange comes back from `cluster.nextWoken()`; then `resume`. */
export const CMD_QUEUE = 2;
/** Send one try to endpoint `slot`, bounded by `perTryTimeoutMs`; report with `attemptEnded`. */
export const CMD_SEND = 3;
/** Wait `waitMs` before the next try, then `resume`. */
export const CMD_BACKOFF = 4;
/** Answer downstream: `status`, `cause` (CAUSE_NONE = success), Envoy `flags`. */
export const CMD_RESPOND = 5;
export const CMD_MASK = 7;
/** Or-ed onto a command once: start the route timer (`routeTimeoutMs`), then call `routeTimeout`. */
export const CMD_ARM_ROUTE_TIMER = 8;

export const EX_NEW = 0;
export const EX_DELAYING = 1;
export const EX_QUEUED = 2;
export const EX_WOKEN = 3;
export const EX_SENDING = 4;
export const EX_BACKOFF = 5;
export const EX_DONE = 6;
export const EXCHANGE_STATES = ['new', 'delaying', 'queued', 'woken', 'sending', 'backoff', 'done'] as const;

/** Subset index meaning "every endpoint of the service". */
export const SUBSET_ALL = -1;

const HOLD_COUNTED = 1;
const HOLD_RETRY = 2;
const HOLD_FAILED_PER_TRY = 4;

const POOL_NONE = 0;
const POOL_HELD = 1;
const POOL_PENDING = 2;

export class Exchange {
  state = EX_NEW;
  // ── decisions, fixed once made ──
  /** Subset index the router chose (SUBSET_ALL without routes). Linkerd-like clusters re-route retries. */
  subset = SUBSET_ALL;
  /** The matched route's timeout (ms; -1 = none). Small integers keep the object's fields unboxed. */
  private routeTimeoutField = -1;
  /** Fault delay served before the router (ms; 0 = none). */
  private delayedMs = 0;
  /** Injected abort status (0 = none). */
  faultAbort = 0;
  /** When the downstream caller gives up (-1 = never); see `callerDeadline`. */
  private callerGivesUp = -1;
  startedAt = 0;

  // ── operands of the last command ──
  /** DELAY / BACKOFF: how long to wait, ms. */
  waitMs = 0;
  /** SEND: the endpoint slot to try (the driver maps it to an address / instance). */
  slot = -1;
  /** Only written with deadline propagation (keeps the field a small integer otherwise). */
  private sendDeadline = 0;
  /** RESPOND: status, cause (CAUSE_NONE = success), Envoy flag bits. */
  status = 0;
  cause = CAUSE_NONE;
  flags = 0;

  // ── what the last ended try was (metrics, spans, access log) ──
  /** Wire tries made so far. */
  tries = 0;
  /** Cause of the try that just ended (CAUSE_NONE = it succeeded; -2 = no try ended). */
  lastTryCause = -2;
  /** Status the try that just ended stands for. */
  lastTryStatus = 0;

  // ── permits and counters (released exactly once) ──
  /** Bits: 1 counted in the cluster's active requests, 2 holds a concurrent-retry count, 4 a try ended by its per-try timeout. */
  private holds = 0;
  /** @internal pool slot: 0 none, 1 held, 2 pending in the pool's queue. */
  poolState = POOL_NONE;
  private permit = 0;
  private hostSlot = -1;

  constructor(
    readonly cluster: Cluster,
    /** What the proxy sees of the request (shared, never mutated). */
    readonly req: RequestInfo,
  ) {}

  /** Absolute time the route timeout fires, once the request reached the router (Infinity = none). */
  get routeDeadline(): number {
    return this.state === EX_NEW || this.state === EX_DELAYING
      ? Infinity
      : this.startedAt + this.delayedMs + this.routeTimeoutMs;
  }

  /** SEND: per-try timeout, ms (Infinity = none: the route timeout bounds the try). */
  get perTryTimeoutMs(): number {
    return this.cluster.perTryTimeoutMs;
  }

  /** SEND: with deadline propagation, when the callee may drop the work (Infinity otherwise). */
  get deadline(): number {
    return this.cluster.deadlinePropagation ? this.sendDeadline : Infinity;
  }

  /** The matched route's timeout over all tries and back-offs (Infinity = none). */
  get routeTimeoutMs(): number {
    return this.routeTimeoutField < 0 ? Infinity : this.routeTimeoutField;
  }

  /** Set by the driver before `start`: when the downstream caller gives up (for deadline propagation). */
  get callerDeadline(): number {
    return this.callerGivesUp < 0 ? Infinity : this.callerGivesUp;
  }

  set callerDeadline(t: number) {
    this.callerGivesUp = t === Infinity ? -1 : t;
  }

  /** Flag bits of the try that just ended (UF, UC, UT…; 0 when it succeeded). */
  get lastTryFlags(): number {
    return this.lastTryCause < 0 ? 0 : flagBitsOfCause(this.lastTryCause);
  }

  get done(): boolean {
    return this.state === EX_DONE;
  }

  /** The RESPOND flags as Envoy prints them (`UF,URX`, `-`). */
  get flagsText(): string {
    return flagsText(this.flags);
  }

  /** The request arrives at the client proxy. */
  start(now: number): Command {
    if (this.state !== EX_NEW) return CMD_NONE;
    const c = this.cluster;
    this.startedAt = now;
    const router = c.router;
    this.routeTimeoutField = c.routeTimeoutMs === Infinity ? -1 : c.routeTimeoutMs;
    if (router !== null) {
      const d = router.route(this.req, c.rng);
      if (d === null) return this.respond(404, CAUSE_NO_ROUTE, 0);
      this.subset = c.subsetIndex(d.subset);
      if (d.timeout !== undefined) this.routeTimeoutField = d.timeout === Infinity ? -1 : d.timeout;
    }
    c.active++;
    this.holds |= HOLD_COUNTED;
    if (c.retryGate !== null) c.retryGate.recordRequest(now);
    const fault = c.fault;
    if (fault !== null) {
      const f = fault.decide(this.req, c.rng);
      this.faultAbort = f.abortStatus;
      if (f.delayMs > 0) {
        // Envoy's fault filter runs before the router: the delay is not bounded by its timeouts.
        this.state = EX_DELAYING;
        this.waitMs = f.delayMs;
        this.delayedMs = f.delayMs;
        return CMD_DELAY;
      }
    }
    return this.toRouter(now);
  }

  /** A DELAY or BACKOFF elapsed, or the pool woke this exchange (`cluster.nextWoken()`). */
  resume(now: number): Command {
    switch (this.state) {
      case EX_DELAYING:
        return this.toRouter(now);
      case EX_BACKOFF: {
        const c = this.cluster;
        // Envoy keeps the split's choice for every try of a request; Linkerd balances each retry anew.
        if (c.rerouteOnRetry && c.router !== null) {
          const d = c.router.route(this.req, c.rng);
          if (d !== null) this.subset = c.subsetIndex(d.subset);
        }
        return this.toPool(now);
      }
      case EX_WOKEN:
        return this.admitted(now);
      default:
        return CMD_NONE;
    }
  }

  /**
   * The try sent by the last SEND ended: `kind` is a `TRY_*` constant, `status` the response's
   * (ignored for local-origin failures), `upstreamCause` the upstream's own cause code
   * (CAUSE_NONE for a plain answer; e.g. CAUSE_5XX, CAUSE_OVERFLOW from the callee).
   */
  attemptEnded(now: number, kind: number, status: number, upstreamCause: number): Command {
    if (this.state !== EX_SENDING) return CMD_NONE;
    if (kind !== TRY_RESPONSE || status >= 500) return this.tryFailed(now, kind, status, upstreamCause);
    // The common case, kept small: an answer below 500 ends the exchange (a success for the
    // detectors even when the upstream refused it, e.g. 403 or 404).
    const c = this.cluster;
    this.lastTryCause = upstreamCause;
    this.lastTryStatus = status;
    if (c.outlier !== null) c.outlier.onTryClass(this.hostSlot, CLASS_SUCCESS);
    const p = this.permit;
    if (p !== 0) {
      this.permit = 0;
      c.breaker!.success(p);
    }
    this.releaseAfterTry();
    return this.respond(status, upstreamCause, 0);
  }

  /** A try that failed (5xx, connect failure, reset, per-try timeout): record it, then retry or answer. */
  private tryFailed(now: number, kind: number, status: number, upstreamCause: number): Command {
    const c = this.cluster;
    const cls = classifyTry(kind, status);
    const st = tryStatus(kind, status);
    const cause = tryCause(kind, upstreamCause);
    this.lastTryCause = cause;
    this.lastTryStatus = st;
    if (kind === TRY_PER_TRY_TIMEOUT) this.holds |= HOLD_FAILED_PER_TRY;
    // Detectors first: a failure is recorded before the freed slot admits the next request.
    if (c.outlier !== null && cls !== CLASS_IGNORED) c.outlier.onTryClass(this.hostSlot, cls);
    this.reportBreaker(cls === CLASS_SUCCESS, cause);
    this.releaseAfterTry();
    const retry = c.retry;
    if (retry === null) return this.respond(st, cause, 0);
    const done = this.tries - 1;
    if (!retry.matchesTry(kind, status)) return this.respond(st, cause, 0);
    // Envoy: retries exhausted → the last response goes back with URX (RetryStatus::NoRetryLimitExceeded).
    if (done >= retry.attempts) return this.respond(st, cause, FLAG_URX);
    const gate = c.retryGate;
    if (gate !== null) {
      // Envoy: a retry refused by max_retries / the budget → UO (RetryStatus::NoOverflow).
      if (!gate.admit(now, c.active, c.activeRetries)) return this.respond(st, CAUSE_BUDGET, FLAG_UO);
      gate.recordRetry(now);
    }
    c.activeRetries++;
    this.holds |= HOLD_RETRY;
    this.state = EX_BACKOFF;
    this.waitMs = retry.backoffMs(done + 1, c.rng);
    return CMD_BACKOFF;
  }

  /** After a try: its host load, its pool slot (handed on) and its concurrent-retry count. */
  private releaseAfterTry(): void {
    this.releaseHost();
    this.releasePool();
    if (this.holds & HOLD_RETRY) {
      this.holds &= ~HOLD_RETRY;
      this.cluster.activeRetries--;
    }
  }

  /** The route timer fired: give up on the request (504 UT), resetting a try in flight. */
  routeTimeout(now: number): Command {
    void now;
    const s = this.state;
    if (s === EX_DONE || s === EX_NEW || s === EX_DELAYING) return CMD_NONE;
    this.lastTryCause = -2;
    if (s === EX_SENDING) {
      // The proxy resets the upstream request: detectors see a local-origin timeout (504).
      const c = this.cluster;
      if (c.outlier !== null) c.outlier.onTryClass(this.hostSlot, classifyTry(TRY_PER_TRY_TIMEOUT, 504));
      this.reportBreaker(false, CAUSE_ROUTE_TIMEOUT);
      this.releaseHost();
      this.lastTryCause = CAUSE_ROUTE_TIMEOUT;
      this.lastTryStatus = 504;
    }
    return this.respond(
      504,
      this.holds & HOLD_FAILED_PER_TRY ? CAUSE_PER_TRY_TIMEOUT : CAUSE_ROUTE_TIMEOUT,
      0,
    );
  }

  /**
   * The downstream went away (its own timeout, a disconnect): release every permit and answer
   * nobody. A breaker permit is cancelled, not failed: the caller's impatience says nothing about
   * the upstream, and a half-open probe must not stay counted forever. Idempotent.
   */
  cancel(now: number): void {
    void now;
    if (this.state === EX_DONE) return;
    if (this.permit !== 0) {
      this.cluster.breaker?.cancel(this.permit);
      this.permit = 0;
    }
    this.releaseHost();
    this.finish();
  }

  // ───────────────────────── the chain ─────────────────────────

  private toRouter(now: number): Command {
    if (this.faultAbort > 0) {
      // An injected abort never reaches the router: never retried, flag FI.
      return this.respond(this.faultAbort, CAUSE_FAULT_ABORT, 0);
    }
    void now;
    const arm = this.routeTimeoutField >= 0 ? CMD_ARM_ROUTE_TIMER : 0;
    // The state leaves NEW/DELAYING here: routeDeadline is defined from now on.
    return this.toPool(now) | arm;
  }

  private toPool(now: number): Command {
    const pool = this.cluster.pool;
    if (pool !== null) {
      const a = pool.admitCode(this);
      if (a === ADMIT_OVERFLOW) return this.respond(503, CAUSE_POOL_OVERFLOW, 0);
      if (a !== ADMIT_GO) {
        this.poolState = POOL_PENDING;
        this.state = EX_QUEUED;
        return CMD_QUEUE;
      }
      this.poolState = POOL_HELD;
    }
    return this.admitted(now);
  }

  /** Past the pool: ask the breaker, pick an endpoint, send. */
  private admitted(now: number): Command {
    const c = this.cluster;
    const breaker = c.breaker;
    if (breaker !== null) {
      const p = breaker.acquire();
      if (p === 0) return this.respond(503, CAUSE_BREAKER_OPEN, 0);
      this.permit = p;
    }
    const retry = c.retry;
    const avoid = this.slot >= 0 && retry !== null && retry.otherHost ? this.slot : -1;
    const slot = c.pick(this.subset, this.req, avoid);
    if (slot < 0) {
      // The breaker admitted this request (maybe as a half-open probe): it must hear the outcome.
      this.reportBreaker(false, CAUSE_NO_HEALTHY);
      return this.respond(503, CAUSE_NO_HEALTHY, 0);
    }
    this.tries++;
    this.slot = slot;
    this.hostSlot = slot;
    c.hostAcquire(slot);
    this.state = EX_SENDING;
    if (c.deadlinePropagation) {
      let d = this.callerDeadline;
      const route = this.routeDeadline;
      if (route < d) d = route;
      const perTry = now + c.perTryTimeoutMs;
      if (perTry < d) d = perTry;
      this.sendDeadline = d;
    }
    return CMD_SEND;
  }

  private respond(status: number, cause: number, extraFlags: number): Command {
    this.status = status;
    this.cause = cause;
    if (cause === CAUSE_NONE) this.flags = extraFlags;
    else {
      let f = flagBitsOfCause(cause) | extraFlags;
      if (extraFlags !== 0 || cause === CAUSE_BUDGET) f |= this.lastTryFlags;
      this.flags = f;
    }
    this.finish();
    return CMD_RESPOND;
  }

  private reportBreaker(success: boolean, cause: number): void {
    const p = this.permit;
    if (p === 0) return;
    this.permit = 0;
    const b = this.cluster.breaker!;
    if (success) b.success(p);
    else b.failure(p, FAILURE_CAUSES[cause] ?? 'error');
  }

  /** Host load: a handle released once; a second release does nothing. */
  releaseHost(): void {
    const s = this.hostSlot;
    if (s < 0) return;
    this.hostSlot = -1;
    this.cluster.hostRelease(s);
  }

  /** Give back the pool slot (handing it to the oldest pending request) or leave the pending queue. */
  private releasePool(): void {
    const s = this.poolState;
    if (s === POOL_NONE) return;
    this.poolState = POOL_NONE;
    const c = this.cluster;
    if (s === POOL_PENDING) c.pool!.removePending(this);
    else c.poolSlotFreed();
  }

  /** Give back everything the exchange holds in its cluster. */
  private finish(): void {
    this.state = EX_DONE;
    const c = this.cluster;
    this.releasePool();
    const h = this.holds;
    if (h & HOLD_COUNTED) c.active--;
    if (h & HOLD_RETRY) c.activeRetries--;
    this.holds = h & HOLD_FAILED_PER_TRY;
  }
}
