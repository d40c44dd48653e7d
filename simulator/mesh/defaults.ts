/**
 * Per-product defaults: what a destination gets when its policy says nothing — retries, request
 * timeout, connection-pool limits, outlier detection, load balancer, panic threshold, mTLS mode.
 * Selected by `MeshPolicySpec.defaults` (a key of `PRODUCT_DEFAULTS`) or by a data-plane
 * profile's `defaults` key. Each entry's `source` names the upstream documentation or code its
 * values come from; values no upstream source gives are marked ASSUMPTION. `simulator/mesh/resolve.ts`
 * applies them (docs/policies.md, resolution order).
 */
import type {
  ConnectionPoolSpec,
  LoadBalancerSpec,
  Ms,
  MtlsMode,
  OutlierDetectionSpec,
  Pct,
  RetryBudgetSpec,
  RetryOn,
  RetrySpec,
} from '../model/types.ts';
import { DEFAULTS_KEYS, type DefaultsKey } from '../model/types.ts';
import { DEFAULT_BACKOFF_BASE_MS, DEFAULT_BACKOFF_MAX_MS } from './retry.ts';

/** 2^32 − 1: Istio's "no limit" for every circuit-breaker threshold (§2.1). */
export const UNLIMITED = 4_294_967_295;

export type { DefaultsKey };

/** Where a product's fault injection runs (Istio: client sidecar before the router; Kuma MeshFaultInjection: destination inbound). meshdojo always uses `client-before-router`. */
export type FaultPlacement = 'client-before-router' | 'server-inbound' | 'none';

export interface ProductDefaults {
  readonly key: DefaultsKey;
  readonly product: string;
  /** Retry policy of a route that configures none; `undefined` = no retries. */
  readonly retries: RetrySpec | undefined;
  /**
   * What a written `retries` block gets for the fields it leaves out (the product's own reading of
   * an incomplete retry policy: Istio fills its default list, Kuma its MeshRetry default, Envoy and
   * Consul retry on nothing without a condition).
   */
  readonly retryFields: RetryFieldDefaults;
  /** Mesh request timeout (all tries); `undefined` = none. */
  readonly timeout: Ms | undefined;
  /** Circuit-breaker thresholds per client proxy × upstream cluster. */
  readonly connectionPool: ConnectionPoolSpec;
  /** Outlier detection that is active with no configuration at all (Consul only); else undefined. */
  readonly outlierDetection: OutlierDetectionSpec | undefined;
  /** Values for the fields a user's `outlierDetection` block leaves out. */
  readonly outlierFieldDefaults: OutlierDetectionSpec;
  /** Healthy-panic threshold: below this healthy share, ejections are ignored. */
  readonly minHealthPercent: Pct;
  readonly loadBalancer: LoadBalancerSpec;
  /** Retry budget applied when retries are configured without one; undefined = `maxRetries` threshold. */
  readonly retryBudget: RetryBudgetSpec | undefined;
  /** Default mTLS mode (meshdojo's three modes). */
  readonly mtls: MtlsMode;
  /** A retry may land in another subset of the split (Linkerd re-balances each retry); Envoy keeps the subset. */
  readonly retryRebalancesSplit: boolean;
  /** Where this product's own fault injection runs. */
  readonly faultPlacement: FaultPlacement;
  /** Where the figures come from, and what is assumed. */
  readonly source: string;
}

export interface RetryFieldDefaults {
  readonly attempts: number;
  readonly retryOn: readonly RetryOn[];
  readonly retriableStatusCodes: readonly number[];
}

const ENVOY_LIMITS: ConnectionPoolSpec = Object.freeze({
  maxConnections: 1024,
  maxPendingRequests: 1024,
  maxRequests: 1024,
  maxRetries: 3,
});

const NO_LIMITS: ConnectionPoolSpec = Object.freeze({
  maxConnections: UNLIMITED,
  maxPendingRequests: UNLIMITED,
  maxRequests: UNLIMITED,
  maxRetries: UNLIMITED,
});

/** Envoy outlier-detection defaults when a block exists (§1.4); success-rate detection not enforced by default in meshdojo's block. */
const ENVOY_OUTLIER_FIELDS: OutlierDetectionSpec = Object.freeze({
  consecutive5xxErrors: 5,
  interval: 10_000,
  baseEjectionTime: 30_000,
  maxEjectionTime: 300_000,
  maxEjectionPercent: 10,
  minHealthPercent: 50,
});

