import { describe, expect, it } from 'vitest';
import { EventQueue } from '../../simulator/engine/event-queue.ts';
import { VirtualClock } from '../../simulator/engine/clock.ts';
import { createRng } from '../../simulator/engine/rng.ts';
import { makeSampler, meanOf } from '../../simulator/engine/distributions.ts';

describe('EventQueue', () => {
  it('pops in time order and breaks ties by insertion order', () => {
    const q = new EventQueue();
    const out: string[] = [];
    const h = (s: string) => out.push(s);
    q.push(5, h, 'c');
    q.push(1, h, 'a');
    q.push(5, h, 'd');
    q.push(3, h, 'b');
    q.push(5, h, 'e');
    while (q.popAndRun(() => {}));
    expect(out).toEqual(['a', 'b', 'c', 'd', 'e']);
  });

  it('cancels pending events and ignores stale handles after slot reuse', () => {
    const q = new EventQueue();
    const out: number[] = [];
    const h = (n: number) => out.push(n);
    const a = q.push(1, h, 1);
    const b = q.push(2, h, 2);
    expect(q.cancel(a)).toBe(true);
    expect(q.cancel(a)).toBe(false);
    q.popAndRun(() => {}); // runs 2, frees its slot
    const c = q.push(3, h, 3); // may reuse b's slot
    expect(q.cancel(b)).toBe(false); // stale handle must not cancel the new event
    while (q.popAndRun(() => {}));
    expect(out).toEqual([2, 3]);
    expect(q.cancel(c)).toBe(false);
  });

  it('stays a valid heap under a random mix of pushes, pops and cancels', () => {
    const q = new EventQueue();
    const rng = createRng(7);
    const live = new Map<number, number>();
    const popped: number[] = [];
    let last = -Infinity;
    for (let i = 0; i < 20000; i++) {
      const r = rng.next();
      if (r < 0.5) {
        const t = Math.floor(rng.next() * 1000) + (last === -Infinity ? 0 : last);
        const h = q.push(t, (x: number) => popped.push(x), t);
        live.set(h, t);
      } else if (r < 0.7 && live.size) {
        const keys = [...live.keys()];
        const k = keys[Math.floor(rng.next() * keys.length)];
        expect(q.cancel(k)).toBe(true);
        live.delete(k);
      } else if (q.size) {
        q.popAndRun((t) => {
          expect(t).toBeGreaterThanOrEqual(last);
          last = t;
        });
        for (const [k, t] of live)
          if (t === last) {
            live.delete(k);
            break;
          }
      }
    }
    expect(q.size).toBe(live.size);
  });
});

describe('VirtualClock', () => {
  it('advances only through events and fires timers at their own deadlines', () => {
    const clock = new VirtualClock();
    const seen: [string, number][] = [];
    clock.schedule(30, () => seen.push(['b', clock.now()]));
    const id = clock.schedule(20, () => seen.push(['x', clock.now()]));
    clock.schedule(10, () => {
      seen.push(['a', clock.now()]);
      clock.schedule(5, () => seen.push(['a2', clock.now()]));
    });
    clock.cancel(id);
    clock.runUntil(25);
    expect(clock.now()).toBe(25);
    clock.runUntil(100);
    expect(seen).toEqual([
      ['a', 10],
      ['a2', 15],
      ['b', 30],
    ]);
  });
});

describe('Rng', () => {
  it('is deterministic per seed and stream name, independent of other streams', () => {
    const a = createRng(1).stream('arrivals');
    const b = createRng(1).stream('arrivals');
    const other = createRng(1);
    other.stream('svc:x').next(); // drawing elsewhere must not shift 'arrivals'
    const c = other.stream('arrivals');
    const xs = Array.from({ length: 5 }, () => a.next());
    expect(Array.from({ length: 5 }, () => b.next())).toEqual(xs);
    expect(Array.from({ length: 5 }, () => c.next())).toEqual(xs);
    expect(createRng(2).stream('arrivals').next()).not.toBe(xs[0]);
  });

  it('draws uniform numbers in [0, 1)', () => {
    const r = createRng(3);
    let sum = 0;
    let min = 1;
    let max = 0;
    const n = 200000;
    for (let i = 0; i < n; i++) {
      const x = r.next();
      sum += x;
      min = Math.min(min, x);
      max = Math.max(max, x);
    }
    expect(min).toBeGreaterThanOrEqual(0);
    expect(max).toBeLessThan(1);
    expect(Math.abs(sum / n - 0.5)).toBeLessThan(0.003);
  });
});

