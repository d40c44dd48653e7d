/**
 * The objects one request is made of, from the inside out:
 *   Invocation — an execution of an endpoint on one instance (holds a worker slot);
 *   Call       — one logical call an invocation (or the load generator) makes to a service,
 *                with the caller's own timeout and code retries;
 *   Exchange   — one try of a Call through the caller's outbound proxy: route, fault, breaker,
 *                pool, balancer, mesh retries and the route timeout;
 *   Attempt    — one try of an Exchange on the wire to one instance (per-try timeout).
 * Plain classes with fixed shapes: the engine creates millions of them per wall second.
 */
import type { CompiledCall, CompiledEndpoint, SimInstance } from './world.ts';
import type { DestClient } from './dest-client.ts';
import type { Proxy } from './proxy.ts';
import type { RequestInfo } from '../mesh/types.ts';

export const ST_QUEUED = 0;
export const ST_RUNNING = 1;
export const ST_WAITING = 2;
export const ST_DONE = 3;

export class Invocation {
  state = ST_QUEUED;
  startedAt = 0;
  step = 0;
  pending = 0;
  failed = false;
  degraded = false;
  /** Cause index of the dependency failure that failed this invocation (-1 none). */
  failCause = -1;
  finishV = 0;
  spanId = 0;
  /** Index in the instance's active list (swap-remove). */
  activeIdx = -1;
  /** Deadline-propagation timer (0 = none). */
  deadlineTimer = 0;
  /** Which calls of the current group were drawn to happen (bit i = call i). */
  drawMask = 0;
  constructor(
    readonly inst: SimInstance,
    readonly ep: CompiledEndpoint,
    readonly attempt: Attempt,
    readonly arrivedAt: number,
    readonly epoch: number,
  ) {}
}

export class Call {
  /** App tries made so far (1 + code retries at most). */
  tries = 0;
  rep = 0;
  /** Timer handles: 0 = none. */
  timer = 0;
  done = false;
  startedAt = 0;
  tryStartedAt = 0;
  /** Tries of this logical request that reached the wire (retry amplification counts by request). */
  sentTries = 0;
  exchange: Exchange | null = null;
  /** Client calls: time of the first send, for user-perceived latency across reloads. */
  firstSentAt = 0;
  /** A fallback was used somewhere below this call. */
  degraded = false;
  onClientDone: ((call: Call, ok: boolean) => void) | null = null;
  constructor(
    /** Null for a request of the load generator. */
    readonly inv: Invocation | null,
    readonly spec: CompiledCall,
    /** Index of the request's header set. */
    readonly hdr: number,
    /** Bit 0: traced; bit 1: access-logged. */
    readonly sample: number,
    readonly traceId: number,
  ) {}
}

export class Exchange {
  /** Wire attempts made so far. */
  tries = 0;
  attempt: Attempt | null = null;
  routeTimer = 0;
  backoffTimer = 0;
  done = false;
  subset = -1;
  startedAt = 0;
  /** Whether the current attempt holds a connection-pool slot (or waits in its pending queue). */
  poolState = 0;
  /** Holds one of the client's concurrent-retry slots. */
  isRetry = false;
  lastHost = -1;
  routeTimeout = Infinity;
  faultAbort = 0;
  /** Counted in the client's active requests. */
  counted = false;
  /** The last try ended by its per-try timeout (a route timeout then reports UT as per-try). */
  attemptsFailedPerTry = false;
  constructor(
    readonly call: Call,
    readonly client: DestClient,
    readonly appTry: number,
    /** The caller's outbound proxy (null: none). */
    readonly proxy: Proxy | null,
    /** What the proxies see of the request (shared, never mutated). */
    readonly req: RequestInfo,
  ) {}
}

export const AT_INFLIGHT = 0;
export const AT_DONE = 1;
export const AT_ABANDONED = 2;

export class Attempt {
  state = AT_INFLIGHT;
  perTryTimer = 0;
  inv: Invocation | null = null;
  /** Outcome, set when the answer reaches the caller side. */
  status = 0;
  cause = -1;
  degraded = false;
  /** 0 response, 1 connect-failure, 2 reset. */
  kind = 0;
  epoch = 0;
  spanId = 0;
  /** With deadline propagation: when the caller gives up (the callee drops the work then). */
  deadline = Infinity;
  constructor(
    readonly ex: Exchange,
    readonly inst: SimInstance,
    readonly sentAt: number,
    readonly isRetry: boolean,
  ) {}
}
