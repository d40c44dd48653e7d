/** Failure causes as small integers for the hot path (the shared vocabulary of model/causes.ts). */
import { CAUSE_NONE, FAILURE_CAUSES } from '../model/causes.ts';
import { flagsOfCause } from '../mesh/outcome.ts';

export {
  CAUSE_NONE as C_NONE,
  CAUSE_TIMEOUT as C_TIMEOUT,
  CAUSE_ROUTE_TIMEOUT as C_ROUTE_TIMEOUT,
  CAUSE_PER_TRY_TIMEOUT as C_PER_TRY_TIMEOUT,
  CAUSE_5XX as C_5XX,
  CAUSE_OVERFLOW as C_OVERFLOW,
  CAUSE_POOL_OVERFLOW as C_POOL_OVERFLOW,
  CAUSE_NO_HEALTHY as C_NO_HEALTHY,
  CAUSE_BREAKER_OPEN as C_BREAKER_OPEN,
  CAUSE_CONNECT_FAILURE as C_CONNECT_FAILURE,
  CAUSE_RESET as C_RESET,
  CAUSE_DENIED as C_DENIED,
  CAUSE_MTLS as C_MTLS,
  CAUSE_FAULT_ABORT as C_FAULT_ABORT,
  CAUSE_NO_ROUTE as C_NO_ROUTE,
  CAUSE_BUDGET as C_BUDGET,
} from '../model/causes.ts';

/** Envoy response flags per cause, for access logs and traces ('-' = none). */
export const FLAGS: readonly string[] = FAILURE_CAUSES.map((_, i) => flagsOfCause(i === CAUSE_NONE ? -1 : i));
