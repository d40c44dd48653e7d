/**
 * What one client proxy knows about one destination service (Envoy: a cluster in one client
 * proxy): its router, fault filter, connection pool, breaker, outlier detector, balancer, retry
 * policy and retry gate — each optional — over a dynamic `EndpointSet`. Limits and detectors are
 * per client proxy, as in Envoy. `Exchange`s run the request chain against it (exchange.ts).
 *
 * Without any policy (no proxy, a service outside the mesh) a cluster reaches the destination as
 * a Kubernetes Service does: a uniformly random ready endpoint, no retries.
 *
 * Candidate lists (ready, not ejected — or every ready endpoint in panic — per subset) are cached
 * and rebuilt only when the endpoint set's version or the detector's ejections change.
 */
import type { Rng } from '../engine/types.ts';
import type { LoadBalancer } from './balancer.ts';
import type { CircuitBreaker } from './breaker.ts';
import type { EndpointSet } from './endpoints.ts';
import { SUBSET_ALL, type Exchange } from './exchange.ts';
import type { FaultInjector } from './fault.ts';
import type { OutlierDetector } from './outlier.ts';
import type { ConnectionPool } from './pool.ts';
import type { RetryGate } from './retry-budget.ts';
import type { RetryPolicy } from './retry.ts';
import type { Router } from './router.ts';
import type { Host, RequestInfo } from './types.ts';

export interface ClusterPolicy {
  router?: Router | null;
  /** Timeout over all tries when the route sets none (ms; Infinity = none). */
  routeTimeoutMs?: number;
  fault?: FaultInjector | null;
  pool?: ConnectionPool<Exchange> | null;
  breaker?: CircuitBreaker | null;
  outlier?: OutlierDetector | null;
  balancer?: LoadBalancer | null;
  retry?: RetryPolicy | null;
  /** The retry budget or the `maxRetries` gate (mesh/retry-budget.ts). */
  retryGate?: RetryGate | null;
  /** Tell the callee when the caller gives up (SEND's `deadline`). */
  deadlinePropagation?: boolean;
  /** Retries pick their subset again (Linkerd); otherwise the first try's subset holds (Envoy). */
  rerouteOnRetry?: boolean;
}

export class Cluster {
  readonly router: Router | null;
  readonly routeTimeoutMs: number;
  readonly fault: FaultInjector | null;
  readonly pool: ConnectionPool<Exchange> | null;
  readonly breaker: CircuitBreaker | null;
  readonly outlier: OutlierDetector | null;
  readonly balancer: LoadBalancer | null;
  readonly retry: RetryPolicy | null;
  readonly retryGate: RetryGate | null;
  readonly deadlinePropagation: boolean;
  readonly rerouteOnRetry: boolean;
  /** The retry policy's per-try timeout (Infinity = none). */
  readonly perTryTimeoutMs: number;

  /** Requests (exchanges) active through this cluster: Envoy's rq_active + rq_pending. */
  active = 0;
  /** Retries in progress (Envoy rq_retry_open). */
  activeRetries = 0;

  /** One Host per slot (index = slot): its `active` is this cluster's load on the endpoint. */
  private readonly hosts: Host[] = [];
  private readonly subsetNames: string[] = [];
  private readonly subsetByName = new Map<string, number>();
  /** Slots of each subset, and of all (last list); rebuilt with the endpoint set's version. */
  private subsetSlots: number[][] = [[]];
  private seenVersion = -1;
  /** Bumped at every rebuild of the slot lists (keys the candidate cache). */
  private layout = 0;
  private readonly cache: Host[][] = [];
  private readonly cacheKey: number[] = [];
  private readonly cacheVersion: number[] = [];
  /** Exchanges handed a pool slot and not resumed yet (ring buffer). */
  private woken: (Exchange | undefined)[] = new Array<Exchange | undefined>(16);
  private wokenHead = 0;
  private wokenCount = 0;

  constructor(
    readonly endpoints: EndpointSet,
    policy: ClusterPolicy,
    /** Draws for routing, faults, back-offs and the policy-less pick. */
    readonly rng: Rng,
    /** Subject of events, e.g. `productpage-v1-0 → reviews`. */
    readonly label = 'cluster',
  ) {
    this.router = policy.router ?? null;
    this.routeTimeoutMs = policy.routeTimeoutMs ?? Infinity;
    this.fault = policy.fault ?? null;
    this.pool = policy.pool ?? null;
    this.breaker = policy.breaker ?? null;
    this.outlier = policy.outlier ?? null;
    this.balancer = policy.balancer ?? null;
    this.retry = policy.retry ?? null;
    this.retryGate = policy.retryGate ?? null;
    this.deadlinePropagation = policy.deadlinePropagation ?? false;
    this.rerouteOnRetry = policy.rerouteOnRetry ?? false;
    this.perTryTimeoutMs = this.retry?.perTryTimeout ?? Infinity;
    this.sync();
  }

  /** Subset index of a subset name (`'*'` → SUBSET_ALL). A subset no endpoint carries (yet) is empty: UH. */
  subsetIndex(name: string): number {
    if (name === '*') return SUBSET_ALL;
    if (this.endpoints.version !== this.seenVersion) this.sync();
    const k = this.subsetByName.get(name);
    if (k !== undefined) return k;
    this.subsetByName.set(name, this.subsetNames.length);
    this.subsetNames.push(name);
    this.rebuild();
    return this.subsetNames.length - 1;
  }

