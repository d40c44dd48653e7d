/**
 * What one caller-side proxy knows about one destination service (Envoy: a cluster in one client
 * proxy): its router, fault filter, breaker, connection pool, outlier detector, balancer, retry
 * policy and budget, each optional. Limits and detectors are per client proxy, as in Envoy.
 * Without a proxy (the load generator, a service outside the mesh, or no data plane) the
 * destination is reached like a Kubernetes Service: a random ready instance, no retries.
 */
import type { Rng } from '../engine/types.ts';
import type { AttemptOutcome, Host, RequestInfo } from '../mesh/types.ts';
import type { SimInstance, SimService } from './world.ts';

export interface RouterLike {
  route(req: RequestInfo, rng: Rng): { subset: string; timeout?: number } | null;
}
export interface FaultLike {
  /** Fills `delayMs` (0 = none) and `abortStatus` (0 = none). */
  decide(req: RequestInfo, rng: Rng): { delayMs: number; abortStatus: number };
}
export interface BreakerLike {
  allow(): boolean;
  onSuccess(): void;
  onFailure(reason?: string): void;
}
export interface PoolLike<T> {
  admit(item: T): 'go' | 'queued' | 'overflow';
  release(): T | undefined;
  removePending(item: T): boolean;
}
export interface OutlierLike {
  onResult(host: number, outcome: AttemptOutcome): void;
  isEjected(host: number): boolean;
  inPanic(): boolean;
  /** Ejections so far and hosts ejected now (they key the candidate cache). */
  readonly ejections: number;
  readonly ejectedCount: number;
}
export interface BalancerLike {
  pick(candidates: readonly Host[], req: RequestInfo, avoid?: Host): Host | undefined;
}
export interface RetryLike {
  readonly attempts: number;
  /** Undefined = no per-try timeout (the route timeout bounds every try). */
  readonly perTryTimeout: number | undefined;
  readonly otherHost: boolean;
  shouldRetry(outcome: AttemptOutcome, retriesDone: number): boolean;
  backoffMs(retryNumber: number, rng: Rng): number;
}
/** The cluster's retry gate: a budget, or the `maxRetries` threshold (mesh/retry-budget.ts). */
export interface BudgetLike {
  /** May one more retry start now, given the cluster's active requests and retries? */
  admit(now: number, activeRequests: number, activeRetries: number): boolean;
  recordRequest(now: number): void;
  recordRetry(now: number): void;
}

export const SUBSET_ALL = -1;
export const NO_ROUTE = -2;

export class DestClient {
  readonly hosts: Host[];
  /** Instance host indices per subset (version index); the last entry is "all". */
  readonly subsetHosts: number[][];
  router: RouterLike | null = null;
  fault: FaultLike | null = null;
  breaker: BreakerLike | null = null;
  pool: PoolLike<unknown> | null = null;
  outlier: OutlierLike | null = null;
  balancer: BalancerLike | null = null;
  retry: RetryLike | null = null;
  budget: BudgetLike | null = null;
  routeTimeout = Infinity;
  /** Requests (exchanges) and retries currently active through this client. */
  active = 0;
  activeRetries = 0;
  deadlinePropagation = false;
  /** Retries pick their subset again (Linkerd); otherwise the first try's subset holds (Envoy). */
  rerouteOnRetry = false;
  private readonly subsetIndex: Map<string, number>;

  constructor(
    readonly svc: SimService,
    /** Subject of events, e.g. `productpage-v1-0 → reviews`. */
    readonly label: string,
  ) {
    this.hosts = svc.instances.map((i) => ({ index: i.hostIndex, active: 0 }));
    this.subsetHosts = svc.versions.map((v) => v.instances.map((i) => i.hostIndex));
    this.subsetHosts.push(svc.instances.map((i) => i.hostIndex));
    this.subsetIndex = new Map(svc.versions.map((v, i) => [v.name, i]));
  }

  /** The matched route's timeout, set by the last `route` call (no object per request on the hot path). */
  routedTimeout = Infinity;

  /** Subset index for a request; SUBSET_ALL without a router; NO_ROUTE when no route matches. */
  route(req: RequestInfo, rng: Rng): number {
    this.routedTimeout = this.routeTimeout;
    if (!this.router) return SUBSET_ALL;
    const d = this.router.route(req, rng);
    if (!d) return NO_ROUTE;
    if (d.timeout !== undefined) this.routedTimeout = d.timeout;
    return d.subset === '*' ? SUBSET_ALL : (this.subsetIndex.get(d.subset) ?? NO_ROUTE);
  }

  /** Candidate lists per subset, rebuilt only when readiness or ejections change. */
  private readonly cache: Host[][] = [];
  private readonly cacheKey: number[] = [];
  private readonly cacheEpoch: number[] = [];
  /**
   * Pick an instance of the subset among ready, non-ejected hosts (all ready hosts in panic).
   * `avoid` is the previous host of a retry. Returns null when none is available (UH).
   */
  pick(subset: number, req: RequestInfo, rng: Rng, avoid: number): SimInstance | null {
    const s = subset < 0 ? this.subsetHosts.length - 1 : subset;
    const outlier = this.outlier;
    const panic = outlier !== null && outlier.inPanic();
    // Keys that change whenever the candidate set may have: readiness, ejections, panic.
    const epoch = this.svc.readinessEpoch;
    const key = outlier ? (outlier.ejections * 2 + (panic ? 1 : 0)) * 65536 + outlier.ejectedCount : 0;
    let cands = this.cache[s];
    if (cands === undefined || this.cacheKey[s] !== key || this.cacheEpoch[s] !== epoch) {
      cands = [];
      const list = this.subsetHosts[s];
      const inst = this.svc.instances;
      for (let i = 0; i < list.length; i++) {
        const h = list[i];
        if (!inst[h].ready) continue;
        if (outlier && !panic && outlier.isEjected(h)) continue;
        cands.push(this.hosts[h]);
      }
      this.cache[s] = cands;
      this.cacheKey[s] = key;
      this.cacheEpoch[s] = epoch;
    }
    if (cands.length === 0) return null;
    let chosen: Host | undefined;
    if (this.balancer) chosen = this.balancer.pick(cands, req, avoid >= 0 ? this.hosts[avoid] : undefined);
    else chosen = cands.length === 1 ? cands[0] : cands[Math.floor(rng.next() * cands.length)];
    return chosen ? this.svc.instances[chosen.index] : null;
  }
}
