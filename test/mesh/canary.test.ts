import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../../simulator/engine/clock.ts';
import { CanaryController, canaryMachine, type CanaryAnalysis } from '../../simulator/control/canary.ts';
import type { MeshEvent } from '../../simulator/mesh/types.ts';
import type { CanarySpec } from '../../simulator/model/types.ts';

const spec: CanarySpec = {
  service: 'reviews',
  stable: 'v1',
  canary: 'v2',
  stepWeight: 20,
  maxWeight: 60,
  interval: 60_000,
  threshold: 3,
  analysis: { minSuccessRate: 0.99, maxP99: 500 },
};
const GOOD: CanaryAnalysis = { successRate: 0.998, p99Ms: 120, requests: 1000 };
const BAD: CanaryAnalysis = { successRate: 0.912, p99Ms: 130, requests: 1000 };
const SLOW: CanaryAnalysis = { successRate: 0.999, p99Ms: 800, requests: 1000 };

/**
 * Run a rollout where the driver pushes `samples[k]` one second before the k-th tick (ticks every
 * 60 s from t = 0), and record the canary weight at every second.
 */
function run(samples: (CanaryAnalysis | null)[], until: number) {
  const clock = new VirtualClock();
  const events: { t: number; e: MeshEvent }[] = [];
  const c = new CanaryController(spec, clock, { sink: (t, e) => events.push({ t, e }) });
  samples.forEach((s, k) => {
    if (s !== null) clock.schedule((k + 1) * 60_000 - 1000, () => c.analyse(s));
  });
  const weights = new Map<number, number>();
  const record = (): void => {
    weights.set(clock.now(), c.canaryWeight);
    if (clock.now() < until) clock.schedule(1000, record);
  };
  // Sampled after the tick at the same instant: schedule the sampler after start().
  c.start();
  clock.schedule(0, record);
  clock.runUntil(until);
  return { c, events, weights };
}

/** Weight seen at each second → the list of (time, weight) change points. */
function changes(weights: Map<number, number>): [number, number][] {
  const out: [number, number][] = [];
  let last = -1;
  for (const [t, w] of [...weights.entries()].sort((a, b) => a[0] - b[0])) {
    if (w !== last) out.push([t, w]);
    last = w;
  }
  return out;
}

describe('CanaryController', () => {
  it('promote path: 20 → 40 → 60 → promoting → 100, one step per interval', () => {
    const { c, events, weights } = run([GOOD, GOOD, GOOD, GOOD], 400_000);
    expect(changes(weights)).toEqual([
      [0, 20],
      [60_000, 40],
      [120_000, 60],
      [240_000, 100],
    ]);
    expect(c.state).toBe('promoted');
    expect(events.map(({ t, e }) => [t, e.state, e.reason])).toEqual([
      [0, 'progressing', 'start: 20% to v2 (step 20%, max 60%, every 1m)'],
      [60_000, 'progressing', 'step to 40%: success 99.8% ≥ 99%, p99 120 ms ≤ 500 ms'],
      [120_000, 'progressing', 'step to 60%: success 99.8% ≥ 99%, p99 120 ms ≤ 500 ms'],
      [
        180_000,
        'promoting',
        'promoting v2: analysis passed at max weight 60% (success 99.8% ≥ 99%, p99 120 ms ≤ 500 ms)',
      ],
      [240_000, 'promoted', 'promoted: 100% to v2'],
    ]);
    expect(events.every(({ e }) => e.kind === 'canary' && e.subject === 'reviews')).toBe(true);
  });

  it('rollback path: failed checks hold the weight and accumulate; the 3rd one rolls back to 0', () => {
    const { c, events, weights } = run([GOOD, BAD, GOOD, SLOW, BAD, GOOD], 500_000);
    expect(changes(weights)).toEqual([
      [0, 20],
      [60_000, 40],
      [180_000, 60],
      [300_000, 0],
    ]);
    expect(c.state).toBe('rolled-back');
    expect(c.failedChecks).toBe(3);
    expect(events.map(({ t, e }) => [t, e.state, e.reason])).toEqual([
      [0, 'progressing', 'start: 20% to v2 (step 20%, max 60%, every 1m)'],
      [60_000, 'progressing', 'step to 40%: success 99.8% ≥ 99%, p99 120 ms ≤ 500 ms'],
      [120_000, 'progressing', 'check failed (1/3): success 91.2% < 99%; holding at 40%'],
      [180_000, 'progressing', 'step to 60%: success 99.8% ≥ 99%, p99 120 ms ≤ 500 ms'],
      [240_000, 'progressing', 'check failed (2/3): p99 800 ms > 500 ms; holding at 60%'],
      [300_000, 'rolled-back', 'rollback: 3 failed checks (success 91.2% < 99%)'],
    ]);
  });

  it('no analysis pushed for an interval is a failed check', () => {
    const { c, events } = run([null, null, null], 200_000);
    expect(c.state).toBe('rolled-back');
    expect(c.canaryWeight).toBe(0);
    expect(events[1].e.reason).toBe('check failed (1/3): no requests to v2; holding at 20%');
    expect(events.at(-1)?.t).toBe(180_000);
  });

  it('a sample is used for one tick only', () => {
    const clock = new VirtualClock();
    const c = new CanaryController(spec, clock);
    c.start();
    clock.runUntil(1);
    c.analyse(GOOD);
    clock.runUntil(60_000);
    expect(c.canaryWeight).toBe(40);
    clock.runUntil(120_000);
    expect(c.canaryWeight).toBe(40);
    expect(c.failedChecks).toBe(1);
  });

  it('shows its states to a UI', () => {
    expect(Object.keys(canaryMachine.states)).toEqual([
      'idle',
      'progressing',
      'promoting',
      'promoted',
      'rolled-back',
    ]);
    const clock = new VirtualClock();
    const c = new CanaryController(spec, clock);
    expect(c.state).toBe('idle');
    expect(c.canaryWeight).toBe(0);
    clock.runUntil(1_000_000);
    expect(c.state).toBe('idle'); // nothing happens before start()
  });

  it('rejects a success-rate threshold given as a percentage', () => {
    expect(
      () => new CanaryController({ ...spec, analysis: { minSuccessRate: 99 } }, new VirtualClock()),
    ).toThrow(/ratio/);
  });
});

describe('analysis pulled at tick time', () => {
  it('reads the source exactly once per tick, at the tick, whatever else runs at that instant', () => {
    const clock = new VirtualClock();
    const pulls: number[] = [];
    const c = new CanaryController(spec, clock, {
      analysis: () => {
        pulls.push(clock.now());
        return GOOD;
      },
    });
    c.start();
    clock.runUntil(3 * 60_000);
    expect(pulls).toEqual([60_000, 120_000, 180_000]);
    expect(c.state).toBe('promoting'); // 20 → 40 → 60, then the pass at max weight promotes
  });
});
