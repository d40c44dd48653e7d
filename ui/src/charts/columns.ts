/** Frames → chart columns for one subject (the entry, a service or an edge), and fault bands. */
import type { IntervalFrame, IntervalPoint } from '../../../simulator/telemetry/interval.ts';
import type { RunEvent } from '../../../simulator/telemetry/types.ts';

export type Subject = { kind: 'entry' } | { kind: 'service'; name: string } | { kind: 'edge'; key: string };

export function subjectOf(id: string | null): Subject {
  if (!id || id === 'client') return { kind: 'entry' };
  return id.includes('->') ? { kind: 'edge', key: id } : { kind: 'service', name: id };
}

function pointOf(f: IntervalFrame, s: Subject): IntervalPoint | undefined {
  return s.kind === 'entry' ? f.entry : s.kind === 'service' ? f.services[s.name] : f.edges[s.key];
}

export interface Columns {
  t: number[];
  rps: number[];
  attemptsRps: number[];
  successPct: number[];
  degradedPct: number[];
  p50: number[];
  p99: number[];
  queue: number[];
  inFlight: number[];
  utilizationPct: number[];
}

export function columns(frames: readonly IntervalFrame[], s: Subject): Columns {
  const c: Columns = {
    t: [],
    rps: [],
    attemptsRps: [],
    successPct: [],
    degradedPct: [],
    p50: [],
    p99: [],
    queue: [],
    inFlight: [],
    utilizationPct: [],
  };
  for (const f of frames) {
    const p = pointOf(f, s);
    const per = f.intervalMs / 1000;
    c.t.push(f.t);
    c.rps.push((p?.requests ?? 0) / per);
    c.attemptsRps.push((p?.attempts ?? p?.requests ?? 0) / per);
    c.successPct.push(p && p.requests ? (100 * p.successes) / p.requests : 100);
    c.degradedPct.push(p && p.requests ? (100 * (p.degraded ?? 0)) / p.requests : 0);
    c.p50.push(p?.p50 ?? 0);
    c.p99.push(p?.p99 ?? 0);
    c.queue.push(p?.queue ?? 0);
    c.inFlight.push(p?.inFlight ?? 0);
    c.utilizationPct.push(100 * (p?.utilization ?? 0));
  }
  return c;
}

/** Fault bands (start → end, or → `nowMs` while active) and breaker trips as markers. */
export function annotations(events: readonly RunEvent[], nowMs: number) {
  const open = new Map<string, number>();
  const bands: { from: number; to: number; label: string }[] = [];
  const markers: { t: number; label: string }[] = [];
  for (const e of events) {
    if (e.kind === 'fault-start') open.set(e.subject, e.t);
    else if (e.kind === 'fault-end' && open.has(e.subject)) {
      bands.push({ from: open.get(e.subject)!, to: e.t, label: `${e.subject}: ${e.reason}` });
      open.delete(e.subject);
    } else if (e.kind === 'breaker' && e.state === 'open')
      markers.push({ t: e.t, label: `breaker open: ${e.subject}` });
    else if (e.kind === 'instance-down') markers.push({ t: e.t, label: `down: ${e.subject}` });
  }
  for (const [name, from] of open) bands.push({ from, to: nowMs, label: `${name} (active)` });
  return { bands, markers };
}