/** Istio: same as Envoy but panic mode disabled (minHealthPercent 0) and success rate off (§2.1). */
const ISTIO_OUTLIER_FIELDS: OutlierDetectionSpec = Object.freeze({
  ...ENVOY_OUTLIER_FIELDS,
  minHealthPercent: 0,
});

const BACKOFF = Object.freeze({ base: DEFAULT_BACKOFF_BASE_MS, max: DEFAULT_BACKOFF_MAX_MS });

function retries(spec: Omit<RetrySpec, 'backoff' | 'otherHost'> & Partial<RetrySpec>): RetrySpec {
  return Object.freeze({ backoff: BACKOFF, otherHost: true, ...spec });
}

const ISTIO_RETRY_ON = Object.freeze([
  'connect-failure',
  'refused-stream',
  'unavailable',
  'cancelled',
  'retriable-status-codes',
] as const);

const KUMA_RETRY_ON: readonly RetryOn[] = Object.freeze([
  'gateway-error',
  'connect-failure',
  'refused-stream',
]);
const APPMESH_RETRY_ON: readonly RetryOn[] = Object.freeze([
  'connect-failure',
  'refused-stream',
  'unavailable',
  'retriable-status-codes',
]);

function def(d: ProductDefaults): ProductDefaults {
  return Object.freeze(d);
}

