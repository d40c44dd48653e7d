/**
 * Reads one lab measure off a RunResult. A measure over a window that holds no requests has no
 * value (`null`): a check with no data never passes.
 *
 * Success rate and latency of the entry or of a service are exact: the grader adds them to the
 * run as steady-state probes (the simulator measures them request by request), and this module
 * reads the probe's result. The rest come from the per-interval series and the run totals.
 */
import type { ProbeSpec } from '../model/types.ts';
import { edgeKey } from '../telemetry/recorder.ts';
import type { RunEvent, RunResult, SeriesBlock } from '../telemetry/types.ts';
import type { Measure, MetricName } from './types.ts';

export interface Reading {
  /** Null when the window held nothing to measure. */
  value: number | null;
  /** Requests (or events) the value stands on. */
  samples: number;
}

/** Metrics that can be read over a time window; the others are whole-run totals. */
export const WINDOWED: ReadonlySet<MetricName> = new Set([
  'successRate',
  'latency',
  'requests',
  'attemptsPerRequest',
  'loadFactor',
  'failures',
  'maxQueue',
  'events',
]);

/** Measures of the entry or a service that need an exact steady-state probe. */
export function probeFor(m: Measure, name: string): ProbeSpec | null {
  if (m.edge) return null;
  if (m.metric === 'successRate')
    return { name, service: m.service, metric: 'successRate', min: 0, window: m.window };
  if (m.metric === 'latency')
    return {
      name,
      service: m.service,
      metric: 'latency',
      percentile: m.percentile,
      max: Number.MAX_SAFE_INTEGER,
      window: m.window,
    };
  return null;
}

/** Indices of the series intervals that overlap the window (all of them without one). */
function intervalsIn(r: RunResult, window: Measure['window']): number[] {
  const { t, intervalMs } = r.series;
  const out: number[] = [];
  for (let i = 0; i < t.length; i++) {
    const start = t[i]! - intervalMs;
    if (window && (t[i]! <= window.from || (window.to !== undefined && start >= window.to))) continue;
    out.push(i);
  }
  return out;
}

const sum = (xs: readonly number[] | undefined, idx: readonly number[]) =>
  idx.reduce((a, i) => a + (xs?.[i] ?? 0), 0);

function blockOf(r: RunResult, m: Measure): Partial<SeriesBlock> | undefined {
  if (m.edge) return r.series.edges[edgeKey(m.edge.from, m.edge.to)];
  if (m.service) return r.series.services[m.service];
  return r.series.entry;
}

function matches(e: RunEvent, m: Extract<Measure, { metric: 'events' }>): boolean {
  if (e.kind !== m.kind) return false;
  if (m.state !== undefined && e.state !== m.state) return false;
  if (m.subject !== undefined && !e.subject.includes(m.subject)) return false;
  if (m.window && (e.t < m.window.from || (m.window.to !== undefined && e.t > m.window.to))) return false;
  return true;
}

const ratio = (num: number, den: number): Reading => ({ value: den > 0 ? num / den : null, samples: den });

