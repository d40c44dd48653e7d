/**
 * The validated, normalised shapes of meshdojo's input documents.
 *
 * The YAML loader (`load.ts`) parses and validates user documents with zod schemas whose *output*
 * is exactly these types: durations are already milliseconds (float), percentages are 0..100,
 * defaults are filled in, and cross-references (services, endpoints, nodes, subsets) are checked.
 * Everything downstream (compiler, simulator, mesh core, reports) consumes only these types.
 */

/** Milliseconds of (virtual or wall) time, as a float. `500us` → 0.5. */
export type Ms = number;
/** A percentage 0..100 (resolution 0.01 % is honoured by the router). */
export type Pct = number;

// ───────────────────────────── distributions ─────────────────────────────

/** Service-time and think-time distributions (defined with their samplers in the engine). */
export type { Distribution } from '../engine/types.ts';
import type { Distribution } from '../engine/types.ts';

// ───────────────────────────── Topology ─────────────────────────────

export type OnError = 'fail' | 'fallback' | 'ignore';

export interface CallSpec {
  service: string;
  /** Endpoint name on the callee; the loader fills in the callee's first endpoint when omitted. */
  endpoint: string;
  /** Application-level timeout of this call (the caller's HTTP client); undefined = none. */
  timeout?: Ms;
  /** Retries written in the caller's code (productpage tries reviews twice ⇒ 1). Default 0. */
  retries: number;
  onError: OnError;
  /** The call is made with this probability (0..1). Default 1. */
  probability: number;
  /** Sequential repetitions of the call (a loop over cart items). Default 1. */
  times: number;
}

/** One step of an endpoint's program: a call, or a group of calls issued in parallel. */
export type CallStep = { kind: 'call'; call: CallSpec } | { kind: 'parallel'; calls: CallSpec[] };

export interface EndpointSpec {
  name: string;
  /** CPU/compute time of this endpoint itself, spent before its downstream calls. */
  serviceTime: Distribution;
  /** Probability 0..1 that an execution answers 500 after computing. */
  errorRate: number;
  /** Non-idempotent endpoints count side effects (duplicate executions become visible). */
  idempotent: boolean;
  /** Response body size, for access logs and byte counters. Default 1024. */
  responseBytes: number;
  calls: CallStep[];
}

export interface VersionSpec {
  /** Subset name, e.g. `v1`. */
  name: string;
  /** Labels of this subset's instances; always contains `version: <name>` unless given otherwise. */
  labels: Record<string, string>;
  replicas: number;
  /** Endpoints of this version (already merged: the service's endpoints with this version's overrides). */
  endpoints: EndpointSpec[];
}

export interface ServiceSpec {
  name: string;
  labels: Record<string, string>;
  /** Worker slots per instance (threads / event-loop concurrency). */
  concurrency: number;
  /** Bounded queue per instance; a request arriving to a full queue is answered 503 at once. */
  queue: number;
  /** Cores per instance: when more requests compute than cores, they share them (processor sharing). Undefined = no CPU limit. */
  cpu?: number;
  /** Nodes the instances are spread over, round-robin. Empty = all nodes. */
  placement: string[];
  /** Whether the service's pods carry a proxy (sidecar) when the data plane is `sidecar`. Default true. */
  inMesh: boolean;
  /** Always at least one version. A service without `versions` gets one version named `v1`. */
  versions: VersionSpec[];
}

export interface NodeSpec {
  name: string;
  cores: number;
}

export interface LinkSpec {
  from: string;
  to: string;
  latency: Ms;
  jitter: Ms;
}

export interface TopologySpec {
  name: string;
  description?: string;
  source?: string;
  entry: { service: string; endpoint: string };
  /** Always at least one node. Without `nodes`, one node named `node-1`. */
  nodes: NodeSpec[];
  network: {
    /** One-way latency between instances on the same node. Default 0.05 ms. */
    sameNode: { latency: Ms; jitter: Ms };
    /** One-way latency between nodes. Default 0.5 ms, jitter 0.1 ms. */
    crossNode: { latency: Ms; jitter: Ms };
    /** Overrides between named nodes (symmetric). */
    links: LinkSpec[];
    /** Time a connection attempt to an unreachable peer takes before it fails. Default 1 s. */
    connectTimeout: Ms;
  };
  services: ServiceSpec[];
}

