/**
 * The vocabulary of why a request or a try failed, shared by the mesh core (which decides most of
 * them), the simulator, the live sidecar and telemetry. Integer codes (`CAUSE_*`, the index in
 * `FAILURE_CAUSES`) are what the hot paths carry; `CAUSE_NONE` (-1) means success.
 */
/** Why a request or an attempt failed. Envoy response flags are given where one exists. */
export type FailureCause =
  | 'timeout' // the caller's own (application) timeout, or the client's
  | 'route-timeout' // UT: mesh route timeout over all tries
  | 'per-try-timeout' // UT on the last try
  | 'error-5xx' // the service answered 5xx itself (errorRate, or a failed dependency with onError: fail)
  | 'overflow' // queue full at the instance (503) — or UO: mesh connection-pool overflow
  | 'pool-overflow' // UO
  | 'no-healthy-upstream' // UH
  | 'breaker-open' // breaker rejected (fast failure)
  | 'connect-failure' // UF: instance down, partition, loss
  | 'reset' // UC: in-flight request reset (instance crashed)
  | 'denied' // 403 RBAC
  | 'mtls' // plain-text caller refused by strict mTLS
  | 'fault-abort' // FI
  | 'no-route' // NR
  | 'retry-budget-exhausted'; // failed try whose retry the budget / max_retries refused (Envoy: UO)

export const FAILURE_CAUSES: readonly FailureCause[] = [
  'timeout',
  'route-timeout',
  'per-try-timeout',
  'error-5xx',
  'overflow',
  'pool-overflow',
  'no-healthy-upstream',
  'breaker-open',
  'connect-failure',
  'reset',
  'denied',
  'mtls',
  'fault-abort',
  'no-route',
  'retry-budget-exhausted',
];

const idx = (c: FailureCause): number => FAILURE_CAUSES.indexOf(c);

export const CAUSE_NONE = -1;
export const CAUSE_TIMEOUT = idx('timeout');
export const CAUSE_ROUTE_TIMEOUT = idx('route-timeout');
export const CAUSE_PER_TRY_TIMEOUT = idx('per-try-timeout');
export const CAUSE_5XX = idx('error-5xx');
export const CAUSE_OVERFLOW = idx('overflow');
export const CAUSE_POOL_OVERFLOW = idx('pool-overflow');
export const CAUSE_NO_HEALTHY = idx('no-healthy-upstream');
export const CAUSE_BREAKER_OPEN = idx('breaker-open');
export const CAUSE_CONNECT_FAILURE = idx('connect-failure');
export const CAUSE_RESET = idx('reset');
export const CAUSE_DENIED = idx('denied');
export const CAUSE_MTLS = idx('mtls');
export const CAUSE_FAULT_ABORT = idx('fault-abort');
export const CAUSE_NO_ROUTE = idx('no-route');
export const CAUSE_BUDGET = idx('retry-budget-exhausted');
