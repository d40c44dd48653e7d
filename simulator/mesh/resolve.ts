/**
 * The one place where a destination's settings are resolved. Documents keep "not written" as
 * absent; this module merges the MeshPolicy documents (later documents win field by field) and
 * fills every field still absent from, in order: the destination itself → the policy's `defaults`
 * product → the data-plane profile's product (the caller passes its key; a bare `sidecar` /
 * `per-node` mode means Istio). docs/policies.md describes the same order.
 *
 * The simulator and the live sidecar both build their decision objects from a `ResolvedPolicy`,
 * so a field means the same thing on both clocks.
 */
import type {
  AuthzRuleSpec,
  CanarySpec,
  CircuitBreakerSpec,
  ConnectionPoolSpec,
  DestinationPolicySpec,
  FaultInjectionSpec,
  LoadBalancerSpec,
  MeshPolicySpec,
  Ms,
  MtlsMode,
  OutlierDetectionSpec,
  RetryBudgetSpec,
  RetryInput,
  RetrySpec,
  RouteSpec,
} from '../model/types.ts';
import { getDefaults, type DefaultsKey, type ProductDefaults } from './defaults.ts';
import { DEFAULT_BACKOFF_BASE_MS, DEFAULT_BACKOFF_MAX_MS } from './retry.ts';

/** Every field of a destination, filled. */
export interface ResolvedDestination {
  readonly service: string;
  /** Mesh request timeout over all tries; undefined = none. */
  readonly timeout: Ms | undefined;
  readonly routes: readonly RouteSpec[];
  /**
   * The retry policy; undefined = none. A policy with `attempts: 0` is kept when it has a
   * `perTryTimeout`: Envoy applies the per-try timeout to the one try.
   */
  readonly retries: RetrySpec | undefined;
  readonly retryBudget: RetryBudgetSpec | undefined;
  readonly connectionPool: ConnectionPoolSpec;
  /** With `minHealthPercent` filled; undefined = no outlier detection. */
  readonly outlierDetection: (OutlierDetectionSpec & { minHealthPercent: number }) | undefined;
  readonly circuitBreaker: CircuitBreakerSpec | undefined;
  readonly loadBalancer: LoadBalancerSpec;
  readonly faults: FaultInjectionSpec | undefined;
  readonly deadlinePropagation: boolean;
  /** Linkerd balances each retry across the split anew; Envoy keeps the subset. */
  readonly retryRebalancesSplit: boolean;
}

export interface ResolvedPolicy {
  readonly defaults: ProductDefaults;
  /** The mTLS mode the last document that wrote one asks for, else the product's. */
  readonly mtls: MtlsMode;
  /** The authorization rules of every document, in document order. */
  readonly authorization: readonly AuthzRuleSpec[];
  readonly canaries: readonly CanarySpec[];
  /** The settings of `service` (a service no document names gets the product's defaults). */
  destination(service: string): ResolvedDestination;
}

/** The `defaults` key that applies: the first document that writes one, else the profile's. */
export function defaultsKeyOf(policies: readonly MeshPolicySpec[], profileDefaults: DefaultsKey): string {
  return policies.find((p) => p.defaults !== undefined)?.defaults ?? profileDefaults;
}

/**
 * Later documents override earlier ones field by field: a field a later document does not write
 * keeps the earlier value (a second document with only a `timeout` keeps the first one's routes).
 * A block (`retries`, `connectionPool`, …) is one field: a later block replaces the earlier one.
 */
export function mergeDestinations(policies: readonly MeshPolicySpec[]): Map<string, DestinationPolicySpec> {
  const m = new Map<string, DestinationPolicySpec>();
  for (const p of policies)
    for (const d of p.destinations) {
      const merged: Record<string, unknown> = { ...m.get(d.service) };
      for (const [k, v] of Object.entries(d)) if (v !== undefined) merged[k] = v;
      m.set(d.service, merged as unknown as DestinationPolicySpec);
    }
  return m;
}

/** A written `retries` block with every field filled from the product's reading of it. */
export function resolveRetries(r: RetryInput, d: ProductDefaults): RetrySpec {
  const f = d.retryFields;
  const retryOn = r.retryOn ?? [...f.retryOn];
  return {
    attempts: r.attempts ?? f.attempts,
    ...(r.perTryTimeout !== undefined && { perTryTimeout: r.perTryTimeout }),
    retryOn,
    retriableStatusCodes:
      r.retryOn !== undefined ? (r.retriableStatusCodes ?? []) : [...f.retriableStatusCodes],
    backoff: r.backoff ?? { base: DEFAULT_BACKOFF_BASE_MS, max: DEFAULT_BACKOFF_MAX_MS },
    otherHost: r.otherHost ?? true,
  };
}

function resolveDestination(
  service: string,
  dest: DestinationPolicySpec | undefined,
  d: ProductDefaults,
): ResolvedDestination {
  const written = dest?.retries;
  let retries: RetrySpec | undefined = written ? resolveRetries(written, d) : d.retries;
  if (retries && retries.attempts === 0 && retries.perTryTimeout === undefined) retries = undefined;
  const outlier = dest?.outlierDetection ?? d.outlierDetection;
  return {
    service,
    timeout: dest?.timeout ?? d.timeout,
    routes: dest?.routes ?? [],
    retries,
    retryBudget: dest?.retryBudget ?? d.retryBudget,
    connectionPool: { ...d.connectionPool, ...definedFields(dest?.connectionPool) },
    outlierDetection: outlier && {
      ...outlier,
      minHealthPercent: outlier.minHealthPercent ?? d.minHealthPercent,
    },
    circuitBreaker: dest?.circuitBreaker,
    loadBalancer: dest?.loadBalancer ?? d.loadBalancer,
    faults: dest?.faults,
    deadlinePropagation: dest?.deadlinePropagation ?? false,
    retryRebalancesSplit: d.retryRebalancesSplit,
  };
}

function definedFields<T extends object>(o: T | undefined): Partial<T> {
  const out: Partial<T> = {};
  if (o) for (const [k, v] of Object.entries(o)) if (v !== undefined) (out as Record<string, unknown>)[k] = v;
  return out;
}

/** Merges `policies` and fills their defaults; `profileDefaults` is the data-plane profile's key. */
export function resolvePolicies(
  policies: readonly MeshPolicySpec[],
  profileDefaults: DefaultsKey,
): ResolvedPolicy {
  const defaults = getDefaults(defaultsKeyOf(policies, profileDefaults));
  const merged = mergeDestinations(policies);
  let mtls: MtlsMode = defaults.mtls;
  for (const p of policies) if (p.security.mtls !== undefined) mtls = p.security.mtls;
  const cache = new Map<string, ResolvedDestination>();
  return {
    defaults,
    mtls,
    authorization: policies.flatMap((p) => p.security.authorization),
    canaries: policies.flatMap((p) => p.canaries),
    destination(service) {
      let r = cache.get(service);
      if (!r) {
        r = resolveDestination(service, merged.get(service), defaults);
        cache.set(service, r);
      }
      return r;
    },
  };
}
