/**
 * A fabricated but realistic RunResult, produced through the real Recorder: Bookinfo at 20 rps
 * for 5 minutes, ratings slowed by 1.5 s between 60 s and 150 s (reviews' breaker opens), details
 * aborting 50 % of calls between 200 s and 230 s. Deterministic (own LCG, no Math.random).
 */
import { Recorder } from '../../simulator/telemetry/recorder.ts';
import { resultHash } from '../../simulator/telemetry/hash.ts';
import { verdictOf } from '../../simulator/telemetry/verdict.ts';
import { formatAccessLog } from '../../simulator/telemetry/access-log.ts';
import {
  FAILURE_CAUSES,
  type FailureCause,
  type RunResult,
  type Span,
} from '../../simulator/telemetry/types.ts';

const C = (c: FailureCause): number => FAILURE_CAUSES.indexOf(c);

export function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
}

export const SERVICES = ['productpage', 'details', 'reviews', 'ratings'];
export const EDGES: [string, string][] = [
  ['client', 'productpage'],
  ['productpage', 'details'],
  ['productpage', 'reviews'],
  ['reviews', 'ratings'],
];

export interface FixtureOptions {
  seed?: number;
  durationMs?: number;
  rps?: number;
  scenario?: string;
  /** Slow-ratings fault on/off (a "resilient" variant has a lower timeout and no breaker trips). */
  faults?: boolean;
  /** reviews → ratings route timeout, ms. */
  timeoutMs?: number;
}