export const PRODUCT_DEFAULTS: Readonly<Record<DefaultsKey, ProductDefaults>> = Object.freeze({
  istio: def({
    key: 'istio',
    product: 'Istio ≥ 1.24 (Envoy sidecar or waypoint)',
    retries: retries({ attempts: 2, retryOn: [...ISTIO_RETRY_ON], retriableStatusCodes: [] }),
    retryFields: { attempts: 2, retryOn: ISTIO_RETRY_ON.slice(0, 4), retriableStatusCodes: [] },
    timeout: undefined,
    connectionPool: NO_LIMITS,
    outlierDetection: undefined,
    outlierFieldDefaults: ISTIO_OUTLIER_FIELDS,
    minHealthPercent: 0,
    loadBalancer: { algorithm: 'least-request' },
    retryBudget: undefined,
    mtls: 'permissive',
    retryRebalancesSplit: false,
    faultPlacement: 'client-before-router',
    source:
      'Istio retry.go and istio.io references: default retry policy attempts 2 on connect-failure,refused-stream,unavailable,cancelled,retriable-status-codes with no codes since 1.24, previous_hosts, host_selection_retry_max_attempts 5; route timeout disabled; circuit breakers 2^32−1; minHealthPercent 0; LEAST_REQUEST since 1.14; PeerAuthentication default PERMISSIVE. Back-off Envoy 25/250 ms (Envoy router_filter.rst).',
  }),
  'istio-1.23': def({
    key: 'istio-1.23',
    product: 'Istio ≤ 1.23',
    retries: retries({ attempts: 2, retryOn: [...ISTIO_RETRY_ON], retriableStatusCodes: [503] }),
    retryFields: { attempts: 2, retryOn: [...ISTIO_RETRY_ON], retriableStatusCodes: [503] },
    timeout: undefined,
    connectionPool: NO_LIMITS,
    outlierDetection: undefined,
    outlierFieldDefaults: ISTIO_OUTLIER_FIELDS,
    minHealthPercent: 0,
    loadBalancer: { algorithm: 'least-request' },
    retryBudget: undefined,
    mtls: 'permissive',
    retryRebalancesSplit: false,
    faultPlacement: 'client-before-router',
    source: 'Istio 1.24 upgrade notes: Istio ≤ 1.23 also retried 503 by default; otherwise as `istio`.',
  }),
  'istio-ambient': def({
    key: 'istio-ambient',
    product: 'Istio ambient, ztunnel only (L4)',
    retries: undefined,
    retryFields: { attempts: 2, retryOn: ISTIO_RETRY_ON.slice(0, 4), retriableStatusCodes: [] },
    timeout: undefined,
    connectionPool: NO_LIMITS,
    outlierDetection: undefined,
    outlierFieldDefaults: ISTIO_OUTLIER_FIELDS,
    minHealthPercent: 0,
    loadBalancer: { algorithm: 'random' },
    retryBudget: undefined,
    mtls: 'permissive',
    retryRebalancesSplit: false,
    faultPlacement: 'none',
    source:
      'ztunnel is an L4 proxy: no HTTP routes, retries, timeouts or fault injection (istio.io "Use Layer 4 security policy"). ASSUMPTION (not in the references): ztunnel picks a random endpoint per connection and sets no pool limits.',
  }),
  linkerd: def({
    key: 'linkerd',
    product: 'Linkerd 2.x (linkerd2-proxy), HTTPRoute model',
    retries: undefined,
    retryFields: { attempts: 1, retryOn: [], retriableStatusCodes: [] },
    timeout: undefined,
    connectionPool: NO_LIMITS,
    outlierDetection: undefined,
    outlierFieldDefaults: ENVOY_OUTLIER_FIELDS,
    minHealthPercent: 0,
    loadBalancer: { algorithm: 'least-request' },
    retryBudget: undefined,
    mtls: 'permissive',
    retryRebalancesSplit: true,
    faultPlacement: 'none',
    source:
      "linkerd.io retries, timeouts and load-balancing docs: no retries and no timeouts by default (HTTPRoute model); LB is peak-EWMA power-of-two-choices, modelled as least-request; failure accrual is off unless annotated; mTLS automatic between meshed pods with default inbound policy all-unauthenticated (= permissive); each retry is re-balanced across backendRefs; no native fault injection. ServiceProfile budget (ratio 0.2, 10/s, 10 s) applies only to ServiceProfile retries and is not a default here. No circuit-breaker thresholds (modelled as unlimited); outlier field defaults are Envoy's, used only if a policy sets outlierDetection.",
  }),
  kuma: def({
    key: 'kuma',
    product: 'Kuma 2.x (Envoy sidecar), default mesh policies',
    retries: retries({
      attempts: 5,
      perTryTimeout: 16_000,
      retryOn: [...KUMA_RETRY_ON],
      retriableStatusCodes: [],
    }),
    retryFields: { attempts: 1, retryOn: KUMA_RETRY_ON, retriableStatusCodes: [] },
    timeout: 15_000,
    connectionPool: ENVOY_LIMITS,
    outlierDetection: undefined,
    outlierFieldDefaults: ENVOY_OUTLIER_FIELDS,
    minHealthPercent: 50,
    loadBalancer: { algorithm: 'round-robin' },
    retryBudget: undefined,
    mtls: 'disable',
    retryRebalancesSplit: false,
    faultPlacement: 'server-inbound',
    source:
      'kuma.io MeshRetry / MeshTimeout / MeshCircuitBreaker default policies: mesh-retry-all-default numRetries 5, perTryTimeout 16 s, backOff 25/250 ms, retryOn unset ⇒ gateway-error,connect-failure,refused-stream; mesh-timeout-all-default requestTimeout 15 s; mesh-circuit-breaker-all-default 1024/1024/1024 and maxRetries 3, no outlier detection; healthyPanicThreshold Envoy 50 %; LB ROUND_ROBIN; mTLS off until Mesh.mtls.enabledBackend; MeshFaultInjection on the destination inbound.',
  }),
  consul: def({
    key: 'consul',
    product: 'Consul service mesh (Envoy sidecar)',
    retries: undefined,
    retryFields: { attempts: 1, retryOn: [], retriableStatusCodes: [] },
    timeout: 15_000,
    connectionPool: ENVOY_LIMITS,
    outlierDetection: Object.freeze({
      ...ENVOY_OUTLIER_FIELDS,
      successRate: { minimumHosts: 5, requestVolume: 100, stdevFactor: 1.9 },
    }),
    outlierFieldDefaults: ENVOY_OUTLIER_FIELDS,
    minHealthPercent: 50,
    loadBalancer: { algorithm: 'round-robin' },
    retryBudget: undefined,
    mtls: 'strict',
    retryRebalancesSplit: false,
    faultPlacement: 'none',
    source:
      'Consul service-router, service-defaults and proxy config docs: no retries unless a condition is set; request timeout unset ⇒ Envoy 15 s; limits 0/unset ⇒ Envoy 1024/1024/1024 and max_retries 3; Consul always emits outlier detection for upstream clusters ⇒ Envoy defaults 5 / 10 s / 30 s / 10 % plus success rate (min 5 hosts, 100 requests, stdev factor 1.9); panic 50 %; LB ROUND_ROBIN; mutualTLSMode default strict; no native fault injection.',
  }),
  appmesh: def({
    key: 'appmesh',
    product: 'AWS App Mesh (Envoy sidecar)',
    retries: retries({
      attempts: 2,
      retryOn: [...APPMESH_RETRY_ON],
      retriableStatusCodes: [503],
    }),
    retryFields: { attempts: 2, retryOn: APPMESH_RETRY_ON, retriableStatusCodes: [503] },
    timeout: 15_000,
    connectionPool: ENVOY_LIMITS,
    outlierDetection: undefined,
    outlierFieldDefaults: ENVOY_OUTLIER_FIELDS,
    minHealthPercent: 50,
    loadBalancer: { algorithm: 'round-robin' },
    retryBudget: undefined,
    mtls: 'disable',
    retryRebalancesSplit: false,
    faultPlacement: 'none',
    source:
      'App Mesh user guide, Envoy defaults set by App Mesh: hidden default retry policy, 2 retries on HTTP 503, gRPC UNAVAILABLE, connect-failure, refused-stream; per-request timeout 15 s; LB round robin; mTLS only when a listener configures tls. ASSUMPTION (not verified upstream): circuit-breaker values App Mesh sets are unverified, Envoy 1024/1024/1024/3 used; panic threshold Envoy 50 % assumed; per-retry timeout of the hidden policy not given (none).',
  }),
  'traefik-mesh': def({
    key: 'traefik-mesh',
    product: 'Traefik Mesh 1.4 (per-node Traefik proxy)',
    retries: undefined,
    retryFields: { attempts: 1, retryOn: ['connect-failure'], retriableStatusCodes: [] },
    timeout: undefined,
    connectionPool: NO_LIMITS,
    outlierDetection: undefined,
    outlierFieldDefaults: ENVOY_OUTLIER_FIELDS,
    minHealthPercent: 0,
    loadBalancer: { algorithm: 'round-robin' },
    retryBudget: undefined,
    mtls: 'disable',
    retryRebalancesSplit: false,
    faultPlacement: 'none',
    source:
      'Traefik Mesh configuration docs: retries only via the retry-attempts annotation (attempts, network errors before the request reached the backend); no timeouts, pool limits, outlier detection or fault injection; weighted round robin; no mTLS at all.',
  }),
  envoy: def({
    key: 'envoy',
    product: 'Envoy with no control-plane overrides',
    retries: undefined,
    retryFields: { attempts: 1, retryOn: [], retriableStatusCodes: [] },
    timeout: 15_000,
    connectionPool: ENVOY_LIMITS,
    outlierDetection: undefined,
    outlierFieldDefaults: ENVOY_OUTLIER_FIELDS,
    minHealthPercent: 50,
    loadBalancer: { algorithm: 'round-robin' },
    retryBudget: undefined,
    mtls: 'disable',
    retryRebalancesSplit: false,
    faultPlacement: 'client-before-router',
    source:
      'Envoy docs (router, circuit breaking, outlier detection, load balancing): no retry policy ⇒ no retries; route timeout 15 s; thresholds 1024/1024/1024/3; outlier detection only when configured (5 / 10 s / 30 s / 10 %); healthy panic threshold 50 %; ROUND_ROBIN.',
  }),
  none: def({
    key: 'none',
    product: 'no mesh (plain Kubernetes Service)',
    retries: undefined,
    retryFields: { attempts: 0, retryOn: [], retriableStatusCodes: [] },
    timeout: undefined,
    connectionPool: NO_LIMITS,
    outlierDetection: undefined,
    outlierFieldDefaults: ENVOY_OUTLIER_FIELDS,
    minHealthPercent: 0,
    loadBalancer: { algorithm: 'random' },
    retryBudget: undefined,
    mtls: 'disable',
    retryRebalancesSplit: false,
    faultPlacement: 'none',
    source:
      'No proxy: no retries, timeouts, limits or mTLS. ASSUMPTION (not in the references): kube-proxy in iptables mode picks a random endpoint per connection, modelled as a random pick per request.',
  }),
});

export { DEFAULTS_KEYS };

export function isDefaultsKey(key: string): key is DefaultsKey {
  return (DEFAULTS_KEYS as readonly string[]).includes(key);
}

/** The defaults of `key`; throws with the list of known keys. */
export function getDefaults(key: string): ProductDefaults {
  if (!isDefaultsKey(key)) {
    throw new Error(`unknown defaults profile '${key}' (known: ${DEFAULTS_KEYS.join(', ')})`);
  }
  return PRODUCT_DEFAULTS[key];
}
