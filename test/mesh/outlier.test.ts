import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../../simulator/engine/clock.ts';
import { OutlierDetector } from '../../simulator/mesh/outlier.ts';
import type { AttemptOutcome, Host, MeshEvent } from '../../simulator/mesh/types.ts';
import type { OutlierDetectionSpec } from '../../simulator/model/types.ts';

const OK: AttemptOutcome = { kind: 'response', status: 200 };
const E500: AttemptOutcome = { kind: 'response', status: 500 };

const base: OutlierDetectionSpec = {
  consecutive5xxErrors: 5,
  interval: 10_000,
  baseEjectionTime: 30_000,
  maxEjectionTime: 300_000,
  maxEjectionPercent: 100,
  minHealthPercent: 0,
};

function setup(spec: OutlierDetectionSpec, n: number) {
  const clock = new VirtualClock();
  const events: { t: number; e: MeshEvent }[] = [];
  const names = Array.from({ length: n }, (_, i) => `reviews-v1-${i}`);
  const od = new OutlierDetector(spec, n, clock, {
    subject: 'reviews',
    hostNames: names,
    sink: (t, e) => events.push({ t, e }),
  });
  const hosts: Host[] = names.map((_, index) => ({ index, active: 0 }));
  return { clock, od, events, hosts };
}