// ───────────────────────────── LoadProfile ─────────────────────────────

export interface Stage {
  duration: Ms;
  target: number;
}

export interface HeaderShare {
  name: string;
  value: string;
  /** Share of requests (0..100) that carry this header. */
  percent: Pct;
}

/** k6-style threshold, parsed: `p(99)<500` → { stat: 'p', p: 99, op: '<', value: 500 }. */
export interface Threshold {
  metric: 'http_req_duration' | 'http_req_failed' | 'http_reqs' | 'checks';
  source: string;
  stat: 'p' | 'avg' | 'min' | 'max' | 'med' | 'rate' | 'count';
  p?: number;
  op: '<' | '<=' | '>' | '>=' | '==' | '!=';
  value: number;
}

/** One kind of request in a load's mix (k6/Locust style: each iteration picks one by weight). */
export interface RequestMixItem {
  /** Undefined = the entry service (the load's `entry`, else the topology's). */
  service?: string;
  endpoint: string;
  /** Relative weight > 0. */
  weight: number;
}

export type LoadProfileSpec = {
  name: string;
  /** Overrides the topology's entry. */
  entry?: { service: string; endpoint: string };
  /** Several kinds of request, picked per request by weight; empty = every request hits the entry. */
  requests: RequestMixItem[];
  /** Client-side timeout (k6 default 60 s). */
  timeout: Ms;
  /** Users pressing reload: a failed request is sent again after `backoff`. */
  retries: { attempts: number; backoff: Ms };
  headers: HeaderShare[];
  thresholds: Threshold[];
  /** HTTP method of the entry requests (informational; endpoints carry their own). */
  method?: string;
} & (
  | {
      executor: 'constant-arrival-rate';
      arrivals: 'poisson' | 'uniform';
      /** Arrivals per second (rate / timeUnit already applied). */
      rate: number;
      duration: Ms;
    }
  | {
      executor: 'ramping-arrival-rate';
      arrivals: 'poisson' | 'uniform';
      /** Per second. */
      startRate: number;
      /** Targets per second. */
      stages: Stage[];
    }
  | { executor: 'constant-vus'; vus: number; duration: Ms; thinkTime: Distribution }
  | { executor: 'ramping-vus'; startVUs: number; stages: Stage[]; thinkTime: Distribution }
);

// ───────────────────────────── ChaosExperiment ─────────────────────────────

/**
 * Roles a chaos target or probe can name instead of a service (`select:`), resolved against the
 * topology when it is loaded (`chaos-targets.ts`), so one experiment fits every topology.
 */
export const SERVICE_ROLES = [
  'entry',
  'entry-dependency',
  'leaf',
  'deepest-leaf',
  'busiest',
  'most-called',
  'optional-dependency',
  'critical-dependency',
  'replicated',
  'dependency',
] as const;
export type ServiceRole = (typeof SERVICE_ROLES)[number];
/** How one service is chosen when a role matches several (`rank:`). */
export const SERVICE_RANKS = ['most-called', 'busiest', 'deepest', 'first'] as const;
export type ServiceRank = (typeof SERVICE_RANKS)[number];

export interface TargetSelector {
  service?: string;
  /**
   * A role instead of `service` (never both). Only as written: the loader replaces it with the
   * `service` it resolves to, so the simulator and the live runner see concrete targets.
   */
  select?: ServiceRole;
  /** With `select`: which of the matching services (default per role, see chaos-targets.ts). */
  rank?: ServiceRank;
  /** Subset / version name. */
  version?: string;
  node?: string;
  /** Affect this many instances of the selection (first N in instance order); default all. */
  count?: number;
  /** Or this share of the selection, rounded up. */
  percent?: Pct;
}

/**
 * Toxiproxy's two directions of a connection: `upstream` carries the request (caller → target),
 * `downstream` the response (target → caller).
 */
export type Stream = 'upstream' | 'downstream';

interface FaultBase {
  name: string;
  at: Ms;
  /** Undefined = until the end of the run. */
  duration?: Ms;
  /**
   * Recurring fault: it starts again every `every` after `at` while the run lasts (a Chaos Mesh
   * `Schedule`), each time for `duration` (a kill: restarted after `restartAfter`). Undefined = once.
   */
  every?: Ms;
}

