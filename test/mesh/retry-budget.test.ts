import { describe, expect, it } from 'vitest';
import {
  createRetryGate,
  EnvoyRetryBudget,
  LinkerdRetryBudget,
  MaxRetriesGate,
} from '../../simulator/mesh/retry-budget.ts';

describe('Envoy retry budget', () => {
  it('admits min_retry_concurrency (3) at low load, then 20 % of active + pending', () => {
    const b = new EnvoyRetryBudget(20, 3);
    expect([0, 1, 10, 15, 19, 20, 25, 100, 1000].map((a) => b.maxRetries(a))).toEqual([
      3, 3, 3, 3, 3, 4, 5, 20, 200,
    ]);
    expect(b.canRetry(10, 2)).toBe(true);
    expect(b.canRetry(10, 3)).toBe(false);
    expect(b.canRetry(100, 19)).toBe(true);
    expect(b.canRetry(100, 20)).toBe(false);
    expect(b.admit(0, 100, 19)).toBe(true);
  });

  it('truncates the percentage like Envoy (24 × 20 % = 4.8 ⇒ 4)', () => {
    expect(new EnvoyRetryBudget(20, 0).maxRetries(24)).toBe(4);
  });
});

describe('max_retries threshold', () => {
  it('allows at most maxRetries concurrent retries', () => {
    const g = new MaxRetriesGate(3);
    expect([0, 1, 2, 3, 4].map((r) => g.canRetry(r))).toEqual([true, true, true, false, false]);
    expect(g.admit(0, 1_000_000, 2)).toBe(true);
  });
});

describe('Linkerd retry budget', () => {
  it('starts with the reserve: minRetriesPerSecond × ttl retries', () => {
    const b = new LinkerdRetryBudget(0.2, 10, 10_000);
    let allowed = 0;
    while (b.canRetry(0) && allowed < 1000) {
      b.recordRetry(0);
      allowed++;
    }
    expect(allowed).toBe(100);
  });

  it('adds ratio × original requests on top of the reserve', () => {
    const b = new LinkerdRetryBudget(0.2, 0, 10_000);
    for (let i = 0; i < 1000; i++) b.recordRequest(i);
    expect(b.balance(1000)).toBe(200);
    let allowed = 0;
    while (b.canRetry(1000)) {
      b.recordRetry(1000);
      allowed++;
    }
    expect(allowed).toBe(200);
  });

  it('honours ratios that tower would quantise (0.3 ⇒ 30 per 100 requests)', () => {
    const b = new LinkerdRetryBudget(0.3, 0, 10_000);
    for (let i = 0; i < 100; i++) b.recordRequest(0);
    expect(b.balance(0)).toBe(30);
  });

  it('deposits and withdrawals expire after the ttl window', () => {
    const b = new LinkerdRetryBudget(0.2, 0, 10_000);
    for (let i = 0; i < 100; i++) b.recordRequest(500);
    expect(b.balance(9_999)).toBe(20);
    expect(b.balance(10_999)).toBe(20); // the bucket of t=500 ([0, 1000)) is still in the window
    expect(b.balance(11_000)).toBe(0); // …and now it is not
    // Withdrawals expire too: a spent reserve comes back.
    const c = new LinkerdRetryBudget(0.2, 1, 10_000);
    for (let i = 0; i < 10; i++) c.recordRetry(0);
    expect(c.canRetry(5_000)).toBe(false);
    expect(c.balance(11_000)).toBe(10);
  });

  it('a long silence clears every bucket', () => {
    const b = new LinkerdRetryBudget(1, 0, 1000);
    for (let i = 0; i < 50; i++) b.recordRequest(10);
    expect(b.balance(50)).toBe(50);
    expect(b.balance(1_000_000)).toBe(0);
    b.recordRequest(1_000_001);
    expect(b.balance(1_000_002)).toBe(1);
  });
});

describe('createRetryGate', () => {
  it('uses the budget when configured, otherwise the maxRetries threshold', () => {
    expect(createRetryGate(undefined, 3).kind).toBe('max-retries');
    expect(createRetryGate({ kind: 'envoy', percent: 20, minRetryConcurrency: 3 }, 3).kind).toBe(
      'envoy-budget',
    );
    expect(
      createRetryGate({ kind: 'linkerd', ratio: 0.2, minRetriesPerSecond: 10, ttl: 10_000 }, 3).kind,
    ).toBe('linkerd-budget');
  });
});