describe('OutlierDetector — consecutive 5xx', () => {
  it('ejects exactly the failing host at its 5th error; re-admits at base×1, then base×2, base×3', () => {
    const { clock, od, events, hosts } = setup(base, 3);
    od.start();
    const out: Host[] = [];
    const sent = [0, 0, 0];
    let failing = true;
    // Every 100 ms (at 50, 150, …) one request to each host the balancer may use.
    const tick = (): void => {
      for (const h of od.healthyHosts(hosts, out)) {
        sent[h.index]++;
        od.onResult(h.index, h.index === 1 && failing ? E500 : OK);
      }
      clock.schedule(100, tick);
    };
    clock.schedule(50, tick);

    clock.runUntil(449);
    expect(od.ejectedCount).toBe(0);
    clock.runUntil(450); // host 1's 5th consecutive 5xx
    expect([od.isEjected(0), od.isEjected(1), od.isEjected(2)]).toEqual([false, true, false]);
    expect(events).toEqual([
      {
        t: 450,
        e: {
          kind: 'ejection',
          subject: 'reviews',
          state: 'ejected',
          reason: 'ejected reviews-v1-1: 5 consecutive 5xx; ejection #1 for 30 s',
        },
      },
    ]);
    // Un-ejected at the first interval sweep at or after 450 + 30000.
    expect(od.readmissionTime(1)).toBe(40_000);
    clock.runUntil(39_999);
    expect(od.isEjected(1)).toBe(true);
    expect(sent[1]).toBe(5); // no traffic while ejected
    clock.runUntil(40_000);
    expect(od.isEjected(1)).toBe(false);
    expect(events[1].t).toBe(40_000);
    expect(events[1].e.kind).toBe('unejection');

    // Second ejection: 5 more errors (40050 … 40450), lasts base×2.
    clock.runUntil(40_450);
    expect(od.isEjected(1)).toBe(true);
    expect(events[2]).toEqual({
      t: 40_450,
      e: {
        kind: 'ejection',
        subject: 'reviews',
        state: 'ejected',
        reason: 'ejected reviews-v1-1: 5 consecutive 5xx; ejection #2 for 1m',
      },
    });
    expect(od.ejectionTime(1)).toBe(60_000);
    expect(od.readmissionTime(1)).toBe(110_000);
    clock.runUntil(109_999);
    expect(od.isEjected(1)).toBe(true);
    clock.runUntil(110_000);
    expect(od.isEjected(1)).toBe(false);

    clock.runUntil(110_450);
    expect(events.at(-1)?.e.reason).toBe('ejected reviews-v1-1: 5 consecutive 5xx; ejection #3 for 1m 30s');
    expect(od.readmissionTime(1)).toBe(210_000);
    failing = false;
    clock.runUntil(210_000);
    expect(od.isEjected(1)).toBe(false);
    expect(events.filter((x) => x.e.kind === 'ejection').length).toBe(3);
    expect(events.every((x) => x.e.reason.includes('reviews-v1-1'))).toBe(true);
    expect(od.ejectionMultiplier(1)).toBe(3);
    // The multiplier decrements at each sweep the host stays un-ejected (one interval after un-ejection).
    clock.runUntil(220_000);
    expect(od.ejectionMultiplier(1)).toBe(2);
    clock.runUntil(240_000);
    expect(od.ejectionMultiplier(1)).toBe(0);
    expect(od.readmissionTime(1)).toBeNaN();
  });

  it('a host healthy for an interval after un-ejection gets base×1 again', () => {
    const { clock, od, events } = setup(base, 3);
    od.start();
    for (let i = 0; i < 5; i++) od.onResult(1, E500);
    clock.runUntil(30_000);
    expect(od.isEjected(1)).toBe(false); // un-ejected at the sweep at 30000 (ejected at 0)
    clock.runUntil(40_000); // sweep: 10 s after un-ejection ⇒ multiplier 1 → 0
    expect(od.ejectionMultiplier(1)).toBe(0);
    for (let i = 0; i < 5; i++) od.onResult(1, E500);
    expect(events.at(-1)?.e.reason).toBe(
      'ejected reviews-v1-1: 5 consecutive 5xx; ejection #2 (multiplier 1) for 30 s',
    );
    expect(od.readmissionTime(1)).toBe(70_000);
  });

  it('caps the ejection time at maxEjectionTime', () => {
    const { clock, od } = setup({ ...base, baseEjectionTime: 1000, maxEjectionTime: 2500, interval: 500 }, 3);
    od.start();
    const durations: number[] = [];
    for (let k = 0; k < 5; k++) {
      for (let i = 0; i < 5; i++) od.onResult(1, E500);
      durations.push(od.ejectionTime(1));
      clock.runUntil(od.readmissionTime(1));
      expect(od.isEjected(1)).toBe(false);
    }
    expect(durations).toEqual([1000, 2000, 2500, 2500, 2500]);
  });

  it('counts local-origin failures as 5xx, resets on success, ignores overflow', () => {
    const { od } = setup({ ...base, consecutive5xxErrors: 3 }, 3);
    od.onResult(0, { kind: 'connect-failure' });
    od.onResult(0, { kind: 'reset' });
    od.onResult(0, { kind: 'overflow' }); // UO: not the host's fault, neither counts nor resets
    expect(od.isEjected(0)).toBe(false);
    od.onResult(0, { kind: 'per-try-timeout' });
    expect(od.isEjected(0)).toBe(true);

    od.onResult(2, E500);
    od.onResult(2, E500);
    od.onResult(2, { kind: 'response', status: 404 }); // not a 5xx: resets
    od.onResult(2, E500);
    od.onResult(2, E500);
    expect(od.isEjected(2)).toBe(false);
  });

  it('consecutive gateway errors: 502/503/504 and local-origin failures; a 500 breaks the run', () => {
    const { od, events } = setup(
      { ...base, consecutive5xxErrors: undefined, consecutiveGatewayErrors: 3 },
      3,
    );
    od.onResult(0, { kind: 'response', status: 502 });
    od.onResult(0, { kind: 'response', status: 504 });
    od.onResult(0, E500);
    od.onResult(0, { kind: 'response', status: 503 });
    od.onResult(0, { kind: 'per-try-timeout' });
    expect(od.isEjected(0)).toBe(false);
    od.onResult(0, { kind: 'connect-failure' });
    expect(od.isEjected(0)).toBe(true);
    expect(events[0].e.reason).toBe(
      'ejected reviews-v1-0: 3 consecutive gateway errors; ejection #1 for 30 s',
    );
  });
});

