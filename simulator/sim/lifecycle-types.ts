/**
 * The objects one request is made of, from the inside out:
 *   Invocation — an execution of an endpoint on one instance (holds a worker slot);
 *   Call       — one logical call an invocation (or the load generator) makes to a service,
 *                with the caller's own timeout and code retries;
 *   SimExchange — one try of a Call through the caller's outbound proxy: the mesh core's
 *                `Exchange` (route, fault, pool, breaker, balancer, mesh retries, route timeout)
 *                plus the driver's timers and the attempt on the wire;
 *   Attempt    — one try of an Exchange on the wire to one instance (per-try timeout).
 * Plain classes with fixed shapes: the engine creates millions of them per wall second.
 */
import type { CompiledCall, CompiledEndpoint, SimInstance } from './world.ts';
import type { Cluster } from '../mesh/cluster.ts';
import { Exchange } from '../mesh/exchange.ts';
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
  exchange: SimExchange | null = null;
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

export class SimExchange extends Exchange {
  attempt: Attempt | null = null;
  /** Driver timers (0 = none): the route timeout, and a fault delay or retry back-off. */
  routeTimer = 0;
  waitTimer = 0;
  constructor(
    cluster: Cluster,
    req: RequestInfo,
    readonly call: Call,
    readonly appTry: number,
    /** The caller's outbound proxy (null: none). */
    readonly proxy: Proxy | null,
  ) {
    super(cluster, req);
  }
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
  /** How the try ended: a TRY_* kind of mesh/outcome.ts (0 response, 1 connect-failure, 2 reset, 3 per-try timeout). */
  kind = 0;
  epoch = 0;
  spanId = 0;
  /** With deadline propagation: when the caller gives up (the callee drops the work then). */
  deadline = Infinity;
  constructor(
    readonly ex: SimExchange,
    readonly inst: SimInstance,
    readonly sentAt: number,
    readonly isRetry: boolean,
  ) {}
}