describe('distributions', () => {
  const cases = [
    { dist: 'exponential', mean: 10 },
    { dist: 'uniform', min: 2, max: 6 },
    { dist: 'constant', value: 7 },
    { dist: 'lognormal', median: 5, p99: 40 },
  ] as const;
  for (const d of cases) {
    it(`samples ${d.dist} with the right mean`, () => {
      const s = makeSampler(d);
      const r = createRng(11);
      let sum = 0;
      const n = 400000;
      for (let i = 0; i < n; i++) sum += s(r);
      expect(sum / n).toBeCloseTo(meanOf(d), 0);
      expect(Math.abs(sum / n / meanOf(d) - 1)).toBeLessThan(0.02);
    });
  }

  it('lognormal has the requested median and p99', () => {
    const s = makeSampler({ dist: 'lognormal', median: 8, p99: 60 });
    const r = createRng(5);
    const xs = Array.from({ length: 200000 }, () => s(r)).sort((a, b) => a - b);
    expect(xs[100000] / 8).toBeGreaterThan(0.98);
    expect(xs[100000] / 8).toBeLessThan(1.02);
    expect(xs[198000] / 60).toBeGreaterThan(0.95);
    expect(xs[198000] / 60).toBeLessThan(1.05);
  });

  it('normal is truncated at 0', () => {
    const s = makeSampler({ dist: 'normal', mean: 1, stddev: 5 });
    const r = createRng(9);
    for (let i = 0; i < 10000; i++) expect(s(r)).toBeGreaterThanOrEqual(0);
  });
});

describe('TimerLane', () => {
  it('reclaims cancelled timers at the head at once (no ring of dead entries) and still fires the live ones in order', () => {
    const clock = new VirtualClock();
    const lane = clock.lane(1000);
    const fired: number[] = [];
    const handles: number[] = [];
    for (let i = 0; i < 10_000; i++) handles.push(clock.after(lane, (k: number) => fired.push(k), i));
    // Cancel all but every 1000th, oldest first (calls answering before their timeout).
    for (let i = 0; i < handles.length; i++) if (i % 1000 !== 999) clock.cancelTimer(handles[i]);
    expect(lane.held).toBeLessThanOrEqual(10_000 - 999);
    expect(clock.queue.size).toBe(1);
    clock.runUntil(999);
    expect(fired).toEqual([]);
    clock.runUntil(1000);
    expect(fired).toEqual([999, 1999, 2999, 3999, 4999, 5999, 6999, 7999, 8999, 9999]);
    // Cancelling every timer leaves nothing held and nothing queued.
    const more: number[] = [];
    for (let i = 0; i < 100; i++) more.push(clock.after(lane, () => fired.push(-1), 0));
    for (const h of more) clock.cancelTimer(h);
    expect(lane.held).toBe(0);
    expect(clock.queue.size).toBe(0);
  });

  it('fires fixed-delay timers in exactly the order the heap would, cancels in O(1)', () => {
    const run = (useLanes: boolean): string[] => {
      const clock = new VirtualClock();
      const rng = createRng(4);
      const log: string[] = [];
      const handles: number[] = [];
      const delays = [5, 10, 10, 25];
      for (let i = 0; i < 3000; i++) {
        const t = Math.floor(rng.next() * 500);
        const d = delays[Math.floor(rng.next() * delays.length)];
        const cancelIt = rng.next() < 0.3;
        clock.at(
          t,
          () => {
            const fire = () => log.push(`${i}@${clock.now()}`);
            const h = useLanes
              ? clock.after(clock.lane(d), fire, null)
              : clock.at(clock.now() + d, fire, null);
            handles.push(h);
            if (cancelIt) clock.at(clock.now() + d / 2, () => clock.cancelTimer(h), null);
          },
          null,
        );
      }
      clock.runUntil(10_000);
      expect(handles.every((h) => h !== 0)).toBe(true);
      return log;
    };
    const heap = run(false);
    const lanes = run(true);
    expect(heap.length).toBeGreaterThan(1500);
    expect(heap.length).toBeLessThan(2500);
    expect(lanes).toEqual(heap);
  });
});
