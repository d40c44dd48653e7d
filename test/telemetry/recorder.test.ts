import { describe, expect, it } from 'vitest';
import { Recorder, causeIndex, edgeKey } from '../../simulator/telemetry/recorder.ts';
import { ISTIO_DURATION_BUCKETS_MS } from '../../simulator/telemetry/histogram.ts';

const RT = causeIndex('route-timeout');
const BO = causeIndex('breaker-open');

function make(durationMs = 3000): Recorder {
  return new Recorder(
    ['front', 'back'],
    [
      ['client', 'front'],
      ['front', 'back'],
    ],
    1000,
    durationMs,
  );
}

describe('Recorder', () => {
  it('rolls intervals over into columns', () => {
    const r = make();
    // interval 1: back answers 3 times (1 route-timeout), front once
    r.serviceArrival(1);
    r.serviceArrival(1);
    r.serviceArrival(1);
    r.serviceDone(1, 10, true, -1, false);
    r.serviceDone(1, 20, true, -1, false);
    r.serviceDone(1, 1000, false, RT, false);
    r.edgeRequest(1);
    r.edgeAttempt(1, false);
    r.edgeAttempt(1, true);
    r.edgeAttemptFailed(1, RT);
    r.edgeDone(1, 35, true, -1);
    r.entryDone(40, true, -1, false);
    r.sampleGauges(1000, 1, 4, 7, 3, 12);
    r.closeInterval(1000);
    // interval 2: nothing but gauges
    r.sampleGauges(2000, 1, 0, 1, 6, 12);
    r.closeInterval(2000);
    // interval 3: a breaker-open failure appears for the first time
    r.serviceDone(1, 0.05, false, BO, false);
    r.entryDone(2, false, BO, false);
    r.closeInterval(3000);

    const out = r.finish();
    const s = out.series;
    expect(s.intervalMs).toBe(1000);
    expect(s.t).toEqual([1000, 2000, 3000]);
    const back = s.services.back;
    expect(back.requests).toEqual([3, 0, 1]);
    expect(back.successes).toEqual([2, 0, 0]);
    expect(back.failures).toEqual([1, 0, 1]);
    // HdrHistogram semantics at 2 significant digits (interval columns): a percentile is the
    // highest value of its bucket (20 ms → 20.095, within 1 %), never more than the exact maximum.
    expect(back.p50).toEqual([20.095, 0, 0.05]);
    expect(back.p99).toEqual([1000, 0, 0.05]);
    expect(back.byCause).toEqual({ 'route-timeout': [1, 0, 0], 'breaker-open': [0, 0, 1] });
    expect(back.queue).toEqual([4, 0, 0]);
    expect(back.inFlight).toEqual([7, 1, 1]);
    expect(back.utilization).toEqual([0.25, 0.5, 0.5]);
    expect(s.services.front.requests).toEqual([0, 0, 0]);
    expect(s.services.front.byCause).toEqual({});

    const e = s.edges[edgeKey('front', 'back')];
    expect(e.requests).toEqual([1, 0, 0]);
    expect(e.attempts).toEqual([2, 0, 0]);
    expect(e.p99).toEqual([35, 0, 0]);
    expect(s.edges[edgeKey('client', 'front')].requests).toEqual([0, 0, 0]);

    expect(s.entry.requests).toEqual([1, 0, 1]);
    expect(s.entry.failures).toEqual([0, 0, 1]);
    expect(s.entry.byCause).toEqual({ 'breaker-open': [0, 0, 1] });
  });

  it('summarises services, edges and the entry', () => {
    const r = make(2000);
    r.setCapacity(1, 2, 8);
    for (let i = 0; i < 10; i++) {
      r.serviceArrival(1);
      r.serviceDone(1, i + 1, i < 8, i < 8 ? -1 : RT, i === 0);
      r.busySlotTime(1, 400);
    }
    r.serviceArrival(1); // still in flight at the end: counted as arrival only
    r.sideEffect(1, false);
    r.sideEffect(1, true);
    r.orphaned(1);
    r.maxQueue(1, 9);
    r.sampleGauges(1000, 1, 3, 1, 1, 8);
    for (let i = 0; i < 4; i++) {
      r.edgeRequest(1);
      r.edgeAttempt(1, false);
      if (i === 3) {
        r.edgeAttemptFailed(1, RT);
        r.edgeAttempt(1, true);
        r.edgeAttemptFailed(1, -1); // unknown cause counts as error-5xx
        r.edgeDone(1, 2500, false, RT);
      } else r.edgeDone(1, 3 + i, true, -1);
    }
    r.entryDone(5, true, -1, true);
    r.entryDone(7, false, -1, false);
    r.clientRetry();
    r.event({ t: 1500, kind: 'breaker', subject: 'x', state: 'open', reason: 'b' });
    r.event({ t: 500, kind: 'fault-start', subject: 'f', reason: 'a' });
    r.event({ t: 1500, kind: 'breaker', subject: 'x', state: 'half-open', reason: 'c' });
    const out = r.finish();

    expect(out.series.t).toEqual([2000]); // closed automatically at durationMs
    const b = out.services.back;
    expect(b.requests).toBe(11);
    expect(b.successes).toBe(8);
    expect(b.degraded).toBe(1);
    expect(b.failures).toEqual({ 'route-timeout': 2 });
    expect(b.successRate).toBe(0.8);
    expect(b.utilization).toBe(0.25); // 4000 slot·ms / (8 slots × 2000 ms)
    expect(b.sideEffects).toBe(2);
    expect(b.duplicateSideEffects).toBe(1);
    expect(b.orphaned).toBe(1);
    expect(b.maxQueue).toBe(9);
    expect(b.instances).toBe(2);
    expect(b.latencyMs.max).toBe(10);
    expect(out.services.front.successRate).toBe(1);

    const e = out.edges[1];
    expect(e).toMatchObject({ from: 'front', to: 'back', requests: 4, attempts: 5, retries: 1, failed: 1 });
    expect(e.failures).toEqual({ 'route-timeout': 1 });
    expect(e.attemptFailures).toEqual({ 'route-timeout': 1, 'error-5xx': 1 });
    const buckets = e.durationBuckets!;
    expect(buckets.leMs).toEqual([...ISTIO_DURATION_BUCKETS_MS]);
    expect(buckets.count).toBe(4);
    expect(buckets.sumMs).toBe(2512);
    expect(buckets.cumulative[ISTIO_DURATION_BUCKETS_MS.indexOf(5)]).toBe(3);
    expect(buckets.cumulative[ISTIO_DURATION_BUCKETS_MS.indexOf(2500)]).toBe(4);

    expect(out.summary).toMatchObject({
      requests: 2,
      successes: 1,
      degraded: 1,
      successRate: 0.5,
      clientRetries: 1,
    });
    expect(out.summary.failures).toEqual({ 'error-5xx': 1 });
    expect(out.events.map((x) => x.reason)).toEqual(['a', 'b', 'c']); // by time, stable
    expect(r.finish()).toBe(out);
  });

  it('closes a last partial interval at the run duration, once', () => {
    const r = make(2500);
    r.entryDone(1, true, -1, false);
    r.closeInterval(1000);
    r.closeInterval(2000);
    r.closeInterval(2000); // duplicate boundary ignored
    r.entryDone(1, true, -1, false);
    const out = r.finish();
    expect(out.series.t).toEqual([1000, 2000, 2500]);
    expect(out.series.entry.requests).toEqual([1, 0, 1]);
    expect(out.summary.requests).toBe(2);
  });

  it('keeps memory flat: only the columns grow with the simulated duration', () => {
    const r = make(3_600_000);
    for (let k = 1; k <= 3600; k++) {
      for (let i = 0; i < 20; i++) {
        r.serviceDone(1, 1 + ((i * 37) % 200), i % 10 !== 0, i % 10 !== 0 ? -1 : RT, false);
        r.edgeDone(1, 2 + i, true, -1);
      }
      r.closeInterval(k * 1000);
    }
    const out = r.finish();
    expect(out.series.t.length).toBe(3600);
    expect(out.services.back.successes).toBe(3600 * 18);
    expect(out.services.back.failures['route-timeout']).toBe(3600 * 2);
    expect(out.series.services.back.byCause['route-timeout']!.length).toBe(3600);
  });
});
