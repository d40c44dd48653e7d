/**
 * Mesh retries: which failed tries are retried, how many times, and after which back-off.
 *
 * Counting (Istio): `RetrySpec.attempts` is the number of **retries**; a request is tried at most
 * `1 + attempts` times (Istio `retries.attempts` → Envoy `num_retries`). `attempts: 0` = no retries.
 *
 * `retryOn` tokens follow Envoy's router (`retry_state_impl.cc`, `router_filter.rst`) for the
 * outcomes meshdojo models (`AttemptOutcome`):
 *
 * | token                    | response status                     | connect-failure | reset | per-try-timeout |
 * |--------------------------|-------------------------------------|-----------------|-------|-----------------|
 * | `5xx`                    | 500–599                             | yes             | yes   | yes             |
 * | `gateway-error`          | 502, 503, 504                       | yes             | yes   | yes             |
 * | `reset`                  | —                                   | yes             | yes   | yes             |
 * | `connect-failure`        | —                                   | yes             | —     | —               |
 * | `refused-stream`         | —                                   | —               | —     | —               |
 * | `retriable-4xx`          | 409                                 | —               | —     | —               |
 * | `retriable-status-codes` | listed in `retriableStatusCodes`    | —               | —     | —               |
 * | `unavailable`            | 503, only when the upstream is gRPC | —               | —     | —               |
 * | `cancelled`              | 499, only when the upstream is gRPC | —               | —     | —               |
 * | `deadline-exceeded`      | 504, only when the upstream is gRPC | —               | —     | —               |
 *
 * - `overflow` (a local circuit-breaker overflow, flag UO) is **never** retried.
 * - A per-try timeout is a local stream reset in Envoy: retried only with `5xx`, `gateway-error`
 *   or `reset` (so Istio's default list does not retry slow responses).
 * - `refused-stream` is HTTP/2 REFUSED_STREAM; meshdojo models HTTP/1.1 connections and never
 *   produces that outcome, so the token is accepted and matches nothing.
 * - gRPC tokens: Envoy matches them only on a `grpc-status` response header. meshdojo's outcomes
 *   carry HTTP statuses, so for an upstream marked gRPC a status stands for the gRPC code of the
 *   usual gRPC↔HTTP mapping (UNAVAILABLE = 503, DEADLINE_EXCEEDED = 504, CANCELLED = 499); for a
 *   plain HTTP upstream these tokens match no HTTP status (as in Envoy, where a plain HTTP
 *   response has no `grpc-status`). Istio's default list contains `unavailable` and `cancelled`,
 *   so this distinction matters.
 *
 * Back-off as Envoy's code draws it (`JitteredExponentialBackOffStrategy`,
 * `source/common/common/backoff_strategy.cc`): retry N (1-based) waits `random % interval` whole
 * milliseconds, with interval = min(base·2^(N−1), max): for base 25 ms and max 250 ms the
 * intervals are 25, 50, 100, 200, 250, 250 … and the waits uniform over 0–24, 0–49, 0–99, 0–199,
 * 0–249 ms (means 12, 24.5, 49.5, 99.5, 124.5). (Envoy's docs describe (2^N − 1)·base; the code
 * doubles the interval from `base`.)
 */
import type { Ms, RetryOn, RetrySpec } from '../model/types.ts';
import { RETRY_ON_TOKENS } from '../model/types.ts';
import type { Rng } from '../engine/types.ts';
import type { AttemptOutcome } from './types.ts';

/** Envoy's default back-off base interval. */
export const DEFAULT_BACKOFF_BASE_MS = 25;
/** Envoy's default back-off cap: 10 × base. */
export const DEFAULT_BACKOFF_MAX_MS = 250;

export { RETRY_ON_TOKENS };

/** HTTP statuses standing for gRPC codes when the upstream is gRPC (gRPC↔HTTP mapping). */
export const GRPC_STATUS_AS_HTTP = { unavailable: 503, 'deadline-exceeded': 504, cancelled: 499 } as const;

export interface RetryPolicyOptions {
  /** The upstream speaks gRPC: the `unavailable`/`cancelled`/`deadline-exceeded` tokens apply. */
  grpc?: boolean;
}

/** Envoy's interval before retry `retryNumber` (1-based): min(base·2^(N−1), max), whole ms. */
export function backoffIntervalMs(retryNumber: number, baseMs: Ms, maxMs: Ms): Ms {
  if (retryNumber < 1 || baseMs <= 0) return 0;
  const factor = retryNumber >= 52 ? Number.MAX_SAFE_INTEGER : 2 ** (retryNumber - 1);
  return Math.floor(Math.min(maxMs, factor * baseMs));
}

/** Upper bound of the back-off before retry `retryNumber`: the wait is < this bound (= the interval). */
export function backoffBoundMs(retryNumber: number, baseMs: Ms, maxMs: Ms): Ms {
  return backoffIntervalMs(retryNumber, baseMs, maxMs);
}

const STATUS_TABLE_SIZE = 600;

