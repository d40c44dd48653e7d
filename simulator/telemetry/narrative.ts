/**
 * "What happened": a short narrative of a run, derived from its RunResult alone (no new
 * simulation), so the text report, the HTML report, the UI and labs show the same sentences.
 *
 * Each sentence carries its facts — kind, service, time window, figures — and the chart moment it
 * comes from (`chart` + `atMs`), beside its text: a lab checks `kind`/`service`/`atMs`, never the
 * wording. Isomorphic; the order is the order of events in the run.
 *
 * What is looked for, in the per-interval series:
 * - a fault window (chaos events);
 * - the first services whose worker slots filled (a queue building and staying up);
 * - a queue that overflowed (503 `overflow` at the service) — and the callers it made fail;
 * - retries multiplying load on an edge (tries per request, by the request's start interval);
 * - breakers that opened, what they short-circuited, and outlier ejections;
 * - fallbacks (degraded answers) that kept pages up;
 * - work still stuck at the end; when the entry recovered.
 */
import type { FailureCause, RunResult, SeriesBlock } from './types.ts';
import { fmtDuration, fmtInt, fmtShare } from './format.ts';
import { edgeKey } from './recorder.ts';

export type SentenceKind =
  | 'fault'
  | 'slots-full'
  | 'queue-overflow'
  | 'caused-failures'
  | 'retry-amplification'
  | 'breaker-open'
  | 'ejection'
  | 'fallback'
  | 'stuck'
  | 'recovered';

/** Which chart (and series) a sentence points at. */
export interface ChartRef {
  scope: 'entry' | 'service' | 'edge';
  /** Service name, or `from->to` for an edge; `''` for the entry. */
  name: string;
  metric: 'success' | 'queue' | 'inFlight' | 'failures' | 'amplification' | 'degraded' | 'events';
}

export interface Sentence {
  kind: SentenceKind;
  /** The service the sentence is about (for an edge or a breaker: the callee). */
  service?: string;
  /** The other party: the service a failure came from, or the caller of an edge. */
  related?: string;
  /** Breakers and detectors: the caller proxy → destination they live in. */
  subject?: string;
  atMs: number;
  untilMs?: number;
  figures: Record<string, number>;
  text: string;
  chart: ChartRef;
}

const tStart = (r: RunResult, i: number): number => r.series.t[i] - r.series.intervalMs;
const tEnd = (r: RunResult, i: number): number => r.series.t[i];

/** Interval indices [first, last] of the longest-lasting run where `pred` holds, at least `minLen` long. */
function firstRun(n: number, pred: (i: number) => boolean, minLen = 1): [number, number] | null {
  for (let i = 0; i < n; i++) {
    if (!pred(i)) continue;
    let j = i;
    while (j + 1 < n && pred(j + 1)) j++;
    if (j - i + 1 >= minLen) return [i, j];
    i = j;
  }
  return null;
}

function sum(col: readonly number[] | undefined, from = 0, to = (col?.length ?? 0) - 1): number {
  if (!col) return 0;
  let s = 0;
  for (let i = from; i <= to && i < col.length; i++) s += col[i];
  return s;
}

function lastIndex(col: readonly number[] | undefined, pred: (v: number) => boolean): number {
  if (!col) return -1;
  for (let i = col.length - 1; i >= 0; i--) if (pred(col[i])) return i;
  return -1;
}

/** The largest cause of a failure record. */
function mainCause(f: Partial<Record<FailureCause, number[]>>): FailureCause | undefined {
  let best: FailureCause | undefined;
  let bestN = 0;
  for (const [c, col] of Object.entries(f) as [FailureCause, number[]][]) {
    const n = sum(col);
    if (n > bestN) {
      best = c;
      bestN = n;
    }
  }
  return best;
}

const at = (ms: number): string => fmtDuration(ms);
/** `reviews` → `reviews'`, `ratings-db` → `ratings-db's`. */
const poss = (name: string): string => (name.endsWith('s') ? `${name}'` : `${name}'s`);

