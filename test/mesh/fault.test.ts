import { describe, expect, it } from 'vitest';
import { createRng } from '../../simulator/engine/rng.ts';
import type { Rng } from '../../simulator/engine/types.ts';
import { FaultInjector } from '../../simulator/mesh/fault.ts';
import type { RequestInfo } from '../../simulator/mesh/types.ts';

const req = (headers: Record<string, string> = {}): RequestInfo => ({
  method: 'GET',
  path: '/ratings/1',
  headers,
  source: 'reviews',
});

function counting(inner: Rng): Rng & { draws: number } {
  const r = {
    draws: 0,
    next: () => {
      r.draws++;
      return inner.next();
    },
    stream: (n: string) => inner.stream(n),
  };
  return r;
}

describe('FaultInjector (Istio: client side, before the router)', () => {
  it('100 % abort always aborts with the status; 0 % never', () => {
    const rng = createRng(1);
    const always = new FaultInjector({ abort: { percent: 100, status: 500 } });
    const never = new FaultInjector({ abort: { percent: 0, status: 500 } });
    for (let i = 0; i < 1000; i++) {
      expect(always.decide(req(), rng)).toEqual({ delayMs: 0, abortStatus: 500 });
      expect(never.decide(req(), rng).abortStatus).toBe(0);
    }
  });

  it('percentages hold, and delay and abort are independent', () => {
    const f = new FaultInjector({ delay: { percent: 10, fixed: 7000 }, abort: { percent: 50, status: 503 } });
    const rng = createRng(2);
    let delayed = 0;
    let aborted = 0;
    let both = 0;
    const n = 200_000;
    for (let i = 0; i < n; i++) {
      const d = f.decide(req(), rng);
      if (d.delayMs === 7000) delayed++;
      if (d.abortStatus === 503) aborted++;
      if (d.delayMs > 0 && d.abortStatus > 0) both++;
    }
    expect(Math.abs(delayed / n - 0.1)).toBeLessThan(0.004);
    expect(Math.abs(aborted / n - 0.5)).toBeLessThan(0.005);
    expect(Math.abs(both / n - 0.05)).toBeLessThan(0.003);
  });

  it('honours a fractional percentage (0.1 %)', () => {
    const f = new FaultInjector({ abort: { percent: 0.1, status: 500 } });
    const rng = createRng(3);
    let aborted = 0;
    const n = 1_000_000;
    for (let i = 0; i < n; i++) if (f.decide(req(), rng).abortStatus) aborted++;
    expect(Math.abs((aborted / n) * 100 - 0.1)).toBeLessThan(0.01);
  });

  it('with a header match, only matching requests are faulted and others draw nothing', () => {
    const f = new FaultInjector({
      delay: { percent: 100, fixed: 7000 },
      match: { headers: { 'end-user': { exact: 'jason' } } },
    });
    const rng = counting(createRng(4));
    expect(f.decide(req(), rng).delayMs).toBe(0);
    expect(rng.draws).toBe(0);
    expect(f.decide(req({ 'end-user': 'jason' }), rng).delayMs).toBe(7000);
    expect(rng.draws).toBe(1);
  });

  it('draws one number per configured fault kind; its decisions are immutable and can be kept', () => {
    const rng = counting(createRng(5));
    const f = new FaultInjector({ delay: { percent: 50, fixed: 10 }, abort: { percent: 50, status: 500 } });
    const kept = [];
    for (let i = 0; i < 40; i++) kept.push({ d: f.decide(req(), rng) });
    expect(rng.draws).toBe(80);
    for (const { d } of kept) expect(Object.isFrozen(d)).toBe(true);
    // A later decision does not change an earlier one (no shared mutable object).
    const seen = new Set(kept.map(({ d }) => `${d.delayMs}/${d.abortStatus}`));
    expect(seen).toEqual(new Set(['0/0', '10/0', '0/500', '10/500']));
    const first = kept[0].d;
    const snapshot = { ...first };
    for (let i = 0; i < 20; i++) f.decide(req(), rng);
    expect(first).toEqual(snapshot);
    const none = new FaultInjector(undefined);
    expect(none.active).toBe(false);
    expect(none.decide(req(), rng)).toEqual({ delayMs: 0, abortStatus: 0 });
    expect(rng.draws).toBe(120);
  });

  it('validates its spec', () => {
    expect(() => new FaultInjector({ abort: { percent: 101, status: 500 } })).toThrow(/0\.\.100/);
    expect(() => new FaultInjector({ abort: { percent: 10, status: 42 } })).toThrow(/status/);
    expect(() => new FaultInjector({ delay: { percent: 10, fixed: -1 } })).toThrow(/fixed/);
  });
});
