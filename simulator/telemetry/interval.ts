/**
 * One closed interval of a run, as a live view receives it: the simulator's per-interval series
 * (TimeSeries) cut at one index, plus the events recorded since the previous interval. The same
 * shape comes from the in-browser simulator (a Web Worker) and from `meshdojo serve` over SSE.
 */
import type { FailureCause, RunEvent, SeriesBlock, TimeSeries } from './types.ts';

/** One interval of one SeriesBlock (services carry the gauges, edges `attempts`). */
export interface IntervalPoint {
  requests: number;
  successes: number;
  failures: number;
  /** Successes answered by a fallback (absent when the source does not know). */
  degraded?: number;
  p50: number;
  p99: number;
  queue?: number;
  inFlight?: number;
  utilization?: number;
  attempts?: number;
  byCause: Partial<Record<FailureCause, number>>;
}

export interface IntervalFrame {
  /** Index of the interval in the run's series. */
  index: number;
  /** End of the interval, ms of simulated (or wall) time since the start. */
  t: number;
  intervalMs: number;
  entry: IntervalPoint;
  services: Record<string, IntervalPoint>;
  /** Keyed `from->to`, as TimeSeries.edges. */
  edges: Record<string, IntervalPoint>;
  events: RunEvent[];
}

function point(b: Partial<SeriesBlock> & Pick<SeriesBlock, 'requests'>, i: number): IntervalPoint {
  const p: IntervalPoint = {
    requests: b.requests[i] ?? 0,
    successes: b.successes?.[i] ?? 0,
    failures: b.failures?.[i] ?? 0,
    p50: b.p50?.[i] ?? 0,
    p99: b.p99?.[i] ?? 0,
    byCause: {},
  };
  if (b.degraded) p.degraded = b.degraded[i] ?? 0;
  if (b.queue) p.queue = b.queue[i] ?? 0;
  if (b.inFlight) p.inFlight = b.inFlight[i] ?? 0;
  if (b.utilization) p.utilization = b.utilization[i] ?? 0;
  if (b.attempts) p.attempts = b.attempts[i] ?? 0;
  for (const [cause, col] of Object.entries(b.byCause ?? {}) as [FailureCause, number[]][]) {
    const v = col[i] ?? 0;
    if (v !== 0) p.byCause[cause] = v;
  }
  return p;
}

/** Interval `index` of a series, with the events whose time falls in it (`events` sorted by t). */
export function frameAt(series: TimeSeries, index: number, events: readonly RunEvent[]): IntervalFrame {
  const t = series.t[index];
  const from = index === 0 ? -Infinity : series.t[index - 1];
  const services: Record<string, IntervalPoint> = {};
  for (const name of Object.keys(series.services)) services[name] = point(series.services[name], index);
  const edges: Record<string, IntervalPoint> = {};
  for (const key of Object.keys(series.edges)) edges[key] = point(series.edges[key], index);
  return {
    index,
    t,
    intervalMs: series.intervalMs,
    entry: point(series.entry, index),
    services,
    edges,
    events: events.filter((e) => e.t > from && e.t <= t),
  };
}
