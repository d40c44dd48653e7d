/**
 * Envoy's connection-pool circuit breakers for one (client proxy, upstream cluster) pair
 * (mesh-semantics §1.3: limits are per Envoy instance, per upstream cluster).
 *
 * HTTP/1 semantics, one request per connection: a request goes while
 * `active < min(maxConnections, maxRequests)`; otherwise it waits as *pending* while
 * `pending < maxPendingRequests`; otherwise it overflows — the caller answers 503 with flag `UO`
 * (`x-envoy-overloaded`) and never retries it. When an active request ends, `release()` hands its
 * slot to the oldest pending request (FIFO) and returns it, so the caller starts it at once.
 *
 * Simplifications (documented): Envoy's guarantee of at least one connection per selected host
 * (which can exceed `max_connections` by the host count) and the distinction between
 * `max_requests` and `max_connections` overflow for HTTP/1 are not modelled: both limits fold into
 * the single `min(...)` above, as the brief asks.
 *
 * `retries` is the cluster's `max_retries` gauge (Envoy default 3 concurrent retries when no retry
 * budget is configured): `tryStartRetry()` before sending a retry, `endRetry()` when it finishes.
 *
 * The pending queue is a growable ring buffer: no allocation per `admit` once it has grown to the
 * steady-state backlog.
 */
import type { ConnectionPoolSpec } from '../model/types.ts';

/** Envoy's defaults when a cluster sets no thresholds. */
export const ENVOY_POOL_DEFAULTS: Readonly<ConnectionPoolSpec> = Object.freeze({
  maxConnections: 1024,
  maxPendingRequests: 1024,
  maxRequests: 1024,
  maxRetries: 3,
});

export type Admission = 'go' | 'queued' | 'overflow';

/** `admitCode` answers: a permit (a slot is now held), a place in the pending queue, or overflow (UO). */
export const ADMIT_GO = 0;
export const ADMIT_QUEUED = 1;
export const ADMIT_OVERFLOW = 2;
const ADMISSIONS: readonly Admission[] = ['go', 'queued', 'overflow'];

export class ConnectionPool<T> {
  readonly maxActive: number;
  readonly maxPending: number;
  readonly maxRetries: number;
  /** Requests holding a connection. */
  active = 0;
  /** Requests refused with UO (pending queue full). */
  overflows = 0;
  /** Retries in progress (the `max_retries` gauge). */
  retries = 0;
  /** Retries refused by `max_retries` (Envoy `upstream_rq_retry_overflow`). */
  retryOverflows = 0;

  private buf: (T | undefined)[];
  private headIdx = 0;
  private count = 0;
  private mask: number;

  constructor(spec: ConnectionPoolSpec = ENVOY_POOL_DEFAULTS) {
    this.maxActive = Math.max(0, Math.min(spec.maxConnections, spec.maxRequests));
    this.maxPending = Math.max(0, spec.maxPendingRequests);
    this.maxRetries = Math.max(0, spec.maxRetries);
    this.buf = new Array<T | undefined>(16).fill(undefined);
    this.mask = 15;
  }

  /** Requests waiting for a connection. */
  get pending(): number {
    return this.count;
  }

  /** Admit a request (the named form of `admitCode`). */
  admit(item: T): Admission {
    return ADMISSIONS[this.admitCode(item)];
  }

  /**
   * Hot path: ADMIT_GO hands out a slot (give it back with `release()`, exactly once);
   * ADMIT_QUEUED keeps `item` until `release()` hands it a slot or `removePending(item)`;
   * ADMIT_OVERFLOW refuses it.
   */
  admitCode(item: T): number {
    if (this.active < this.maxActive) {
      this.active++;
      return ADMIT_GO;
    }
    if (this.count < this.maxPending) {
      if (this.count === this.buf.length) this.grow();
      this.buf[(this.headIdx + this.count) & this.mask] = item;
      this.count++;
      return ADMIT_QUEUED;
    }
    this.overflows++;
    return ADMIT_OVERFLOW;
  }

  /**
   * Hot path: an active request ended. Returns the pending request that now takes its slot (the
   * caller starts it), or undefined when none waits (the slot is freed).
   */
  release(): T | undefined {
    if (this.count > 0) {
      const i = this.headIdx;
      const item = this.buf[i];
      this.buf[i] = undefined;
      this.headIdx = (i + 1) & this.mask;
      this.count--;
      return item;
    }
    if (this.active > 0) this.active--;
    return undefined;
  }

  /** A pending request gave up (its timeout fired). Returns false when it was not pending. O(1) for the oldest. */
  removePending(item: T): boolean {
    const n = this.count;
    if (n === 0) return false;
    const buf = this.buf;
    const mask = this.mask;
    const h = this.headIdx;
    if (buf[h] === item) {
      buf[h] = undefined;
      this.headIdx = (h + 1) & mask;
      this.count--;
      return true;
    }
    for (let k = 1; k < n; k++) {
      if (buf[(h + k) & mask] === item) {
        // Shift the younger items one step towards the head, keeping FIFO order.
        for (let m = k; m < n - 1; m++) buf[(h + m) & mask] = buf[(h + m + 1) & mask];
        buf[(h + n - 1) & mask] = undefined;
        this.count--;
        return true;
      }
    }
    return false;
  }

  /** Before sending a retry: false (and `retryOverflows`++) when `maxRetries` retries are already in progress. */
  tryStartRetry(): boolean {
    if (this.retries < this.maxRetries) {
      this.retries++;
      return true;
    }
    this.retryOverflows++;
    return false;
  }

  /** A retry admitted by `tryStartRetry()` finished. */
  endRetry(): void {
    if (this.retries > 0) this.retries--;
  }

  private grow(): void {
    const old = this.buf;
    const n = old.length;
    const next = new Array<T | undefined>(n * 2).fill(undefined);
    for (let k = 0; k < this.count; k++) next[k] = old[(this.headIdx + k) & this.mask];
    this.buf = next;
    this.headIdx = 0;
    this.mask = n * 2 - 1;
  }
}