export type FaultSpec =
  | (FaultBase & { type: 'kill'; target: TargetSelector; restartAfter?: Ms; coldStart: Ms })
  | (FaultBase & { type: 'pause'; target: TargetSelector })
  | (FaultBase & { type: 'latency'; target: TargetSelector; latency: Ms; jitter: Ms; stream: Stream })
  | (FaultBase & { type: 'abort'; target: TargetSelector; percent: Pct; status: number })
  | (FaultBase & { type: 'cpu'; target: TargetSelector; multiplier: number })
  | (FaultBase & { type: 'partition'; between: [TargetSelector, TargetSelector] })
  | (FaultBase & { type: 'loss'; target: TargetSelector; percent: Pct; stream: Stream })
  | (FaultBase & { type: 'node-down'; node: string });

export interface ProbeSpec {
  name: string;
  /** Service measured (at its inbound side); undefined = the entry as seen by the load generator. */
  service?: string;
  /** A role instead of `service`, resolved by the loader as a target's `select` (then removed). */
  select?: ServiceRole;
  rank?: ServiceRank;
  metric: 'successRate' | 'latency';
  /** For latency: which percentile (e.g. 99). */
  percentile?: number;
  /** successRate ≥ min (0..1); latency ≤ max (ms). */
  min?: number;
  max?: Ms;
  /** Time window the probe looks at; default the whole run. */
  window?: { from: Ms; to?: Ms };
}

export interface ChaosSpec {
  name: string;
  steadyState: ProbeSpec[];
  faults: FaultSpec[];
}

// ───────────────────────────── MeshPolicy ─────────────────────────────

export type DataPlaneMode = 'none' | 'sidecar' | 'per-node';

export interface StringMatch {
  exact?: string;
  prefix?: string;
  regex?: string;
}

export interface RouteMatch {
  headers: Record<string, StringMatch>;
  path?: StringMatch;
  method?: StringMatch;
}

export interface RouteSpec {
  /** Undefined = matches every request. */
  match?: RouteMatch;
  /** subset → weight (relative, as Istio). */
  split: Record<string, number>;
  timeout?: Ms;
}

export type RetryOn =
  | '5xx'
  | 'gateway-error'
  | 'connect-failure'
  | 'refused-stream'
  | 'reset'
  | 'retriable-status-codes'
  | 'retriable-4xx'
  | 'unavailable'
  | 'cancelled'
  | 'deadline-exceeded';

/** Every `retryOn` token meshdojo understands (Envoy's names). */
export const RETRY_ON_TOKENS: readonly RetryOn[] = [
  '5xx',
  'gateway-error',
  'connect-failure',
  'refused-stream',
  'reset',
  'retriable-status-codes',
  'retriable-4xx',
  'unavailable',
  'cancelled',
  'deadline-exceeded',
];

/** Products whose defaults a policy may ask for (`spec.defaults`); see simulator/mesh/defaults.ts. */
export const DEFAULTS_KEYS = [
  'istio',
  'istio-1.23',
  'istio-ambient',
  'linkerd',
  'kuma',
  'consul',
  'appmesh',
  'traefik-mesh',
  'envoy',
  'none',
] as const;
export type DefaultsKey = (typeof DEFAULTS_KEYS)[number];

export interface RetrySpec {
  /** Retries (Istio `attempts`): the request is tried at most 1 + attempts times. */
  attempts: number;
  perTryTimeout?: Ms;
  retryOn: RetryOn[];
  retriableStatusCodes: number[];
  backoff: { base: Ms; max: Ms };
  /** Retry on a different host when one exists (Envoy previous_hosts). Default true. */
  otherHost: boolean;
}

/**
 * A `retries` block as written: every field the user left out is absent, and the resolver
 * (`simulator/mesh/resolve.ts`) fills it from the policy's product defaults.
 */
export interface RetryInput {
  attempts?: number;
  perTryTimeout?: Ms;
  retryOn?: RetryOn[];
  retriableStatusCodes?: number[];
  backoff?: { base: Ms; max: Ms };
  otherHost?: boolean;
}

export type RetryBudgetSpec =
  | { kind: 'envoy'; percent: Pct; minRetryConcurrency: number }
  | { kind: 'linkerd'; ratio: number; minRetriesPerSecond: number; ttl: Ms };

