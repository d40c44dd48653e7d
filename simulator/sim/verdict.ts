/**
 * k6 thresholds and Chaos-Toolkit-style steady-state probes. A `VerdictSink` sits in front of the
 * recorder and measures only what the probes and thresholds need (in their time windows), so the
 * verdict is exact, not read back from per-interval summaries.
 */
import type { ProbeSpec, Threshold } from '../model/types.ts';
import { LatencyHistogram } from '../telemetry/histogram.ts';
import type { CheckUnit, ProbeResult, RunEvent, ThresholdResult } from '../telemetry/types.ts';
import { fmtCheckValue, fmtDuration } from '../telemetry/format.ts';
import type { Sink } from './sink.ts';

interface ProbeState {
  spec: ProbeSpec;
  svc: number; // -1 = entry
  ok: number;
  total: number;
  hist: LatencyHistogram | null;
}

export class VerdictSink implements Sink {
  private readonly probes: ProbeState[];
  private readonly byService: ProbeState[][];
  private readonly entryProbes: ProbeState[];

  constructor(
    private readonly inner: Sink,
    probes: ProbeSpec[],
    serviceIds: Map<string, number>,
    nServices: number,
    private readonly now: () => number,
  ) {
    this.probes = probes.map((spec) => ({
      spec,
      svc: spec.service === undefined ? -1 : (serviceIds.get(spec.service) ?? -1),
      ok: 0,
      total: 0,
      hist: spec.metric === 'latency' ? new LatencyHistogram() : null,
    }));
    this.byService = Array.from({ length: nServices }, () => []);
    this.entryProbes = [];
    for (const p of this.probes) (p.svc >= 0 ? this.byService[p.svc] : this.entryProbes).push(p);
  }

  private observe(list: ProbeState[], latency: number, ok: boolean): void {
    const t = this.now();
    for (let i = 0; i < list.length; i++) {
      const p = list[i];
      const w = p.spec.window;
      if (w && (t < w.from || (w.to !== undefined && t > w.to))) continue;
      p.total++;
      if (ok) p.ok++;
      if (p.hist) p.hist.record(latency);
    }
  }

  serviceArrival(svc: number): void {
    this.inner.serviceArrival(svc);
  }
  serviceDone(svc: number, latencyMs: number, ok: boolean, cause: number, degraded: boolean): void {
    this.inner.serviceDone(svc, latencyMs, ok, cause, degraded);
    const list = this.byService[svc];
    if (list.length) this.observe(list, latencyMs, ok);
  }
  edgeRequest(edge: number, startedAt: number): void {
    this.inner.edgeRequest(edge, startedAt);
  }
  edgeAttempt(edge: number, isRetry: boolean, requestStartedAt: number, firstSent: boolean): void {
    this.inner.edgeAttempt(edge, isRetry, requestStartedAt, firstSent);
  }
  edgeAttemptFailed(edge: number, cause: number): void {
    this.inner.edgeAttemptFailed(edge, cause);
  }
  edgeDone(edge: number, latencyMs: number, ok: boolean, cause: number): void {
    this.inner.edgeDone(edge, latencyMs, ok, cause);
  }
  entryDone(latencyMs: number, ok: boolean, cause: number, degraded: boolean): void {
    this.inner.entryDone(latencyMs, ok, cause, degraded);
    if (this.entryProbes.length) this.observe(this.entryProbes, latencyMs, ok);
  }
  clientRetry(): void {
    this.inner.clientRetry();
  }
  sideEffect(svc: number, duplicate: boolean): void {
    this.inner.sideEffect(svc, duplicate);
  }
  orphaned(svc: number): void {
    this.inner.orphaned(svc);
  }
  sampleGauges(t: number, svc: number, q: number, inFlight: number, busyArea: number, slots: number): void {
    this.inner.sampleGauges(t, svc, q, inFlight, busyArea, slots);
  }
  event(e: RunEvent): void {
    this.inner.event(e);
  }