describe('OutlierDetector — limits and panic', () => {
  it('honours max ejection percent (20 % of 10 hosts = 2)', () => {
    const { od, events } = setup({ ...base, maxEjectionPercent: 20 }, 10);
    for (let i = 0; i < 5; i++) for (let h = 0; h < 5; h++) od.onResult(h, E500);
    expect(od.ejectedCount).toBe(2);
    expect([0, 1, 2, 3, 4].map((h) => od.isEjected(h))).toEqual([true, true, false, false, false]);
    expect(od.overflows).toBe(3);
    expect(events[2].e).toEqual({
      kind: 'ejection',
      subject: 'reviews',
      state: 'refused',
      reason:
        'not ejected reviews-v1-2: 5 consecutive 5xx, but max ejection 20% reached (2/10 hosts ejected)',
    });
    // The refused host's counter was reset: it needs 5 more errors for the next attempt.
    for (let i = 0; i < 4; i++) od.onResult(2, E500);
    expect(od.overflows).toBe(3);
    od.onResult(2, E500);
    expect(od.overflows).toBe(4);
  });

  it('ejects no host when maxEjectionPercent allows none (10 % of 3 hosts), as Envoy', () => {
    const { od } = setup({ ...base, maxEjectionPercent: 10 }, 3);
    for (let i = 0; i < 5; i++) for (let h = 0; h < 3; h++) od.onResult(h, E500);
    expect(od.ejectedCount).toBe(0);
    expect(od.overflows).toBe(3);
  });

  it('with alwaysEjectOneHost, one host is ejectable whatever the percentage (Envoy always_eject_one_host)', () => {
    const { od } = setup({ ...base, maxEjectionPercent: 10, alwaysEjectOneHost: true }, 3);
    for (let i = 0; i < 5; i++) for (let h = 0; h < 3; h++) od.onResult(h, E500);
    expect(od.ejectedCount).toBe(1);
    expect(od.isEjected(0)).toBe(true);
    expect(od.overflows).toBe(2);
  });

  it('panics when the healthy share falls below minHealthPercent, and balances over all hosts', () => {
    const { clock, od, events, hosts } = setup({ ...base, minHealthPercent: 60 }, 4);
    od.start();
    const out: Host[] = [];
    for (let i = 0; i < 5; i++) od.onResult(0, E500);
    expect(od.inPanic()).toBe(false); // 3/4 = 75 %
    expect(od.healthyHosts(hosts, out).map((h) => h.index)).toEqual([1, 2, 3]);
    clock.runUntil(5000);
    for (let i = 0; i < 5; i++) od.onResult(1, E500);
    expect(od.inPanic()).toBe(true); // 2/4 = 50 % < 60 %
    expect(od.healthyHosts(hosts, out).map((h) => h.index)).toEqual([0, 1, 2, 3]);
    expect(events.at(-1)).toEqual({
      t: 5000,
      e: {
        kind: 'panic',
        subject: 'reviews',
        state: 'on',
        reason: 'panic: 2/4 hosts healthy (50.0%) < min health 60%; balancing over all hosts',
      },
    });
    clock.runUntil(30_000); // host 0 (ejected at 0) is back: 3/4
    expect(od.inPanic()).toBe(false);
    expect(events.at(-1)?.e.kind).toBe('panic');
    expect(events.at(-1)?.e.state).toBe('off');
    expect(od.healthyHosts(hosts, out).map((h) => h.index)).toEqual([0, 2, 3]);
  });

  it('without panic (minHealthPercent 0) an all-ejected cluster has no healthy host', () => {
    const { od, hosts } = setup(base, 2);
    for (let i = 0; i < 5; i++) for (let h = 0; h < 2; h++) od.onResult(h, E500);
    expect(od.ejectedCount).toBe(2);
    expect(od.inPanic()).toBe(false);
    expect(od.healthyHosts(hosts, [])).toEqual([]);
  });
});

describe('OutlierDetector — success rate', () => {
  const srSpec: OutlierDetectionSpec = {
    ...base,
    consecutive5xxErrors: undefined,
    successRate: { minimumHosts: 5, requestVolume: 100, stdevFactor: 1.9 },
  };

  function load(od: OutlierDetector, volume4: number, ok4: number): void {
    for (let h = 0; h < 4; h++) for (let i = 0; i < 100; i++) od.onResult(h, OK);
    for (let i = 0; i < volume4; i++) od.onResult(4, i < ok4 ? OK : E500);
  }

  it('ejects a host below mean − 1.9·stdev at the interval sweep', () => {
    const { clock, od, events } = setup(srSpec, 5);
    od.start();
    load(od, 100, 50);
    clock.runUntil(9_999);
    expect(od.ejectedCount).toBe(0);
    clock.runUntil(10_000);
    expect(od.isEjected(4)).toBe(true);
    expect(od.ejectedCount).toBe(1);
    expect(events[0]).toEqual({
      t: 10_000,
      e: {
        kind: 'ejection',
        subject: 'reviews',
        state: 'ejected',
        reason:
          'ejected reviews-v1-4: success rate 50.0% < threshold 52.0% (mean 90.0%, stdev 20.0, factor 1.9, 5 hosts); ejection #1 for 30 s',
      },
    });
  });

  it('needs requestVolume per host and minimumHosts such hosts, over the last interval only', () => {
    const { clock, od } = setup(srSpec, 5);
    od.start();
    load(od, 99, 0); // host 4 has too few requests: 4 valid hosts < 5
    clock.runUntil(10_000);
    expect(od.ejectedCount).toBe(0);
    for (let i = 0; i < 99; i++) od.onResult(4, E500); // without the others' traffic this interval
    clock.runUntil(20_000);
    expect(od.ejectedCount).toBe(0);
  });
});