/** `probeName` is the name under which `probeFor` added this measure to the run, if it did. */
export function readMeasure(r: RunResult, m: Measure, probeName?: string): Reading {
  const idx = intervalsIn(r, m.window);
  const block = blockOf(r, m);
  const completions = sum(block?.requests, idx);
  if (probeName !== undefined) {
    const p = r.probes.find((x) => x.name === probeName);
    return { value: completions > 0 && p ? p.observed : null, samples: completions };
  }
  const edge = m.edge ? r.edges.find((e) => e.from === m.edge!.from && e.to === m.edge!.to) : undefined;
  const svc = m.service ? r.services[m.service] : undefined;
  switch (m.metric) {
    case 'successRate':
    case 'latency':
      // Edges: from the series (success) or the run totals (latency percentiles).
      if (m.metric === 'successRate') return ratio(sum(block?.successes, idx), completions);
      if (!edge || edge.requests === 0) return { value: null, samples: 0 };
      return { value: edgePercentile(edge.latencyMs, m.percentile), samples: edge.requests };
    case 'requests': {
      // Zero requests at a service is a finding only while the entry was sending.
      const sent = sum(r.series.entry.requests, idx);
      return { value: sent > 0 ? completions : null, samples: sent };
    }
    case 'attemptsPerRequest':
      return ratio(sum(block?.attempts, idx), completions);
    case 'loadFactor':
      // An edge counts the tries sent on it; a service the executions that reached it.
      return ratio(m.edge ? sum(block?.attempts, idx) : completions, sum(r.series.entry.requests, idx));
    case 'failures': {
      const n = m.cause
        ? sum(block?.byCause?.[m.cause as keyof SeriesBlock['byCause']], idx)
        : sum(block?.failures, idx);
      return { value: completions > 0 ? n : null, samples: completions };
    }
    case 'maxQueue': {
      const q = block?.queue;
      if (!q || idx.length === 0) return { value: null, samples: 0 };
      return { value: Math.max(...idx.map((i) => q[i] ?? 0)), samples: completions };
    }
    case 'versionShare': {
      const v = svc?.versions;
      if (!v) return { value: null, samples: 0 };
      const total = Object.values(v).reduce((a, b) => a + b, 0);
      return ratio(v[m.version] ?? 0, total);
    }
    case 'degradedRate':
      if (svc) return ratio(svc.degraded, svc.requests);
      if (m.edge) return { value: null, samples: 0 };
      return ratio(r.summary.degraded, r.summary.requests);
    case 'duplicateSideEffects':
      return svc ? { value: svc.duplicateSideEffects, samples: svc.requests } : { value: null, samples: 0 };
    case 'orphaned':
      return svc ? { value: svc.orphaned, samples: svc.requests } : { value: null, samples: 0 };
    case 'events': {
      const n = r.events.filter((e) => matches(e, m)).length;
      // Events are facts, not samples: a run that sent no requests at all has no data.
      return { value: r.summary.requests > 0 ? n : null, samples: n };
    }
    case 'meshAddedLatency':
      return {
        value: r.summary.requests > 0 ? r.mesh.addedLatencyMsPerRequest : null,
        samples: r.summary.requests,
      };
    case 'meshCpuCores':
      return { value: r.summary.requests > 0 ? r.mesh.cpuCores : null, samples: r.summary.requests };
  }
}

function edgePercentile(l: RunResult['edges'][number]['latencyMs'], p: number): number {
  if (p <= 50) return l.p50;
  if (p <= 90) return l.p90;
  if (p <= 99) return l.p99;
  return l.p999;
}

/** Human description, e.g. `success rate of productpage, 30s–60s`. */
export function describeMeasure(m: Measure): string {
  const where = m.edge
    ? `${m.edge.from} → ${m.edge.to}`
    : m.metric === 'events'
      ? m.subject === undefined
        ? 'the run'
        : `“${m.subject}”`
      : (m.service ?? 'the entry');
  const what: Record<MetricName, string> = {
    successRate: 'success rate',
    latency: `p${'percentile' in m ? m.percentile : 99} latency`,
    degradedRate: 'degraded share',
    requests: 'requests',
    attemptsPerRequest: 'tries per request',
    loadFactor: 'executions per entry request',
    failures: 'cause' in m && m.cause ? `${m.cause} failures` : 'failures',
    maxQueue: 'peak queue',
    versionShare: 'version' in m ? `share on ${m.version}` : 'version share',
    duplicateSideEffects: 'duplicate side effects',
    orphaned: 'orphaned executions',
    events: 'kind' in m ? `${m.kind}${m.state ? ` ${m.state}` : ''} events` : 'events',
    meshAddedLatency: 'latency added by the mesh per request',
    meshCpuCores: 'proxy CPU (cores)',
  };
  const w = m.window
    ? `, ${fmtS(m.window.from)}–${m.window.to === undefined ? 'end' : fmtS(m.window.to)}`
    : '';
  return `${what[m.metric]} of ${where}${w}`;
}

const fmtS = (ms: number) => (ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`);
