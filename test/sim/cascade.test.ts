/**
 * Failure cascades on Istio's Bookinfo at its default load (170 req/s): a 3 s latency fault on
 * ratings from 30 s to 60 s (chaos/bookinfo-ratings-slow.yaml).
 */
import { describe, expect, it } from 'vitest';
import { runScenario } from '../../simulator/sim/run.ts';
import type { RunResult, SeriesBlock } from '../../simulator/telemetry/types.ts';
import { scenarioFromFiles } from '../helpers/load.ts';

const CHAOS = 'chaos/bookinfo-ratings-slow.yaml';

function rate(b: SeriesBlock, from: number, to: number): number {
  let req = 0;
  let ok = 0;
  for (let i = from; i < to; i++) {
    req += b.requests[i];
    ok += b.successes[i];
  }
  return req ? ok / req : 1;
}

function window(r: RunResult, fromMs: number, toMs: number): [number, number] {
  const t = r.series.t;
  const from = t.findIndex((x) => x > fromMs);
  const to = t.findIndex((x) => x > toMs);
  return [from, to < 0 ? t.length : to];
}

describe('cascade on Bookinfo', () => {
  it('without the application timeouts, a slow ratings fills the callers and productpage collapses, then recovers', () => {
    const r = runScenario(scenarioFromFiles(['topologies/bookinfo-no-timeouts.yaml', CHAOS]));
    const pp = r.series.services.productpage;
    const [b0, b1] = window(r, 0, 30_000);
    const [f0, f1] = window(r, 40_000, 60_000);
    const [a0, a1] = window(r, 80_000, 120_000);
    // Before the fault: healthy.
    expect(rate(pp, b0, b1)).toBeGreaterThan(0.999);
    // During: reviews' worker slots and queues fill (overflow 503s), productpage fails and slows.
    expect(r.services.reviews.maxQueue).toBeGreaterThanOrEqual(128);
    expect(r.services.reviews.failures.overflow ?? 0).toBeGreaterThan(1000);
    expect(rate(pp, f0, f1)).toBeLessThan(0.6);
    expect(Math.max(...pp.p99.slice(f0, f1))).toBeGreaterThan(3000);
    // After: recovered.
    expect(rate(pp, a0, a1)).toBeGreaterThan(0.999);
    expect(Math.max(...pp.p99.slice(a0, a1))).toBeLessThan(500);
    expect(r.passed).toBe(false); // the steady-state hypothesis is violated
  });

  it('with Bookinfo’s real timeouts and fallbacks, productpage stays above 99% success, answering degraded', () => {
    const r = runScenario(scenarioFromFiles(['topologies/bookinfo.yaml', CHAOS]));
    const pp = r.series.services.productpage;
    const [f0, f1] = window(r, 30_000, 60_000);
    expect(rate(pp, f0, f1)).toBeGreaterThan(0.99);
    expect(r.services.productpage.successRate).toBeGreaterThan(0.99);
    // The fallbacks are visible: degraded answers, counted as successes.
    expect(r.summary.degraded).toBeGreaterThan(1000);
    expect(r.services.productpage.degraded).toBeGreaterThan(1000);
    expect(r.probes.find((p) => p.name === 'page-ok')?.ok).toBe(true);
  });
});
