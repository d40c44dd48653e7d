/**
 * Retry admission: may one more retry start now? Three forms, one interface (`RetryGate`), all
 * per client proxy × upstream cluster:
 *
 * - `EnvoyRetryBudget` — Envoy `circuit_breakers.thresholds.retry_budget` (Istio DestinationRule
 *   `retryBudget`, 1.27+): concurrent retries < max(min_retry_concurrency,
 *   ⌊budget_percent/100 × (active + pending requests)⌋). Envoy defaults 20 %, 3.
 * - `LinkerdRetryBudget` — Linkerd ServiceProfile `retryBudget` (linkerd2-proxy uses tower's
 *   `TpsBudget`, which follows Finagle's RetryBudget): each original request deposits `ratio`
 *   tokens, each retry withdraws one; deposits and withdrawals expire after `ttl`; a constant
 *   reserve of `minRetriesPerSecond × ttl` tokens is always added. Linkerd defaults 0.2, 10/s, 10 s.
 * - `MaxRetriesGate` — Envoy's `max_retries` circuit-breaker threshold (concurrent retries <
 *   max_retries; Envoy default 3, Istio 2^32−1), used when no budget is configured.
 *
 * A refused retry is not an error of its own: the failed try's response is returned (Envoy counts
 * `upstream_rq_retry_overflow`; meshdojo's cause `retry-budget-exhausted`).
 *
 * Driver protocol: `recordRequest(now)` for every original request sent to the cluster;
 * `admit(now, activeRequests, activeRetries)` before a retry; `recordRetry(now)` when it starts.
 * `activeRequests` counts outstanding + pending requests to the cluster, retries included (Envoy's
 * `rq_active + rq_pending`); `activeRetries` counts outstanding retries (Envoy `rq_retry_open`).
 */
import type { Ms, Pct, RetryBudgetSpec } from '../model/types.ts';

export interface RetryGate {
  readonly kind: 'envoy-budget' | 'linkerd-budget' | 'max-retries';
  /** An original request (not a retry) was sent. */
  recordRequest(now: Ms): void;
  /** May one more retry start? Does not change state. */
  admit(now: Ms, activeRequests: number, activeRetries: number): boolean;
  /** A retry was started (after `admit` said yes). */
  recordRetry(now: Ms): void;
}

/** Envoy's retry budget: concurrency-based, no time window. */
export class EnvoyRetryBudget implements RetryGate {
  readonly kind = 'envoy-budget' as const;
  constructor(
    readonly percent: Pct = 20,
    readonly minRetryConcurrency: number = 3,
  ) {
    if (!(percent >= 0)) throw new Error(`retryBudget.percent must be ≥ 0, got ${percent}`);
    if (!Number.isInteger(minRetryConcurrency) || minRetryConcurrency < 0) {
      throw new Error(`retryBudget.minRetryConcurrency must be an integer ≥ 0, got ${minRetryConcurrency}`);
    }
  }

  /** Concurrent retries allowed with `activeRequests` active + pending requests (Envoy `max()`). */
  maxRetries(activeRequests: number): number {
    // Envoy truncates the product to an integer (uint64 conversion).
    return Math.max(Math.floor((this.percent / 100) * activeRequests), this.minRetryConcurrency);
  }

  canRetry(activeRequests: number, activeRetries: number): boolean {
    return activeRetries < this.maxRetries(activeRequests);
  }

  recordRequest(): void {}
  admit(_now: Ms, activeRequests: number, activeRetries: number): boolean {
    return this.canRetry(activeRequests, activeRetries);
  }
  recordRetry(): void {}
}

/** Envoy's `max_retries` threshold: at most this many retries outstanding at once. */
export class MaxRetriesGate implements RetryGate {
  readonly kind = 'max-retries' as const;
  constructor(readonly maxRetries: number) {
    if (!(maxRetries >= 0)) throw new Error(`connectionPool.maxRetries must be ≥ 0, got ${maxRetries}`);
  }
  canRetry(activeRetries: number): boolean {
    return activeRetries < this.maxRetries;
  }
  recordRequest(): void {}
  admit(_now: Ms, _activeRequests: number, activeRetries: number): boolean {
    return this.canRetry(activeRetries);
  }
  recordRetry(): void {}
}

