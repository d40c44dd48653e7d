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
  readonly perTryTimeout: number;
  readonly otherHost: boolean;
  shouldRetry(outcome: AttemptOutcome, retriesDone: number): boolean;
  backoffMs(retryNumber: number, rng: Rng): number;
}
export interface BudgetLike {
  /** Envoy form: may a retry start now, given the cluster's active requests and retries? */
  canRetry(now: number, activeRequests: number, activeRetries: number): boolean;
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

  /** Subset index for a request; SUBSET_ALL without a router; NO_ROUTE when no route matches. */
  route(req: RequestInfo, rng: Rng): { subset: number; timeout: number } {
    if (!this.router) return { subset: SUBSET_ALL, timeout: this.routeTimeout };
    const d = this.router.route(req, rng);
    if (!d) return { subset: NO_ROUTE, timeout: this.routeTimeout };
    const s = d.subset === '*' ? SUBSET_ALL : (this.subsetIndex.get(d.subset) ?? NO_ROUTE);
    return { subset: s, timeout: d.timeout ?? this.routeTimeout };
  }

  /** Candidate lists per subset, rebuilt only when readiness or ejections change. */
  private readonly cache: Host[][] = [];
  private readonly cacheKey: number[] = [];
  private readonly cacheEpoch: number[] = [];
  /** Bumped by the data plane whenever an instance's readiness changes. */
  static readinessEpoch = 0;

  /**
   * Pick an instance of the subset among ready, non-ejected hosts (all ready hosts in panic).
   * `avoid` is the previous host of a retry. Returns null when none is available (UH).
   */
  pick(subset: number, req: RequestInfo, rng: Rng, avoid: number): SimInstance | null {
    const s = subset < 0 ? this.subsetHosts.length - 1 : subset;
    const outlier = this.outlier;
    const panic = outlier !== null && outlier.inPanic();
    // Keys that change whenever the candidate set may have: readiness, ejections, panic.
    const epoch = DestClient.readinessEpoch;
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