  probeResults(): ProbeResult[] {
    return this.probes.map((p) => {
      const s = p.spec;
      const unit = s.metric === 'successRate' ? 'ratio' : 'ms';
      const expected =
        s.metric === 'successRate'
          ? `success rate ≥ ${fmtCheckValue(s.min ?? 0, 'ratio')}`
          : `p${s.percentile ?? 99} ≤ ${fmtCheckValue(s.max ?? Infinity, 'ms')}`;
      const where = `${s.service ?? 'entry'}${s.window ? `, ${fmtWindow(s.window)}` : ''}`;
      // No completion in the window: nothing was measured, so the probe cannot hold.
      if (p.total === 0)
        return {
          name: s.name,
          ok: false,
          status: 'no-data',
          observed: null,
          samples: 0,
          expected: `${expected} (${where})`,
          unit,
        };
      let observed: number;
      let ok: boolean;
      if (s.metric === 'successRate') {
        observed = p.ok / p.total;
        ok = observed >= (s.min ?? 0);
      } else {
        observed = p.hist ? p.hist.percentile(s.percentile ?? 99) : 0;
        ok = observed <= (s.max ?? Infinity);
      }
      return {
        name: s.name,
        ok,
        status: ok ? 'held' : 'violated',
        observed: round6(observed),
        samples: p.total,
        expected: `${expected} (${where})`,
        unit,
      };
    });
  }
}

/**
 * k6 thresholds over the entry as the load generator saw it. With no completed entry request there
 * is no evidence for any of them: each is `no-data` and does not hold.
 */
export function thresholdResults(
  thresholds: Threshold[],
  entry: LatencyHistogram,
  summary: { requests: number; successes: number },
  durationMs: number,
): ThresholdResult[] {
  const requests = summary.requests;
  const failed = requests - summary.successes;
  const value = (th: Threshold): number => {
    if (th.metric === 'http_req_failed' || th.metric === 'checks') {
      if (th.stat === 'count') return failed;
      const rate = failed / requests;
      return th.metric === 'checks' ? 1 - rate : rate;
    }
    if (th.metric === 'http_reqs') return th.stat === 'rate' ? requests / (durationMs / 1000) : requests;
    switch (th.stat) {
      case 'p':
        return entry.percentile(th.p ?? 50);
      case 'med':
        return entry.percentile(50);
      case 'avg':
        return entry.mean;
      case 'max':
        return entry.max;
      case 'min':
        return entry.percentile(0);
      case 'count':
        return entry.count;
      case 'rate':
        return requests / (durationMs / 1000);
    }
  };
  return thresholds.map((th) => {
    if (
      requests === 0 ||
      (th.metric !== 'http_req_failed' &&
        th.metric !== 'checks' &&
        th.metric !== 'http_reqs' &&
        entry.count === 0)
    )
      return {
        metric: th.metric,
        source: th.source,
        ok: false,
        status: 'no-data',
        observed: null,
        unit: thresholdUnit(th),
      };
    const observed = value(th);
    const ok = compare(observed, th.op, th.value);
    return {
      metric: th.metric,
      source: th.source,
      ok,
      status: ok ? 'held' : 'violated',
      observed: round6(observed),
      unit: thresholdUnit(th),
    };
  });
}

function thresholdUnit(th: Threshold): CheckUnit {
  if (th.metric === 'http_req_failed' || th.metric === 'checks')
    return th.stat === 'count' ? 'count' : 'ratio';
  if (th.stat === 'rate') return 'per-second';
  if (th.metric === 'http_reqs' || th.stat === 'count') return 'count';
  return 'ms';
}

function fmtWindow(w: { from: number; to?: number }): string {
  return w.to === undefined ? `from ${fmtDuration(w.from)}` : `${fmtDuration(w.from)}–${fmtDuration(w.to)}`;
}

function compare(a: number, op: Threshold['op'], b: number): boolean {
  switch (op) {
    case '<':
      return a < b;
    case '<=':
      return a <= b;
    case '>':
      return a > b;
    case '>=':
      return a >= b;
    case '==':
      return a === b;
    case '!=':
      return a !== b;
  }
}

function round6(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}
