import { describe, expect, it } from 'vitest';
import * as hdr from 'hdr-histogram-js';
import { LatencyHistogram, MAX_TRACKABLE_US } from '../../simulator/telemetry/histogram.ts';
import { lcg } from './fixture.ts';

const PS = [0.1, 1, 10, 25, 50, 75, 90, 95, 99, 99.5, 99.9, 99.99, 100];

function lognormals(n: number, seed: number, medianMs = 8, sigma = 1.3): number[] {
  const rnd = lcg(seed);
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const u1 = 1 - rnd();
    const u2 = rnd();
    const z = Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
    out.push(Math.round(medianMs * Math.exp(sigma * z) * 1000) / 1000);
  }
  return out;
}

function filled(values: number[]): LatencyHistogram {
  const h = new LatencyHistogram();
  for (const v of values) h.record(v);
  return h;
}

describe('LatencyHistogram', () => {
  it('is empty at first', () => {
    const h = new LatencyHistogram();
    expect(h.count).toBe(0);
    expect(h.percentile(50)).toBe(0);
    expect(h.mean).toBe(0);
    expect(h.max).toBe(0);
    expect(h.summary()).toEqual({ p50: 0, p90: 0, p99: 0, p999: 0, mean: 0, max: 0 });
  });

  it('1..10000 ms uniform: percentiles within HDR precision (0.1 %)', () => {
    const h = new LatencyHistogram();
    for (let ms = 1; ms <= 10000; ms++) h.record(ms);
    expect(h.count).toBe(10000);
    const within = (got: number, want: number): void => {
      expect(Math.abs(got - want) / want).toBeLessThanOrEqual(0.001);
    };
    within(h.percentile(50), 5000);
    within(h.percentile(90), 9000);
    within(h.percentile(99), 9900);
    within(h.percentile(99.9), 9990);
    expect(h.percentile(100)).toBe(10000);
    expect(h.max).toBe(10000);
    expect(h.min).toBe(1);
    expect(h.mean).toBe(5000.5); // exact: from the exact µs sum
    const s = h.summary();
    within(s.p50, 5000);
    within(s.p99, 9900);
    expect(s.mean).toBe(5000.5);
  });

  it('keeps microsecond resolution below 2 ms and rounds the summary to 3 decimals', () => {
    const h = filled([0.1234, 0.5, 1.9996]);
    expect(h.percentile(0)).toBe(0.123);
    expect(h.percentile(50)).toBe(0.5);
    expect(h.max).toBe(2);
    expect(h.summary().mean).toBe(0.874);
  });

  it.each([3, 2] as const)(
    'reports exactly what hdr-histogram-js reports (capped at the exact max) with %i digits',
    (digits) => {
      for (const n of [37, 256, 257, 5000, 200_000]) {
        const values = lognormals(n, n);
        const ours = new LatencyHistogram(digits);
        for (const v of values) ours.record(v);
        const ref = hdr.build({
          bitBucketSize: 32,
          autoResize: false,
          lowestDiscernibleValue: 1,
          highestTrackableValue: MAX_TRACKABLE_US,
          numberOfSignificantValueDigits: digits,
        });
        for (const v of values) ref.recordValue(Math.round(v * 1000));
        const maxUs = values.reduce((m, v) => Math.max(m, Math.round(v * 1000)), 0);
        for (const p of PS) {
          const want = Math.min(ref.getValueAtPercentile(p), maxUs) / 1000;
          expect(ours.percentile(p), `n=${n} p=${p}`).toBe(want);
        }
        expect(ours.count).toBe(ref.totalCount);
        expect(ours.max).toBe(maxUs / 1000);
      }
    },
  );

  it('percentiles() and takePercentiles() give the same values as percentile()', () => {
    for (const n of [10, 3000]) {
      const h = filled(lognormals(n, 3));
      const out = new Array<number>(PS.length).fill(-1);
      h.percentiles(PS, out);
      const want = PS.map((p) => h.percentile(p));
      expect(out).toEqual(want);
      const taken = new Float64Array(PS.length);
      h.takePercentiles(PS, taken);
      expect([...taken]).toEqual(want);
      expect(h.count).toBe(0); // taken = read and reset
      for (const v of lognormals(n, 4)) h.record(v);
      const fresh = filled(lognormals(n, 4));
      expect(PS.map((p) => h.percentile(p))).toEqual(PS.map((p) => fresh.percentile(p)));
    }
  });

  it('takePercentiles() of a few values agrees with the sorted values whether it sorts or walks buckets', () => {
    // A narrow spread (few slots per value: the bucket walk) and a wide one (the sort), at both
    // precisions; percentile() always reads the sorted raw values.
    for (const digits of [2, 3] as const)
      for (const [n, sigma] of [
        [5, 0.05],
        [40, 0.2],
        [256, 0.5],
        [7, 2.5],
        [200, 2.5],
      ] as const) {
        const h = new LatencyHistogram(digits);
        for (const v of lognormals(n, 11, 3, sigma)) h.record(v);
        const want = PS.map((p) => h.percentile(p));
        const taken = new Float64Array(PS.length);
        h.takePercentiles(PS, taken);
        expect([...taken]).toEqual(want);
        expect(h.count).toBe(0);
      }
  });

  it('2 significant digits stay within 1 % and refuse to merge with 3', () => {
    const h = new LatencyHistogram(2);
    for (let ms = 1; ms <= 10000; ms++) h.record(ms);
    expect(Math.abs(h.percentile(50) - 5000) / 5000).toBeLessThanOrEqual(0.01);
    expect(Math.abs(h.percentile(99) - 9900) / 9900).toBeLessThanOrEqual(0.01);
    expect(() => new LatencyHistogram(3).merge(h)).toThrow(/same significant digits/);
  });

  it('merge equals recording together (sparse + sparse, dense + sparse, dense + dense)', () => {
    const cases: [number, number][] = [
      [50, 60],
      [100, 200],
      [5000, 40],
      [30, 5000],
      [4000, 9000],
    ];
    for (const [na, nb] of cases) {
      const a = lognormals(na, na + 1, 5);
      const b = lognormals(nb, nb + 2, 50, 0.8);
      const merged = filled(a);
      merged.merge(filled(b));
      const together = filled([...a, ...b]);
      expect(merged.count).toBe(together.count);
      expect(merged.mean).toBeCloseTo(together.mean, 9);
      expect(merged.max).toBe(together.max);
      expect(merged.min).toBe(together.min);
      for (const p of PS) expect(merged.percentile(p), `${na}+${nb} p${p}`).toBe(together.percentile(p));
      expect(merged.summary()).toEqual(together.summary());
      const bounds = [1, 5, 10, 50, 100, 1000];
      expect(merged.cumulativeCounts(bounds)).toEqual(together.cumulativeCounts(bounds));
    }
  });

  it('reset forgets everything and the histogram can be reused', () => {
    for (const n of [20, 3000]) {
      const h = filled(lognormals(n, 9));
      h.reset();
      expect(h.count).toBe(0);
      expect(h.percentile(99)).toBe(0);
      expect(h.max).toBe(0);
      const again = lognormals(500, 10);
      for (const v of again) h.record(v);
      const fresh = filled(again);
      for (const p of PS) expect(h.percentile(p)).toBe(fresh.percentile(p));
      expect(h.cumulativeCounts([2, 20, 200])).toEqual(fresh.cumulativeCounts([2, 20, 200]));
    }
  });

  it('clamps what it cannot store: negatives and NaN to 0, beyond ~71.6 min to the top', () => {
    const h = filled([-5, Number.NaN, 5e9]);
    expect(h.count).toBe(3);
    expect(h.percentile(10)).toBe(0);
    expect(h.max).toBe(MAX_TRACKABLE_US / 1000);
  });

  it('cumulative bucket counts are monotone, exact below 2 ms and bounded by the count', () => {
    const values = lognormals(10000, 77, 20, 1.5);
    const h = filled(values);
    const bounds = [1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000];
    const got = h.cumulativeCounts(bounds);
    for (let i = 1; i < got.length; i++) expect(got[i]).toBeGreaterThanOrEqual(got[i - 1]);
    expect(got[got.length - 1]).toBeLessThanOrEqual(h.count);
    expect(got[0]).toBe(values.filter((v) => v <= 1).length);
    expect(got[1]).toBe(values.filter((v) => v <= 2).length);
    for (let i = 2; i < bounds.length; i++) {
      // within one bucket (< 0.1 % of the bound) of the exact count
      const exactBelow = values.filter((v) => v <= bounds[i] * 0.999).length;
      const exactAbove = values.filter((v) => v <= bounds[i] * 1.001).length;
      expect(got[i]).toBeGreaterThanOrEqual(exactBelow);
      expect(got[i]).toBeLessThanOrEqual(exactAbove);
    }
  });
});
