/** The compare table: one row per measure, one column per run, the better value marked. */
import type { RunResult } from '../../../simulator/telemetry/types.ts';

export interface Measure {
  key: string;
  label: string;
  value: (r: RunResult) => number;
  format: (v: number) => string;
  /** Which direction is better. */
  better: 'higher' | 'lower';
}

const pct = (v: number) => `${(100 * v).toFixed(2)} %`;
const int = (v: number) => v.toLocaleString('en-US');
const ms = (v: number) => `${v.toFixed(1)} ms`;

export const MEASURES: Measure[] = [
  {
    key: 'success',
    label: 'success rate',
    value: (r) => r.summary.successRate,
    format: pct,
    better: 'higher',
  },
  {
    key: 'degraded',
    label: 'degraded pages (fallbacks)',
    value: (r) => r.summary.degraded,
    format: int,
    better: 'lower',
  },
  { key: 'p99', label: 'p99 latency', value: (r) => r.summary.latencyMs.p99, format: ms, better: 'lower' },
  { key: 'p50', label: 'p50 latency', value: (r) => r.summary.latencyMs.p50, format: ms, better: 'lower' },
  {
    key: 'retries',
    label: 'retries (all edges)',
    value: (r) => r.edges.reduce((n, e) => n + e.retries, 0),
    format: int,
    better: 'lower',
  },
  {
    key: 'sideEffects',
    label: 'duplicate side effects',
    value: (r) => Object.values(r.services).reduce((n, s) => n + s.duplicateSideEffects, 0),
    format: int,
    better: 'lower',
  },
  {
    key: 'breakerOpens',
    label: 'breaker opens',
    value: (r) => r.mesh.breakers.reduce((n, b) => n + b.opens, 0),
    format: int,
    better: 'lower',
  },
  {
    key: 'meshLatency',
    label: 'mesh added latency / request',
    value: (r) => r.mesh.addedLatencyMsPerRequest,
    format: ms,
    better: 'lower',
  },
  {
    key: 'meshCpu',
    label: 'mesh CPU (cores)',
    value: (r) => r.mesh.cpuCores,
    format: (v) => v.toFixed(3),
    better: 'lower',
  },
  {
    key: 'meshMem',
    label: 'mesh memory (MB)',
    value: (r) => r.mesh.memoryMB,
    format: (v) => v.toFixed(0),
    better: 'lower',
  },
];

/** Index of the best run for a measure, or -1 when all are equal. */
export function bestIndex(m: Measure, results: RunResult[]): number {
  const vs = results.map(m.value);
  if (vs.every((v) => v === vs[0])) return -1;
  let best = 0;
  for (let i = 1; i < vs.length; i++)
    if (m.better === 'higher' ? vs[i] > vs[best] : vs[i] < vs[best]) best = i;
  return best;
}