/** Buckets per `ttl` (tower/Finagle use 10). */
const WINDOWS = 10;
/** The current bucket plus WINDOWS past ones (tower keeps a writer slot and 10 committed slots). */
const SLOTS = WINDOWS + 1;
/** Token unit: one retry = SCALE units; a request deposits round(ratio × SCALE) units (exact integers). */
const SCALE = 10_000;

/**
 * Linkerd / Finagle retry budget over a sliding, bucketed window.
 *
 * Time is cut into buckets of `ttl / 10` aligned on multiples of that width (deterministic: the
 * same `now` values give the same answers whatever the call pattern). The balance is the sum of
 * the current bucket and the 10 previous ones, plus the reserve. No allocation after construction.
 *
 * Deviation from tower: tower quantises the ratio to `1 : trunc(1/ratio)` (0.3 → 1/3); here a
 * request deposits `round(ratio × 10 000)` units and a retry costs 10 000, so any ratio is honoured
 * to 0.01 %. Tower re-anchors its window on the first call after it expires; here the buckets are
 * aligned on the clock, which differs only by up to one bucket width in when old tokens expire.
 */
export class LinkerdRetryBudget implements RetryGate {
  readonly kind = 'linkerd-budget' as const;
  readonly ratio: number;
  readonly minRetriesPerSecond: number;
  readonly ttl: Ms;
  private readonly width: Ms;
  private readonly deposit: number;
  private readonly reserve: number;
  private readonly slots = new Float64Array(SLOTS);
  /** Index (on the time axis) of the current bucket. */
  private epoch = 0;
  /** Σ slots (kept incrementally; integers, so exact). */
  private windowSum = 0;

  constructor(ratio = 0.2, minRetriesPerSecond = 10, ttl: Ms = 10_000) {
    if (!(ratio >= 0) || ratio > 1000)
      throw new Error(`retryBudget.ratio must be in [0, 1000], got ${ratio}`);
    if (!(minRetriesPerSecond >= 0)) {
      throw new Error(`retryBudget.minRetriesPerSecond must be ≥ 0, got ${minRetriesPerSecond}`);
    }
    if (!(ttl > 0)) throw new Error(`retryBudget.ttl must be > 0, got ${ttl}`);
    this.ratio = ratio;
    this.minRetriesPerSecond = minRetriesPerSecond;
    this.ttl = ttl;
    this.width = ttl / WINDOWS;
    this.deposit = Math.round(ratio * SCALE);
    this.reserve = Math.round(minRetriesPerSecond * (ttl / 1000) * SCALE);
  }

  recordRequest(now: Ms): void {
    this.advance(now);
    this.slots[this.epoch % SLOTS] += this.deposit;
    this.windowSum += this.deposit;
  }

  /** Is at least one retry's worth of tokens available? */
  canRetry(now: Ms): boolean {
    this.advance(now);
    return this.windowSum + this.reserve >= SCALE;
  }

  recordRetry(now: Ms): void {
    this.advance(now);
    this.slots[this.epoch % SLOTS] -= SCALE;
    this.windowSum -= SCALE;
  }

  admit(now: Ms): boolean {
    return this.canRetry(now);
  }

  /** Retries currently affordable (whole retries), for reports and tests. */
  balance(now: Ms): number {
    this.advance(now);
    return Math.floor((this.windowSum + this.reserve) / SCALE);
  }

  private advance(now: Ms): void {
    const e = Math.floor(now / this.width);
    if (e <= this.epoch) return; // same bucket (or a clock that went backwards: keep the bucket)
    const steps = Math.min(e - this.epoch, SLOTS);
    for (let k = 1; k <= steps; k++) {
      const i = (this.epoch + k) % SLOTS;
      this.windowSum -= this.slots[i];
      this.slots[i] = 0;
    }
    this.epoch = e;
  }
}

/**
 * The retry gate of a cluster: the budget when one is configured (it replaces `max_retries`, as in
 * Envoy), otherwise the `maxRetries` concurrency threshold.
 */
export function createRetryGate(budget: RetryBudgetSpec | undefined, maxRetries: number): RetryGate {
  if (budget === undefined) return new MaxRetriesGate(maxRetries);
  if (budget.kind === 'envoy') return new EnvoyRetryBudget(budget.percent, budget.minRetryConcurrency);
  return new LinkerdRetryBudget(budget.ratio, budget.minRetriesPerSecond, budget.ttl);
}