export function fabricateResult(opts: FixtureOptions = {}): RunResult {
  const seed = opts.seed ?? 7;
  const durationMs = opts.durationMs ?? 300_000;
  const rps = opts.rps ?? 20;
  const faults = opts.faults ?? true;
  const timeoutMs = opts.timeoutMs ?? 1000;
  const rnd = lcg(seed);
  const exp = (mean: number): number => -Math.log(1 - rnd()) * mean;
  const rec = new Recorder(SERVICES, EDGES, 1000, durationMs);
  SERVICES.forEach((_, i) => rec.setCapacity(i, i === 2 ? 3 : 1, i === 2 ? 48 : 16));

  const slowFrom = 60_000;
  const slowTo = 150_000;
  const abortFrom = 200_000;
  const abortTo = 230_000;
  let breakerOpenAt = -1;
  let breakerState: 'closed' | 'open' | 'half-open' = 'closed';
  let consecutive = 0;
  const spans: Span[] = [];
  const access: string[] = [];
  let traceNo = 0;
  let busy = [0, 0, 0, 0];

  if (faults) {
    rec.event({
      t: slowFrom,
      kind: 'fault-start',
      subject: 'slow-ratings',
      reason: 'latency +1.5s on ratings (100%)',
    });
    rec.event({ t: slowTo, kind: 'fault-end', subject: 'slow-ratings', reason: 'duration elapsed' });
    rec.event({
      t: abortFrom,
      kind: 'fault-start',
      subject: 'abort-details',
      reason: 'abort 503 on details (50%)',
    });
    rec.event({ t: abortTo, kind: 'fault-end', subject: 'abort-details', reason: 'duration elapsed' });
  }

  let t = 0;
  let nextBoundary = 1000;
  while (t < durationMs) {
    t += exp(1000 / rps);
    while (nextBoundary <= t && nextBoundary <= durationMs) {
      SERVICES.forEach((_, i) => {
        const inflight = Math.round(busy[i]);
        rec.sampleGauges(
          nextBoundary,
          i,
          Math.max(0, inflight - (i === 2 ? 48 : 16)),
          inflight,
          Math.min(inflight, i === 2 ? 48 : 16),
          i === 2 ? 48 : 16,
        );
      });
      busy = [0, 0, 0, 0];
      rec.closeInterval(nextBoundary);
      nextBoundary += 1000;
    }
    if (t >= durationMs) break;
    const traceId = (++traceNo).toString(16).padStart(32, '0');
    const sampled = traceNo % 200 === 1;
    const slow = faults && t >= slowFrom && t < slowTo;
    const abort = faults && t >= abortFrom && t < abortTo && rnd() < 0.5;

    // breaker on reviews → ratings
    if (breakerState === 'open' && t - breakerOpenAt >= 15_000) {
      breakerState = 'half-open';
      rec.event({
        t,
        kind: 'breaker',
        subject: 'reviews-v2-0 → ratings',
        state: 'half-open',
        reason: 'open interval of 15s elapsed',
      });
    }

    // ratings (called by reviews with one retry)
    let reviewsDegraded = false;
    let ratingsLatency = 0;
    rec.edgeRequest(3);
    if (breakerState === 'open') {
      rec.edgeAttempt(3, false);
      rec.edgeAttemptFailed(3, C('breaker-open'));
      rec.edgeDone(3, 0.05, false, C('breaker-open'));
      reviewsDegraded = true;
    } else {
      let okRatings = false;
      let spent = 0;
      for (let attempt = 0; attempt < 2 && !okRatings; attempt++) {
        rec.edgeAttempt(3, attempt > 0);
        rec.serviceArrival(3);
        const svc = 2 + exp(3) + (slow ? 1500 + exp(200) : 0);
        busy[3] += svc / 1000;
        rec.busySlotTime(3, Math.min(svc, timeoutMs));
        if (svc > timeoutMs) {
          rec.serviceDone(3, svc, true, -1, false);
          rec.orphaned(3);
          rec.edgeAttemptFailed(3, C('per-try-timeout'));
          spent += timeoutMs / 2;
        } else {
          rec.serviceDone(3, svc, true, -1, false);
          okRatings = true;
          spent += svc + 0.3;
        }
      }
      ratingsLatency = spent;
      if (okRatings) {
        consecutive = 0;
        if (breakerState === 'half-open') {
          breakerState = 'closed';
          rec.event({
            t,
            kind: 'breaker',
            subject: 'reviews-v2-0 → ratings',
            state: 'closed',
            reason: 'probe request succeeded',
          });
        }
        rec.edgeDone(3, spent, true, -1);
      } else {
        rec.edgeDone(3, spent, false, C('route-timeout'));
        reviewsDegraded = true;
        consecutive++;
        if ((breakerState === 'closed' && consecutive >= 5) || breakerState === 'half-open') {
          breakerState = 'open';
          breakerOpenAt = t;
          rec.event({
            t,
            kind: 'breaker',
            subject: 'reviews-v2-0 → ratings',
            state: 'open',
            reason: `${consecutive} consecutive failures (threshold 5)`,
          });
          rec.event({
            t: t + 1,
            kind: 'ejection',
            subject: 'ratings-v1-0',
            reason: '5 consecutive 5xx; ejected for 30s',
          });
        }
      }
    }

    // reviews
    rec.edgeRequest(2);
    rec.edgeAttempt(2, false);
    rec.serviceArrival(2);
    const reviewsOwn = 4 + exp(6);
    const reviewsLatency = reviewsOwn + ratingsLatency;
    busy[2] += reviewsLatency / 1000;
    rec.busySlotTime(2, reviewsLatency);
    rec.serviceDone(2, reviewsLatency, true, -1, reviewsDegraded);
    rec.edgeDone(2, reviewsLatency + 0.4, true, -1);

    // details
    rec.edgeRequest(1);
    rec.edgeAttempt(1, false);
    let detailsOk = true;
    let detailsLatency = 0.3;
    if (abort) {
      rec.edgeAttemptFailed(1, C('fault-abort'));
      rec.edgeDone(1, 0.3, false, C('fault-abort'));
      detailsOk = false;
    } else {
      rec.serviceArrival(1);
      detailsLatency = 1 + exp(1.5);
      busy[1] += detailsLatency / 1000;
      rec.busySlotTime(1, detailsLatency);
      rec.serviceDone(1, detailsLatency, true, -1, false);
      rec.edgeDone(1, detailsLatency + 0.3, true, -1);
    }

    // productpage and the entry
    rec.serviceArrival(0);
    const ppLatency = 3 + exp(4) + detailsLatency + reviewsLatency;
    busy[0] += ppLatency / 1000;
    rec.busySlotTime(0, ppLatency);
    if (rnd() < 0.002) rec.sideEffect(0, rnd() < 0.3);
    rec.serviceDone(0, ppLatency, detailsOk, detailsOk ? -1 : C('error-5xx'), reviewsDegraded);
    rec.edgeRequest(0);
    rec.edgeAttempt(0, false);
    if (!detailsOk) rec.edgeAttemptFailed(0, C('error-5xx'));
    rec.edgeDone(0, ppLatency + 0.5, detailsOk, detailsOk ? -1 : C('error-5xx'));
    rec.entryDone(ppLatency + 0.5, detailsOk, detailsOk ? -1 : C('error-5xx'), reviewsDegraded);
    if (!detailsOk && rnd() < 0.3) rec.clientRetry();

    if (sampled) {
      const root = { traceId, spanId: (traceNo * 16 + 1).toString(16).padStart(16, '0') };
      const pp = (traceNo * 16 + 2).toString(16).padStart(16, '0');
      spans.push({
        ...root,
        name: 'GET /productpage',
        service: 'client',
        instance: 'client',
        kind: 'client',
        startMs: t,
        endMs: t + ppLatency + 0.5,
        status: detailsOk ? 200 : 500,
      });
      spans.push({
        traceId,
        spanId: pp,
        parentSpanId: root.spanId,
        name: 'GET /productpage',
        service: 'productpage',
        instance: 'productpage-v1-0',
        kind: 'server',
        startMs: t + 0.2,
        endMs: t + ppLatency + 0.2,
        status: detailsOk ? 200 : 500,
        attributes: { 'queue.ms': 0, degraded: reviewsDegraded },
      });
      spans.push({
        traceId,
        spanId: (traceNo * 16 + 3).toString(16).padStart(16, '0'),
        parentSpanId: pp,
        name: 'GET /reviews → reviews',
        service: 'productpage',
        instance: 'productpage-v1-0',
        kind: 'client',
        startMs: t + 1,
        endMs: t + 1 + reviewsLatency,
        status: 200,
      });
      access.push(
        formatAccessLog({
          startMs: t,
          method: 'GET',
          path: '/productpage',
          status: detailsOk ? 200 : 500,
          flags: '-',
          bytesSent: detailsOk ? 5183 : 0,
          durationMs: ppLatency + 0.5,
          requestId: traceId,
          authority: 'productpage',
          upstreamHost: 'productpage-v1-0:9080',
          userAgent: 'meshdojo-load',
        }),
      );
    }
  }
  SERVICES.forEach((_, i) => rec.maxQueue(i, i === 3 && faults ? 7 : 0));
  const partial = rec.finish();
  const result: RunResult = {
    mode: 'simulated',
    scenario: opts.scenario ?? 'bookinfo-ratings-slow',
    seed,
    durationMs,
    hash: '',
    ...partial,
    mesh: {
      profile: 'istio-sidecar',
      proxies: 6,
      addedLatencyMsPerRequest: 1.9,
      cpuCoreSeconds: 150,
      cpuCores: 0.5,
      memoryMB: 360,
      breakers: [],
      outlierDetectors: [],
    },
    traces: spans,
    accessLog: access,
    thresholds: [
      {
        metric: 'http_req_duration',
        source: 'p(99)<500',
        ok: partial.summary.latencyMs.p99 < 500,
        status: partial.summary.latencyMs.p99 < 500 ? 'held' : 'violated',
        observed: partial.summary.latencyMs.p99,
        unit: 'ms',
      },
      {
        metric: 'http_req_failed',
        source: 'rate<0.01',
        ok: 1 - partial.summary.successRate < 0.01,
        status: 1 - partial.summary.successRate < 0.01 ? 'held' : 'violated',
        observed: Math.round((1 - partial.summary.successRate) * 1e6) / 1e6,
        unit: 'ratio',
      },
    ],
    probes: [
      {
        name: 'page-ok',
        ok: partial.summary.successRate >= 0.99,
        status: partial.summary.successRate >= 0.99 ? 'held' : 'violated',
        observed: partial.summary.successRate,
        samples: partial.summary.requests,
        expected: 'success rate ≥ 99% (productpage, 30 s–1m)',
        unit: 'ratio',
      },
    ],
    passed: false,
    verdict: 'failed',
    engine: { events: 123456, serviceCalls: 23456 },
  };
  result.verdict = verdictOf(result.thresholds, result.probes);
  result.passed = result.verdict === 'passed';
  result.hash = resultHash(result);
  result.wall = { elapsedMs: 420, eventsPerSecond: 293942, callsPerSecond: 55847 };
  return result;
}