  /** This cluster's requests outstanding on an endpoint. */
  hostActive(slot: number): number {
    const h = this.hosts[slot];
    return h === undefined ? 0 : h.active;
  }

  /** Σ host load (for invariant checks). */
  totalHostActive(): number {
    let n = 0;
    for (const h of this.hosts) n += h.active;
    return n;
  }

  /** @internal An exchange starts a try on `slot`. */
  hostAcquire(slot: number): void {
    this.hosts[slot].active++;
  }

  /** @internal Its try ended (called once per acquire: the exchange holds the handle). */
  hostRelease(slot: number): void {
    const h = this.hosts[slot];
    if (h.active > 0) h.active--;
  }

  /** @internal A held pool slot was given back: hand it to the oldest pending exchange, if any. */
  poolSlotFreed(): void {
    const next = this.pool!.release();
    if (next === undefined) return;
    next.poolState = 1;
    next.state = 3; // EX_WOKEN
    this.pushWoken(next);
  }

  /**
   * The next exchange that a freed pool slot woke, or null. The driver calls `resume(now)` on
   * each, in a loop, after every call that may free a slot (attemptEnded, routeTimeout, cancel,
   * and any RESPOND).
   */
  nextWoken(): Exchange | null {
    if (this.wokenCount === 0) return null;
    const w = this.woken;
    const ex = w[this.wokenHead]!;
    w[this.wokenHead] = undefined;
    this.wokenHead = (this.wokenHead + 1) % w.length;
    this.wokenCount--;
    return ex;
  }

  /** Exchanges woken and not yet resumed. */
  get wokenPending(): number {
    return this.wokenCount;
  }

  private pushWoken(ex: Exchange): void {
    let w = this.woken;
    if (this.wokenCount === w.length) {
      const bigger = new Array<Exchange | undefined>(w.length * 2);
      for (let i = 0; i < this.wokenCount; i++) bigger[i] = w[(this.wokenHead + i) % w.length];
      this.woken = w = bigger;
      this.wokenHead = 0;
    }
    w[(this.wokenHead + this.wokenCount) % w.length] = ex;
    this.wokenCount++;
  }

  /**
   * Pick an endpoint slot of the subset among ready, non-ejected endpoints (all ready ones in
   * panic); `avoid` is the previous try's slot (retry to another host). -1 when none (UH).
   */
  pick(subset: number, req: RequestInfo, avoid: number): number {
    if (this.endpoints.version !== this.seenVersion) this.sync();
    const s = subset < 0 ? this.subsetSlots.length - 1 : subset;
    const outlier = this.outlier;
    const panic = outlier !== null && outlier.inPanic();
    const key = outlier ? (outlier.ejections * 2 + (panic ? 1 : 0)) * 65536 + outlier.ejectedCount : 0;
    const version = this.layout;
    let cands = this.cache[s];
    if (cands === undefined || this.cacheKey[s] !== key || this.cacheVersion[s] !== version) {
      cands = [];
      const list = this.subsetSlots[s] ?? [];
      const eps = this.endpoints;
      for (let i = 0; i < list.length; i++) {
        const h = list[i];
        if (!eps.isReady(h)) continue;
        if (outlier && !panic && outlier.isEjected(h)) continue;
        cands.push(this.hosts[h]);
      }
      this.cache[s] = cands;
      this.cacheKey[s] = key;
      this.cacheVersion[s] = version;
    }
    const n = cands.length;
    if (n === 0) return -1;
    if (this.balancer !== null) {
      const h = this.balancer.pick(cands, req, avoid >= 0 ? this.hosts[avoid] : undefined);
      return h === undefined ? -1 : h.index;
    }
    return n === 1 ? cands[0].index : cands[Math.floor(this.rng.next() * n)].index;
  }

  /** Follow the endpoint set: new slots get a Host, subsets are indexed, the detector is told. */
  private sync(): void {
    const eps = this.endpoints;
    if (eps.version === this.seenVersion) return;
    this.seenVersion = eps.version;
    const slots = eps.slots;
    for (let i = this.hosts.length; i < slots; i++) {
      this.hosts.push({ index: i, key: eps.key(i) ?? String(i), active: 0 });
    }
    this.rebuild();
    if (this.outlier !== null) this.outlier.follow(eps);
  }

  private rebuild(): void {
    const eps = this.endpoints;
    const slots = eps.slots;
    this.layout++;
    const lists: number[][] = this.subsetNames.map(() => []);
    const all: number[] = [];
    for (let i = 0; i < slots; i++) {
      if (eps.key(i) === undefined) continue;
      const name = eps.subset(i);
      let k = this.subsetByName.get(name);
      if (k === undefined) {
        k = this.subsetNames.length;
        this.subsetNames.push(name);
        this.subsetByName.set(name, k);
        lists.push([]);
      }
      lists[k].push(i);
      all.push(i);
    }
    lists.push(all);
    this.subsetSlots = lists;
  }
}
