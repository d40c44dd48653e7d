/** Chaos faults as Toxiproxy toxics: stacked per direction, removed one by one. */
import { describe, expect, it } from 'vitest';
import { DOWNSTREAM, ToxicStack, UPSTREAM, type Toxic } from '../../simulator/mesh/toxics.ts';
import type { Rng } from '../../simulator/engine/types.ts';

/** An Rng that returns fixed values and counts its draws. */
function scripted(values: number[]): Rng & { draws: number } {
  const r = {
    draws: 0,
    next() {
      return values[r.draws++ % values.length]!;
    },
    stream() {
      return r;
    },
  };
  return r as unknown as Rng & { draws: number };
}

const lat = (
  name: string,
  latency: number,
  stream: 'upstream' | 'downstream' = 'upstream',
  jitter = 0,
): Toxic => ({
  type: 'latency',
  name,
  stream,
  latency,
  jitter,
});

describe('ToxicStack', () => {
  it('two latency toxics on one direction add up; removing one leaves the other', () => {
    const s = new ToxicStack();
    const a = lat('a', 100);
    const b = lat('b', 250);
    s.add(a);
    s.add(b);
    const rng = scripted([0.5]);
    expect(s.latency(UPSTREAM, rng)).toBe(350);
    expect(s.latency(DOWNSTREAM, rng)).toBe(0);
    expect(s.remove(a)).toBe(true);
    expect(s.latency(UPSTREAM, rng)).toBe(250);
    expect(s.remove(a)).toBe(false);
    expect(s.remove(b)).toBe(true);
    expect(s.latency(UPSTREAM, rng)).toBe(0);
    expect(rng.draws).toBe(0); // no jitter, no draw
  });

  it('directions are separate; jitter draws once per jittered toxic, each clamped at 0', () => {
    const s = new ToxicStack();
    s.add(lat('up', 10, 'upstream', 20));
    s.add(lat('down', 30, 'downstream'));
    const rng = scripted([0]); // u = 0 → latency − jitter = −10 → 0
    expect(s.latency(UPSTREAM, rng)).toBe(0);
    expect(rng.draws).toBe(1);
    expect(s.latency(DOWNSTREAM, rng)).toBe(30);
    expect(rng.draws).toBe(1);
  });

  it('loss toxics combine as independent rolls; an empty direction draws nothing', () => {
    const s = new ToxicStack();
    const rng = scripted([0.99]);
    expect(s.lost(UPSTREAM, rng)).toBe(false);
    expect(rng.draws).toBe(0);
    const a: Toxic = { type: 'loss', name: 'a', stream: 'upstream', percent: 50 };
    s.add(a);
    s.add({ type: 'loss', name: 'b', stream: 'upstream', percent: 50 });
    expect(s.lossPercent(UPSTREAM)).toBe(75);
    expect(s.lossPercent(DOWNSTREAM)).toBe(0);
    s.remove(a);
    expect(s.lossPercent(UPSTREAM)).toBe(50);
  });

  it('aborts apply in order to what the earlier ones let through, with their own status', () => {
    const s = new ToxicStack();
    s.add({ type: 'abort', name: 'a', percent: 50, status: 503 });
    s.add({ type: 'abort', name: 'b', percent: 50, status: 500 });
    expect(s.abortStatus(scripted([0.4]))).toBe(503);
    expect(s.abortStatus(scripted([0.6]))).toBe(500); // 50 % + 50 % of the remaining 50 % = 75 %
    expect(s.abortStatus(scripted([0.8]))).toBe(0);
    expect(new ToxicStack().abortStatus(scripted([0]))).toBe(0);
  });
});