export interface OutlierDetectionSpec {
  consecutive5xxErrors?: number;
  consecutiveGatewayErrors?: number;
  successRate?: { minimumHosts: number; requestVolume: number; stdevFactor: number };
  interval: Ms;
  baseEjectionTime: Ms;
  maxEjectionTime: Ms;
  maxEjectionPercent: Pct;
  /** Envoy `always_eject_one_host`: eject one host even when maxEjectionPercent allows none. */
  alwaysEjectOneHost?: boolean;
  /**
   * Below this healthy share the balancer ignores ejections (panic). Undefined = the product's
   * default (Istio 0, Envoy-based Kuma / Consul / App Mesh 50).
   */
  minHealthPercent?: Pct;
}

export interface CircuitBreakerSpec {
  consecutiveFailures?: number;
  failureRate?: { threshold: Pct; window: Ms; minimumRequests: number };
  openFor: Ms;
  halfOpenRequests: number;
}

export interface ConnectionPoolSpec {
  maxConnections: number;
  maxPendingRequests: number;
  maxRequests: number;
  maxRetries: number;
}

export type LoadBalancerSpec =
  { algorithm: 'round-robin' | 'random' | 'least-request' } | { algorithm: 'ring-hash'; header: string };

export interface FaultInjectionSpec {
  delay?: { percent: Pct; fixed: Ms };
  abort?: { percent: Pct; status: number };
  /** Only requests matching these headers are faulted. */
  match?: { headers: Record<string, StringMatch> };
}

/**
 * One destination as written. A field that was not written is absent (never a default): several
 * documents merge field by field, and `simulator/mesh/resolve.ts` fills what is left from the
 * product's defaults.
 */
export interface DestinationPolicySpec {
  service: string;
  timeout?: Ms;
  routes?: RouteSpec[];
  retries?: RetryInput;
  retryBudget?: RetryBudgetSpec;
  outlierDetection?: OutlierDetectionSpec;
  circuitBreaker?: CircuitBreakerSpec;
  /** Fields left out take the product's defaults (Istio 2^32 − 1; Envoy, Kuma, Consul 1024/1024/1024/3). */
  connectionPool?: Partial<ConnectionPoolSpec>;
  loadBalancer?: LoadBalancerSpec;
  faults?: FaultInjectionSpec;
  /** Callee stops work its caller has given up on. Default false. */
  deadlinePropagation?: boolean;
}

export type MtlsMode = 'disable' | 'permissive' | 'strict';

export interface AuthzSource {
  /** Service name or SPIFFE id (`spiffe://cluster.local/ns/default/sa/reviews`). */
  from?: string;
  paths?: string[];
  methods?: string[];
}

export interface AuthzRuleSpec {
  to: string;
  allow: AuthzSource[];
  deny: AuthzSource[];
}

export interface CanarySpec {
  service: string;
  /** Subset currently serving (stable) and the one being rolled out. */
  stable: string;
  canary: string;
  stepWeight: Pct;
  maxWeight: Pct;
  interval: Ms;
  /** Failed analyses tolerated before rollback. */
  threshold: number;
  analysis: { minSuccessRate: number; maxP99?: Ms };
}

export interface MeshPolicySpec {
  name: string;
  dataPlane: { mode: DataPlaneMode; profile?: string };
  /** Defaults applied when a destination says nothing (retries, timeouts, pool) — a product profile. */
  defaults?: string;
  destinations: DestinationPolicySpec[];
  /** `mtls` absent = not written: the product's default applies (Consul strict, Istio permissive…). */
  security: { mtls?: MtlsMode; authorization: AuthzRuleSpec[] };
  canaries: CanarySpec[];
}

// ───────────────────────────── Scenario ─────────────────────────────

export interface ScenarioSpec {
  name: string;
  topology: TopologySpec;
  policies: MeshPolicySpec[];
  load?: LoadProfileSpec;
  chaos: ChaosSpec[];
  seed: number;
  /** Undefined = the load profile's own length. */
  duration?: Ms;
  /** Telemetry interval. Default 1000 ms. */
  interval: Ms;
  /** Share (0..1) of entry requests whose spans and access-log lines are kept. Default 0.001. */
  sampling: { traces: number; accessLogs: number };
}
