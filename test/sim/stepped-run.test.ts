import { describe, expect, it } from 'vitest';
import { runScenario, startRun } from '../../simulator/sim/run.ts';
import type { FaultSpec, ScenarioSpec } from '../../simulator/model/types.ts';
import { frameAt } from '../../simulator/telemetry/interval.ts';
import { scenarioFromFiles } from '../helpers/load.ts';

const bookinfo = (): ScenarioSpec =>
  scenarioFromFiles(['topologies/bookinfo.yaml'], { duration: 12_000, sampling: 0.01 });

describe('startRun (the incremental API a live view drives)', () => {
  it('advancing in uneven slices gives the same result and hash as runScenario', () => {
    const whole = runScenario(bookinfo());
    const run = startRun(bookinfo());
    for (const t of [1, 250, 999.5, 1000, 3333, 7000, 11_999]) run.advanceTo(t);
    const sliced = run.finish();
    expect(sliced.hash).toBe(whole.hash);
    expect(sliced.summary.requests).toBeGreaterThan(2000);
  });

  it('exposes closed intervals while it runs, as frames of the interval shape', () => {
    const run = startRun(bookinfo());
    run.advanceTo(3500);
    const series = run.series();
    expect(series.t).toEqual([1000, 2000, 3000]);
    const f = frameAt(series, 2, run.eventsFrom(0));
    expect(f.t).toBe(3000);
    expect(f.entry.requests).toBeGreaterThan(150);
    expect(f.services.reviews.queue).toBeTypeOf('number');
    expect(f.edges['productpage->reviews'].attempts).toBeGreaterThan(100);
  });

  it('a fault injected at t and stopped at t2 replays exactly as a ChaosExperiment fault at t lasting t2 − t', () => {
    const fault: FaultSpec = {
      name: 'slow-ratings',
      type: 'latency',
      target: { service: 'ratings' },
      at: 4000.5,
      latency: 2000,
      jitter: 0,
      stream: 'upstream',
    };
    const live = startRun(bookinfo());
    live.advanceTo(4000);
    live.injectFault(fault);
    live.advanceTo(8000);
    live.stopFault(fault, 8000.5);
    const liveResult = live.finish();

    const replay = bookinfo();
    replay.chaos = [{ name: 'ui', steadyState: [], faults: [{ ...fault, duration: 4000 }] }];
    const replayed = runScenario(replay);
    expect(liveResult.hash).toBe(replayed.hash);
    expect(liveResult.events.map((e) => e.kind)).toEqual(['fault-start', 'fault-end']);
    // and the fault did something: reviews v2/v3 waited on ratings
    expect(liveResult.hash).not.toBe(runScenario(bookinfo()).hash);
  });

  it('a kill stopped later replays as a kill with restartAfter', () => {
    const fault: FaultSpec = {
      name: 'kill-details',
      type: 'kill',
      target: { service: 'details' },
      at: 2000.5,
      coldStart: 0,
    };
    const live = startRun(bookinfo());
    live.advanceTo(2000);
    live.injectFault(fault);
    live.advanceTo(5000);
    live.stopFault(fault, 5000.5);
    const liveResult = live.finish();
    const replay = bookinfo();
    replay.chaos = [{ name: 'ui', steadyState: [], faults: [{ ...fault, restartAfter: 3000 }] }];
    // Same run; only the start event's text differs (the restart time is not known when a kill starts).
    const strip = (r: typeof liveResult) => ({
      ...r,
      hash: '',
      events: r.events.map((e) => ({ ...e, reason: e.kind === 'fault-start' ? '' : e.reason })),
    });
    const replayed = runScenario(replay);
    expect(replayed.events[0].reason).toMatch(/restart after 3 s/);
    expect(strip(liveResult)).toEqual(strip(replayed));
    expect(liveResult.events.some((e) => e.kind === 'instance-up')).toBe(true);
  });
});