export class RetryPolicy {
  /** Retries allowed (Istio `attempts`). */
  readonly maxRetries: number;
  /** Same as `maxRetries`, under Istio's name. */
  readonly attempts: number;
  /** Tries allowed: 1 + `maxRetries`. */
  readonly maxTries: number;
  readonly perTryTimeout: Ms | undefined;
  /** Retry on another host when one exists (Envoy `previous_hosts`). */
  readonly otherHost: boolean;
  readonly retryOn: readonly RetryOn[];
  readonly grpc: boolean;
  readonly backoffBase: Ms;
  readonly backoffMax: Ms;
  /** Whether a per-try timeout is retried (`5xx`, `gateway-error` or `reset` present). */
  readonly retriesPerTryTimeout: boolean;
  readonly retriesConnectFailure: boolean;
  readonly retriesReset: boolean;
  /** statusRetriable[s] = 1 when a response with status s is retried. */
  private readonly statusRetriable: Uint8Array;

  constructor(spec: RetrySpec, options: RetryPolicyOptions = {}) {
    if (!Number.isInteger(spec.attempts) || spec.attempts < 0) {
      throw new Error(`retries.attempts must be an integer ≥ 0, got ${spec.attempts}`);
    }
    const { base, max } = spec.backoff;
    if (!(base >= 0) || !(max >= 0) || max < base) {
      throw new Error(`retries.backoff: need 0 ≤ base ≤ max, got base ${base} ms, max ${max} ms`);
    }
    if (spec.perTryTimeout !== undefined && !(spec.perTryTimeout > 0)) {
      throw new Error(`retries.perTryTimeout must be > 0, got ${spec.perTryTimeout}`);
    }
    for (const t of spec.retryOn) {
      if (!RETRY_ON_TOKENS.includes(t)) throw new Error(`retries.retryOn: unknown token '${t}'`);
    }
    this.maxRetries = spec.attempts;
    this.attempts = spec.attempts;
    this.maxTries = spec.attempts + 1;
    this.perTryTimeout = spec.perTryTimeout;
    this.otherHost = spec.otherHost;
    this.retryOn = [...spec.retryOn];
    this.grpc = options.grpc === true;
    this.backoffBase = base;
    this.backoffMax = max;

    const on = new Set<RetryOn>(spec.retryOn);
    const resetLike = on.has('5xx') || on.has('gateway-error') || on.has('reset');
    this.retriesPerTryTimeout = resetLike;
    this.retriesReset = resetLike;
    this.retriesConnectFailure = resetLike || on.has('connect-failure');

    const table = new Uint8Array(STATUS_TABLE_SIZE);
    const mark = (s: number): void => {
      if (Number.isInteger(s) && s >= 0 && s < STATUS_TABLE_SIZE) table[s] = 1;
    };
    if (on.has('5xx')) for (let s = 500; s < 600; s++) mark(s);
    if (on.has('gateway-error')) [502, 503, 504].forEach(mark);
    if (on.has('retriable-4xx')) mark(409);
    if (on.has('retriable-status-codes')) spec.retriableStatusCodes.forEach(mark);
    if (this.grpc) {
      if (on.has('unavailable')) mark(GRPC_STATUS_AS_HTTP.unavailable);
      if (on.has('deadline-exceeded')) mark(GRPC_STATUS_AS_HTTP['deadline-exceeded']);
      if (on.has('cancelled')) mark(GRPC_STATUS_AS_HTTP.cancelled);
    }
    this.statusRetriable = table;
  }

  /** Does this outcome match the `retryOn` conditions (ignoring the retry count)? */
  matches(outcome: AttemptOutcome): boolean {
    switch (outcome.kind) {
      case 'response': {
        const s = outcome.status;
        return s >= 0 && s < STATUS_TABLE_SIZE && this.statusRetriable[s | 0] === 1 && (s | 0) === s;
      }
      case 'connect-failure':
        return this.retriesConnectFailure;
      case 'reset':
        return this.retriesReset;
      case 'per-try-timeout':
        return this.retriesPerTryTimeout;
      case 'overflow':
        return false;
    }
  }

  /** `matches` on the numeric try kinds of mesh/outcome.ts (TRY_RESPONSE, TRY_CONNECT_FAILURE, …). */
  matchesTry(kind: number, status: number): boolean {
    switch (kind) {
      case 0:
        return (
          status >= 0 &&
          status < STATUS_TABLE_SIZE &&
          this.statusRetriable[status | 0] === 1 &&
          (status | 0) === status
        );
      case 1:
        return this.retriesConnectFailure;
      case 2:
        return this.retriesReset;
      case 3:
        return this.retriesPerTryTimeout;
      default:
        return false;
    }
  }

  /**
   * Should the try that ended with `outcome` be retried, given `retriesDone` retries already made?
   * (Admission by the retry budget / `maxRetries` breaker and the remaining route timeout are the
   * driver's to check afterwards.)
   */
  shouldRetry(outcome: AttemptOutcome, retriesDone: number): boolean {
    return retriesDone < this.maxRetries && this.matches(outcome);
  }

  /** Back-off before retry `retryNumber` (1 = first retry): `random % interval` whole ms. One `rng.next()`. */
  backoffMs(retryNumber: number, rng: Rng): Ms {
    const interval = backoffIntervalMs(retryNumber, this.backoffBase, this.backoffMax);
    return interval > 0 ? Math.floor(rng.next() * interval) : 0;
  }
}
