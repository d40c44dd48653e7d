import { describe, expect, it } from 'vitest';
import {
  compareJson,
  compareText,
  formatTable,
  metricsOf,
  sweepHtml,
  sweepText,
} from '../../simulator/cli/report.ts';
import { expandGrid, parseVary } from '../../simulator/cli/sweep.ts';
import { fakeResult } from './helpers.ts';

describe('metricsOf', () => {
  it('sums retries and side effects and finds the most loaded service', () => {
    const m = metricsOf(fakeResult({ retries: 7 }));
    expect(m.retries).toBe(7);
    expect(m.sideEffects).toBe(10);
    expect(m.duplicateSideEffects).toBe(2);
    expect(m.maxUtilization).toEqual({ service: 'backend', value: 0.8 });
  });
});

describe('compare report', () => {
  const a = fakeResult({ successRate: 0.95, p99: 40 });
  const b = fakeResult({ successRate: 0.999, p99: 55.5, retries: 12 });

  it('shows deltas against the first variant', () => {
    const text = compareText(['none', 'retries'], [a, b]);
    expect(text).toMatch(/success rate\s+95%\s+99\.9% \(\+4\.90pp\)/);
    expect(text).toMatch(/p99 \(entry\)\s+40\.0 ms\s+55\.5 ms \(\+15\.5 ms\)/);
    expect(text).toMatch(/retries \(mesh \+ app\)\s+0\s+12 \(\+12\)/);
    expect(text).toMatch(/degraded answers/);
    expect(text).toMatch(/breaker opens/);
    expect(text).toMatch(/verdict\s+no checks\s+no checks/);
    expect(text).not.toMatch(/backend p99/); // per-service rows only with --wide
    expect(compareText(['none', 'retries'], [a, b], { wide: true })).toMatch(/backend p99/);
    const json = compareJson(['none', 'retries'], [a, b]) as { variants: { delta?: { retries: number } }[] };
    expect(json.variants[0].delta).toBeUndefined();
    expect(json.variants[1].delta?.retries).toBe(12);
  });
});

describe('sweep report', () => {
  const axes = [parseVary('backend.retries.attempts=0..1'), parseVary('backend.timeout=250ms,1s')];
  const variants = expandGrid(axes);
  const results = variants.map((_, i) => fakeResult({ successRate: 0.9 + i / 100, retries: i }));

  it('has one row per variant with its values', () => {
    const text = sweepText(axes, variants, results);
    const lines = text.trimEnd().split('\n');
    expect(lines).toHaveLength(2 + 2 + 4);
    expect(lines[2]).toMatch(/^backend\.retries\.attempts\s+backend\.timeout\s+success/);
    expect(lines[5]).toMatch(/^0\s+1s\s+91%/);
    expect(lines[2]).toMatch(/degraded\s+p99\s+in flight\s+breaker opens/);
    expect(lines[5]).toMatch(/no checks$/);
  });

  it('draws a self-contained heatmap page with two keys', () => {
    const html = sweepHtml(axes, variants, results, '/* d3 */ window.d3 = {}; // </script>');
    expect(html).toMatch(/^<!doctype html>/i);
    expect(html).not.toMatch(/<script[^>]+src=/);
    expect(html).toContain('<\\/script>');
    expect(html).toContain('"key":"backend.retries.attempts"');
    expect(html).toContain('"cells":[[0.9,0.91],[0.92,0.93]]');
  });
});

describe('formatTable', () => {
  it('right-aligns numeric columns', () => {
    expect(
      formatTable(
        ['a', 'n'],
        [
          ['x', '1'],
          ['yy', '10'],
        ],
      ),
    ).toBe('a    n\n──  ──\nx    1\nyy  10\n');
  });
});
