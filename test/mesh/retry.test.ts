import { describe, expect, it } from 'vitest';
import { createRng } from '../../simulator/engine/rng.ts';
import type { RetryOn, RetrySpec } from '../../simulator/model/types.ts';
import { backoffBoundMs, RetryPolicy, RETRY_ON_TOKENS } from '../../simulator/mesh/retry.ts';
import type { AttemptOutcome } from '../../simulator/mesh/types.ts';

const spec = (retryOn: RetryOn[], extra: Partial<RetrySpec> = {}): RetrySpec => ({
  attempts: 2,
  retryOn,
  retriableStatusCodes: [],
  backoff: { base: 25, max: 250 },
  otherHost: true,
  ...extra,
});

const OUTCOMES: Record<string, AttemptOutcome> = {
  '200': { kind: 'response', status: 200 },
  '404': { kind: 'response', status: 404 },
  '409': { kind: 'response', status: 409 },
  '429': { kind: 'response', status: 429 },
  '499': { kind: 'response', status: 499 },
  '500': { kind: 'response', status: 500 },
  '501': { kind: 'response', status: 501 },
  '502': { kind: 'response', status: 502 },
  '503': { kind: 'response', status: 503 },
  '504': { kind: 'response', status: 504 },
  '599': { kind: 'response', status: 599 },
  'connect-failure': { kind: 'connect-failure' },
  reset: { kind: 'reset' },
  'per-try-timeout': { kind: 'per-try-timeout' },
  overflow: { kind: 'overflow' },
};

/** Expected retried outcomes per token (upstream plain HTTP; retriableStatusCodes [429, 503]). */
const HTTP_TABLE: Record<RetryOn, string[]> = {
  '5xx': ['500', '501', '502', '503', '504', '599', 'connect-failure', 'reset', 'per-try-timeout'],
  'gateway-error': ['502', '503', '504', 'connect-failure', 'reset', 'per-try-timeout'],
  reset: ['connect-failure', 'reset', 'per-try-timeout'],
  'connect-failure': ['connect-failure'],
  'refused-stream': [],
  'retriable-4xx': ['409'],
  'retriable-status-codes': ['429', '503'],
  unavailable: [],
  cancelled: [],
  'deadline-exceeded': [],
};

/** Differences when the upstream is gRPC. */
const GRPC_TABLE: Partial<Record<RetryOn, string[]>> = {
  unavailable: ['503'],
  cancelled: ['499'],
  'deadline-exceeded': ['504'],
};

describe('retryOn truth table (Envoy semantics)', () => {
  for (const grpc of [false, true]) {
    for (const token of RETRY_ON_TOKENS) {
      it(`${token}${grpc ? ' (gRPC upstream)' : ''}`, () => {
        const p = new RetryPolicy(spec([token], { retriableStatusCodes: [429, 503] }), { grpc });
        const expected = (grpc ? GRPC_TABLE[token] : undefined) ?? HTTP_TABLE[token];
        const got = Object.keys(OUTCOMES).filter((k) => p.matches(OUTCOMES[k]));
        expect(got.sort()).toEqual([...expected].sort());
      });
    }
  }

  it('overflow is never retried, whatever the tokens', () => {
    const p = new RetryPolicy(spec([...RETRY_ON_TOKENS], { retriableStatusCodes: [503] }), { grpc: true });
    expect(p.shouldRetry({ kind: 'overflow' }, 0)).toBe(false);
  });

  it("Istio's default list does not retry 503 (≥ 1.24) nor per-try timeouts, but retries connect failures", () => {
    const p = new RetryPolicy(
      spec(['connect-failure', 'refused-stream', 'unavailable', 'cancelled', 'retriable-status-codes']),
    );
    expect(p.shouldRetry(OUTCOMES['503'], 0)).toBe(false);
    expect(p.shouldRetry(OUTCOMES['per-try-timeout'], 0)).toBe(false);
    expect(p.shouldRetry(OUTCOMES['reset'], 0)).toBe(false);
    expect(p.shouldRetry(OUTCOMES['connect-failure'], 0)).toBe(true);
    expect(p.retriesPerTryTimeout).toBe(false);
  });

  it('the union of tokens is OR-ed', () => {
    const p = new RetryPolicy(spec(['connect-failure', 'retriable-4xx']));
    expect(['409', 'connect-failure'].every((k) => p.matches(OUTCOMES[k]))).toBe(true);
    expect(p.matches(OUTCOMES['503'])).toBe(false);
  });
});

describe('retry counting (Istio attempts = retries)', () => {
  it('attempts: 2 ⇒ at most 3 tries', () => {
    const p = new RetryPolicy(spec(['5xx']));
    expect(p.maxTries).toBe(3);
    expect([0, 1, 2, 3].map((done) => p.shouldRetry(OUTCOMES['500'], done))).toEqual([
      true,
      true,
      false,
      false,
    ]);
  });

  it('attempts: 0 ⇒ no retries', () => {
    const p = new RetryPolicy(spec(['5xx'], { attempts: 0 }));
    expect(p.shouldRetry(OUTCOMES['500'], 0)).toBe(false);
  });

  it('rejects invalid specs', () => {
    expect(() => new RetryPolicy(spec(['5xx'], { attempts: -1 }))).toThrow(/attempts/);
    expect(() => new RetryPolicy(spec(['5xx'], { backoff: { base: 100, max: 50 } }))).toThrow(/backoff/);
    expect(() => new RetryPolicy(spec(['bogus' as RetryOn]))).toThrow(/unknown token 'bogus'/);
  });
});

describe('back-off (Envoy full jitter)', () => {
  it("Envoy's draw: random % min(base·2^(n−1), max) whole ms — means 12, 24.5, 49.5, 99.5, 124.5 ms for base 25", () => {
    expect([1, 2, 3, 4, 5, 60].map((n) => backoffBoundMs(n, 25, 250))).toEqual([25, 50, 100, 200, 250, 250]);
    const p = new RetryPolicy(spec(['5xx']));
    const rng = createRng(9);
    for (const [n, interval, mean] of [
      [1, 25, 12],
      [2, 50, 24.5],
      [3, 100, 49.5],
      [4, 200, 99.5],
      [5, 250, 124.5],
      [10, 250, 124.5],
    ] as const) {
      let min = Infinity;
      let max = 0;
      let sum = 0;
      const draws = 40_000;
      for (let i = 0; i < draws; i++) {
        const b = p.backoffMs(n, rng);
        expect(Number.isInteger(b)).toBe(true);
        min = Math.min(min, b);
        max = Math.max(max, b);
        sum += b;
      }
      expect(min).toBe(0);
      expect(max).toBe(interval - 1); // the whole range 0 … interval − 1 is used
      expect(Math.abs(sum / draws - mean)).toBeLessThan(interval * 0.01);
    }
  });

  it('base 0 ⇒ immediate retries without drawing', () => {
    const p = new RetryPolicy(spec(['5xx'], { backoff: { base: 0, max: 0 } }));
    const rng = {
      next: () => {
        throw new Error('drawn');
      },
      stream: () => rng,
    };
    expect(p.backoffMs(3, rng)).toBe(0);
  });
});
