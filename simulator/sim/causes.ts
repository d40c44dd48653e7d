/** Failure causes as small integers for the hot path (indices into FAILURE_CAUSES). */
import { FAILURE_CAUSES, type FailureCause } from '../telemetry/types.ts';

const idx = (c: FailureCause): number => FAILURE_CAUSES.indexOf(c);

export const C_NONE = -1;
export const C_TIMEOUT = idx('timeout');
export const C_ROUTE_TIMEOUT = idx('route-timeout');
export const C_PER_TRY_TIMEOUT = idx('per-try-timeout');
export const C_5XX = idx('error-5xx');
export const C_OVERFLOW = idx('overflow');
export const C_POOL_OVERFLOW = idx('pool-overflow');
export const C_NO_HEALTHY = idx('no-healthy-upstream');
export const C_BREAKER_OPEN = idx('breaker-open');
export const C_CONNECT_FAILURE = idx('connect-failure');
export const C_RESET = idx('reset');
export const C_DENIED = idx('denied');
export const C_MTLS = idx('mtls');
export const C_FAULT_ABORT = idx('fault-abort');
export const C_NO_ROUTE = idx('no-route');
export const C_BUDGET = idx('retry-budget-exhausted');

/** Envoy response flags per cause, for access logs and traces. */
export const FLAGS: readonly string[] = FAILURE_CAUSES.map(
  (c) =>
    ({
      timeout: 'DC',
      'route-timeout': 'UT',
      'per-try-timeout': 'UT',
      'error-5xx': '-',
      overflow: '-',
      'pool-overflow': 'UO',
      'no-healthy-upstream': 'UH',
      'breaker-open': 'UO',
      'connect-failure': 'UF',
      reset: 'UC',
      denied: '-',
      mtls: 'UF',
      'fault-abort': 'FI',
      'no-route': 'NR',
      'retry-budget-exhausted': 'URX',
    })[c],
);
