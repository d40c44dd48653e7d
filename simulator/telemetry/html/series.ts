/** Series binning for the browser charts (server side, deterministic): RunResult series → ClientRun. */
import type { RunEvent, RunResult, SeriesBlock, TimeSeries } from '../types.ts';
import type { ClientBlock, ClientRun } from './client-data.ts';
import { FAILURE_CAUSES } from '../types.ts';

// ---- series binning (server side, deterministic) ------------------------------------------------

export function binBlock(b: Partial<SeriesBlock>, k: number, n: number, withCauses: boolean): ClientBlock {
  const groups = Math.ceil(n / k);
  const sum = (col: number[] | undefined): number[] => {
    const out = new Array<number>(groups).fill(0);
    if (!col) return out;
    for (let i = 0; i < n; i++) out[Math.floor(i / k)] += col[i] ?? 0;
    return out;
  };
  const max = (col: number[] | undefined): number[] => {
    const out = new Array<number>(groups).fill(0);
    if (!col) return out;
    for (let i = 0; i < n; i++) {
      const g = Math.floor(i / k);
      if ((col[i] ?? 0) > out[g]) out[g] = col[i];
    }
    return out;
  };
  const mean = (col: number[] | undefined): number[] => {
    const out = sum(col);
    for (let g = 0; g < groups; g++) out[g] /= Math.min(k, n - g * k);
    return out.map((x) => Math.round(x * 1e4) / 1e4);
  };
  /** Request-weighted mean (for p50). */
  const wmean = (col: number[] | undefined, w: number[] | undefined): number[] => {
    const out = new Array<number>(groups).fill(0);
    const ws = new Array<number>(groups).fill(0);
    if (!col || !w) return out;
    for (let i = 0; i < n; i++) {
      const g = Math.floor(i / k);
      out[g] += (col[i] ?? 0) * (w[i] ?? 0);
      ws[g] += w[i] ?? 0;
    }
    return out.map((x, g) => (ws[g] > 0 ? Math.round((x / ws[g]) * 1000) / 1000 : 0));
  };
  const out: ClientBlock = {
    requests: sum(b.requests),
    successes: sum(b.successes),
    failures: sum(b.failures),
    p50: k === 1 ? (b.p50 ?? []).slice(0, n) : wmean(b.p50, b.requests),
    p99: k === 1 ? (b.p99 ?? []).slice(0, n) : max(b.p99),
  };
  if (withCauses && b.byCause) {
    out.byCause = {};
    for (const c of FAILURE_CAUSES) if (b.byCause[c]) out.byCause[c] = sum(b.byCause[c]);
  }
  if (b.utilization) out.utilization = k === 1 ? b.utilization.slice(0, n) : mean(b.utilization);
  if (b.cpu) out.cpu = k === 1 ? b.cpu.slice(0, n) : mean(b.cpu);
  if (b.queue) out.queue = k === 1 ? b.queue.slice(0, n) : max(b.queue);
  if (b.inFlight) out.inFlight = k === 1 ? b.inFlight.slice(0, n) : max(b.inFlight);
  if (b.degraded) out.degraded = sum(b.degraded);
  if (b.attempts) out.attempts = sum(b.attempts);
  if (b.byStart) {
    out.started = sum(b.byStart.started);
    out.sent = sum(b.byStart.sent);
    out.startAttempts = sum(b.byStart.attempts);
  }
  return out;
}

/** Fault windows and breaker markers from the events. */
export function bandsOf(
  events: RunEvent[],
  durationMs: number,
): { bands: ClientRun['bands']; markers: ClientRun['markers'] } {
  const open = new Map<string, number>();
  const bands: ClientRun['bands'] = [];
  const markers: ClientRun['markers'] = [];
  for (const e of events) {
    if (e.kind === 'fault-start') open.set(e.subject, e.t);
    else if (e.kind === 'fault-end') {
      const from = open.get(e.subject);
      if (from !== undefined) {
        bands.push({ from, to: e.t, label: e.subject });
        open.delete(e.subject);
      }
    } else if (e.kind === 'breaker' && e.state === 'open' && markers.length < 60) {
      markers.push({ t: e.t, label: `breaker open: ${e.subject}`, state: 'open' });
    }
  }
  for (const [subject, from] of open) bands.push({ from, to: durationMs, label: subject });
  bands.sort((a, b) => a.from - b.from);
  return { bands, markers };
}

export function clientRun(r: RunResult, label: string, color: string, maxPoints: number): ClientRun {
  const s: TimeSeries = r.series;
  const n = s.t.length;
  const k = Math.max(1, Math.ceil(n / maxPoints));
  const groups = Math.ceil(n / k);
  const t: number[] = [];
  for (let g = 0; g < groups; g++) t.push(s.t[Math.min(n - 1, g * k + k - 1)]);
  const services: Record<string, ClientBlock> = {};
  for (const name of Object.keys(s.services)) services[name] = binBlock(s.services[name], k, n, true);
  const edges: Record<string, ClientBlock> = {};
  for (const key of Object.keys(s.edges)) edges[key] = binBlock(s.edges[key], k, n, false);
  const { bands, markers } = bandsOf(r.events, r.durationMs);
  // Canary weight over time, from the controller's events ("… 20% to v2 …", "promoted: 100% …").
  const canary: ClientRun['canary'] = {};
  for (const e of r.events) {
    if (e.kind !== 'canary') continue;
    const m = /(\d+(?:\.\d+)?)% to /.exec(e.reason) ?? /weight (\d+(?:\.\d+)?)%/.exec(e.reason);
    const w = m ? Number(m[1]) : e.state === 'rolled-back' || /roll/.test(e.reason) ? 0 : null;
    if (w === null) continue;
    (canary[e.subject] ??= [[0, 0]]).push([e.t, w]);
  }
  return {
    canary,
    label,
    color,
    durationMs: r.durationMs,
    stepMs: s.intervalMs * k,
    t,
    entry: binBlock(s.entry, k, n, true),
    services,
    edges,
    bands,
    markers,
  };
}
