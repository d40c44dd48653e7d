/**
 * The one assembly of a client proxy's `Cluster` from a resolved destination (mesh/resolve.ts):
 * router, retry policy and retry gate, connection pool, outlier detector, breaker, balancer, fault
 * injector, deadline propagation and reroute-on-retry. The simulator (sim/mesh-setup.ts) and the
 * live sidecar (live/sidecar) both build their clusters here, so a policy field means the same
 * thing on both clocks.
 *
 * The order of construction is part of the contract: the detector's and the breaker's timers are
 * scheduled on the clock in this order, and the virtual clock breaks ties by insertion order.
 */
import type { Clock, Rng } from '../engine/types.ts';
import type { RouteSpec } from '../model/types.ts';
import { createBalancer } from './balancer.ts';
import { CircuitBreaker } from './breaker.ts';
import { Cluster, type ClusterPolicy } from './cluster.ts';
import { UNLIMITED } from './defaults.ts';
import type { EndpointSet } from './endpoints.ts';
import type { Exchange } from './exchange.ts';
import { FaultInjector } from './fault.ts';
import { OutlierDetector } from './outlier.ts';
import { ConnectionPool } from './pool.ts';
import type { ResolvedDestination } from './resolve.ts';
import { createRetryGate } from './retry-budget.ts';
import { RetryPolicy } from './retry.ts';
import { Router } from './router.ts';
import type { MeshEventSink } from './types.ts';

export interface PolicyClusterInput {
  /** The destination's settings, every field filled (`resolvePolicies(...).destination(name)`). */
  dest: ResolvedDestination;
  /** The destination's version names (the router's subsets). */
  versions: readonly string[];
  endpoints: EndpointSet;
  clock: Clock;
  /** The cluster's own draws (routing, faults, back-offs, the policy-less pick). */
  rng: Rng;
  /** The balancer's draws (a stream of its own, keyed by the label). */
  balancerRng: Rng;
  /** `productpage-v1-0 → reviews`: subject of the breaker's and detector's events. */
  label: string;
  /** Host names for the detector's reasons, by slot (its initial host count is their number). */
  hostNames: readonly string[];
  sink?: MeshEventSink;
  /** Routes to use when the destination writes none (e.g. a canary's stable/canary split). */
  fallbackRoutes?: readonly RouteSpec[];
}

export interface PolicyCluster {
  cluster: Cluster;
  /** Present when the destination has routes (a canary controller re-weights it). */
  router: Router | null;
  breaker: CircuitBreaker | null;
  outlier: OutlierDetector | null;
  /** Stop the detector's sweeps and the breaker's timers. */
  stop(): void;
}

/** A cluster with every policy of `dest`; the outlier detector is started. */
export function buildPolicyCluster(input: PolicyClusterInput): PolicyCluster {
  const { dest, clock, label } = input;
  const policy: ClusterPolicy = {};
  const routeTimeout = dest.timeout;
  policy.routeTimeoutMs = routeTimeout ?? Infinity;
  const routes = dest.routes.length ? dest.routes : (input.fallbackRoutes ?? []);
  let router: Router | null = null;
  if (routes.length) {
    router = new Router([...routes], [...input.versions], { timeout: routeTimeout });
    policy.router = router;
  }
  // Resolved in one place (mesh/resolve.ts); `attempts: 0` with a per-try timeout keeps the policy.
  if (dest.retries) policy.retry = new RetryPolicy(dest.retries);
  const poolSpec = dest.connectionPool;
  if (policy.retry) policy.retryGate = createRetryGate(dest.retryBudget, poolSpec.maxRetries);
  if (
    poolSpec.maxConnections < UNLIMITED ||
    poolSpec.maxRequests < UNLIMITED ||
    poolSpec.maxPendingRequests < UNLIMITED
  )
    policy.pool = new ConnectionPool<Exchange>(poolSpec);
  let outlier: OutlierDetector | null = null;
  const outlierSpec = dest.outlierDetection;
  if (outlierSpec) {
    outlier = new OutlierDetector(outlierSpec, input.hostNames.length, clock, {
      subject: label,
      hostNames: input.hostNames,
      sink: input.sink,
    });
    outlier.start();
    policy.outlier = outlier;
  }
  let breaker: CircuitBreaker | null = null;
  if (dest.circuitBreaker) {
    breaker = new CircuitBreaker(dest.circuitBreaker, clock, { subject: label, sink: input.sink });
    policy.breaker = breaker;
  }
  policy.balancer = createBalancer(dest.loadBalancer, input.balancerRng);
  if (dest.faults) {
    const f = new FaultInjector(dest.faults);
    if (f.active) policy.fault = f;
  }
  policy.deadlinePropagation = dest.deadlinePropagation;
  policy.rerouteOnRetry = dest.retryRebalancesSplit;
  const cluster = new Cluster(input.endpoints, policy, input.rng, label);
  return {
    cluster,
    router,
    breaker,
    outlier,
    stop: () => {
      outlier?.stop();
      breaker?.stop();
    },
  };
}