export function narrate(r: RunResult): Sentence[] {
  const out: Sentence[] = [];
  const n = r.series.t.length;
  if (n === 0) return out;
  const services = r.series.services;
  const names = Object.keys(services);

  // faults
  const faults = r.events.filter((e) => e.kind === 'fault-start');
  for (const f of faults) {
    const end = r.events.find((e) => e.kind === 'fault-end' && e.subject === f.subject && e.t >= f.t);
    out.push({
      kind: 'fault',
      subject: f.subject,
      atMs: f.t,
      ...(end ? { untilMs: end.t } : {}),
      figures: {},
      text: `Fault ${f.subject} (${f.reason}) from ${at(f.t)}${end ? ` to ${at(end.t)}` : ' to the end'}.`,
      chart: { scope: 'entry', name: '', metric: 'events' },
    });
  }

  // slots full: a queue builds and stays (a queue only forms when every slot of an instance is busy)
  const overflowing = new Set<string>();
  for (const name of names) {
    const b = services[name];
    const q = b.queue ?? [];
    const peak = Math.max(0, ...q);
    const threshold = Math.max(5, 0.2 * peak);
    const run = firstRun(n, (i) => (q[i] ?? 0) >= threshold, 3);
    if (run) {
      const [i, j] = run;
      out.push({
        kind: 'slots-full',
        service: name,
        atMs: tStart(r, i),
        untilMs: tEnd(r, j),
        figures: { peakQueue: peak, inFlight: Math.max(0, ...(b.inFlight ?? []).slice(i, j + 1)) },
        text: `${poss(name)} worker slots filled at ${at(tStart(r, i))}: requests queued behind them (up to ${fmtInt(peak)} waiting, ${fmtInt(Math.max(0, ...(b.inFlight ?? []).slice(i, j + 1)))} in flight) until ${at(tEnd(r, j))}.`,
        chart: { scope: 'service', name, metric: 'queue' },
      });
    }
    const ovf = b.byCause.overflow;
    const oRun = ovf ? firstRun(n, (i) => ovf[i] > 0) : null;
    if (ovf && oRun) {
      const last = lastIndex(ovf, (v) => v > 0);
      const total = sum(ovf);
      overflowing.add(name);
      out.push({
        kind: 'queue-overflow',
        service: name,
        atMs: tStart(r, oRun[0]),
        untilMs: tEnd(r, last),
        figures: { refused: total, maxQueue: r.services[name]?.maxQueue ?? peak },
        text: `${poss(name)} queue overflowed at ${at(tStart(r, oRun[0]))}: ${fmtInt(total)} requests refused at once (503) until ${at(tEnd(r, last))}.`,
        chart: { scope: 'service', name, metric: 'queue' },
      });
    }
  }

  // callers that failed because a callee failed (their own failures, not their own overflow)
  for (const e of r.edges) {
    if (e.from === 'client' || e.failed === 0) continue;
    const block = r.series.edges[edgeKey(e.from, e.to)];
    const caller = services[e.from];
    if (!block || !caller) continue;
    const own = caller.failures.map((v, i) => v - (caller.byCause.overflow?.[i] ?? 0));
    const first = own.findIndex((v) => v > 0);
    if (first < 0) continue;
    const last = lastIndex(own, (v) => v > 0);
    const total = sum(own);
    const cause = mainCause(block.byCause) ?? 'error-5xx';
    const upstream = r.edges.find((x) => x.from === 'client' && x.to === e.from);
    out.push({
      kind: 'caused-failures',
      service: e.from,
      related: e.to,
      atMs: tStart(r, first),
      untilMs: tEnd(r, last),
      figures: { failures: total, callFailures: e.failed },
      text: `${e.from} failed ${fmtInt(total)} ${upstream ? 'pages' : 'requests'} from ${at(tStart(r, first))} to ${at(tEnd(r, last))} because its calls to ${e.to} failed (${cause}${overflowing.has(e.to) ? `: ${poss(e.to)} queue was full` : ''}).`,
      chart: { scope: 'service', name: e.from, metric: 'failures' },
    });
  }

  // retries multiplying load (tries per request that went out, by the request's start interval)
  for (const e of r.edges) {
    const bs = r.series.edges[edgeKey(e.from, e.to)]?.byStart;
    if (!bs || e.retries === 0) continue;
    let best = -1;
    let bestAmp = 1;
    for (let i = 0; i < n; i++) {
      if (bs.sent[i] < 10) continue;
      const amp = bs.attempts[i] / bs.sent[i];
      if (amp > bestAmp) {
        bestAmp = amp;
        best = i;
      }
    }
    if (best < 0 || bestAmp < 1.1) continue;
    out.push({
      kind: 'retry-amplification',
      service: e.to,
      related: e.from,
      atMs: tStart(r, best),
      figures: { peakTriesPerRequest: Math.round(bestAmp * 100) / 100, retries: e.retries },
      text: `Retries multiplied load on ${e.from} → ${e.to}: up to ${bestAmp.toFixed(2)} tries per request for requests started at ${at(tStart(r, best))} (${fmtInt(e.retries)} retries in all).`,
      chart: { scope: 'edge', name: edgeKey(e.from, e.to), metric: 'amplification' },
    });
  }

  // breakers: first opening per destination, what they short-circuited
  const byDest = new Map<
    string,
    { first: number; opens: number; rejected: number; subjects: Set<string>; reason: string }
  >();
  for (const ev of r.events) {
    if (ev.kind !== 'breaker' || ev.state !== 'open') continue;
    const dest = ev.subject.split(' → ')[1] ?? ev.subject;
    const cur = byDest.get(dest) ?? {
      first: ev.t,
      opens: 0,
      rejected: 0,
      subjects: new Set<string>(),
      reason: ev.reason,
    };
    cur.opens++;
    cur.subjects.add(ev.subject);
    byDest.set(dest, cur);
  }
  for (const b of r.mesh?.breakers ?? []) {
    const dest = b.subject.split(' → ')[1] ?? b.subject;
    const cur = byDest.get(dest);
    if (cur) cur.rejected += b.rejected;
  }
  for (const [dest, b] of byDest) {
    const subjects = [...b.subjects];
    out.push({
      kind: 'breaker-open',
      service: dest,
      subject: subjects[0],
      atMs: b.first,
      figures: { opens: b.opens, shortCircuited: b.rejected, breakers: subjects.length },
      text: `The breaker${subjects.length > 1 ? `s of ${subjects.length} callers` : ` in ${subjects[0]}`} opened at ${at(b.first)} after ${b.reason.replace(/^opened: /, '')} and opened ${fmtInt(b.opens)} time${b.opens === 1 ? '' : 's'} in all: ${fmtInt(b.rejected)} calls to ${dest} failed fast instead of waiting on it.`,
      chart: { scope: 'entry', name: '', metric: 'events' },
    });
  }

  // outlier ejections
  const ejections = r.events.filter((e) => e.kind === 'ejection');
  if (ejections.length) {
    const dest = ejections[0].subject.split(' → ')[1] ?? ejections[0].subject;
    out.push({
      kind: 'ejection',
      service: dest,
      subject: ejections[0].subject,
      atMs: ejections[0].t,
      figures: { ejections: ejections.length },
      text: `Outlier detection ejected ${dest} at ${at(ejections[0].t)} (${ejections[0].reason}); ${fmtInt(ejections.length)} ejection${ejections.length === 1 ? '' : 's'} in all.`,
      chart: { scope: 'entry', name: '', metric: 'events' },
    });
  }

  // fallbacks: the deepest services that answered degraded
  const degradedBy = (name: string) => r.services[name]?.degraded ?? 0;
  for (const name of names) {
    if (degradedBy(name) === 0) continue;
    const callees = r.edges.filter((e) => e.from === name).map((e) => e.to);
    if (callees.some((c) => degradedBy(c) > 0)) continue; // a deeper service used the fallback
    const col = services[name].degraded;
    const first = col ? col.findIndex((v) => v > 0) : -1;
    if (first < 0) continue;
    const last = lastIndex(col, (v) => v > 0);
    const failedCallee = r.edges.filter((e) => e.from === name && e.failed > 0).map((e) => e.to);
    const entry = r.summary;
    out.push({
      kind: 'fallback',
      service: name,
      ...(failedCallee.length ? { related: failedCallee[0] } : {}),
      atMs: tStart(r, first),
      untilMs: tEnd(r, last),
      figures: { degraded: degradedBy(name), entryDegraded: entry.degraded },
      text: `${name} used its fallback ${fmtInt(degradedBy(name))} times from ${at(tStart(r, first))} to ${at(tEnd(r, last))}${failedCallee.length ? ` (answering without ${failedCallee.join(', ')})` : ''}: ${fmtInt(entry.degraded)} entry requests got a degraded answer instead of an error.`,
      chart: { scope: 'entry', name: '', metric: 'degraded' },
    });
  }

  // stuck work
  for (const name of names) {
    const st = r.services[name];
    if (st?.stuckSinceMs === undefined) continue;
    out.push({
      kind: 'stuck',
      service: name,
      atMs: st.stuckSinceMs,
      untilMs: r.durationMs,
      figures: { inFlight: st.inFlight ?? 0 },
      text: `${name} was stuck at the end: ${fmtInt(st.inFlight ?? 0)} requests in flight and none completed since ${at(st.stuckSinceMs)}.`,
      chart: { scope: 'service', name, metric: 'inFlight' },
    });
  }

  // recovery of the entry after the last fault
  const entry: SeriesBlock = r.series.entry;
  const rate = (i: number) => (entry.requests[i] > 0 ? entry.successes[i] / entry.requests[i] : 1);
  const worst = firstRun(n, (i) => rate(i) < 0.99);
  if (worst) {
    const last = lastIndex(
      entry.requests.map((_, i) => (rate(i) < 0.99 ? 1 : 0)),
      (v) => v === 1,
    );
    let min = 1;
    for (let i = worst[0]; i <= last; i++) min = Math.min(min, rate(i));
    if (last < n - 1)
      out.push({
        kind: 'recovered',
        atMs: tEnd(r, last),
        figures: {
          worstSuccessRate: Math.round(min * 1e4) / 1e4,
          downMs: tEnd(r, last) - tStart(r, worst[0]),
        },
        text: `The entry was back above 99% success at ${at(tEnd(r, last))}, after ${fmtDuration(tEnd(r, last) - tStart(r, worst[0]))} at as low as ${fmtShare(min)}.`,
        chart: { scope: 'entry', name: '', metric: 'success' },
      });
  }

  return out.sort((a, b) => a.atMs - b.atMs);
}
