/**
 * Recorder: the hot-path metrics sink of the simulated (and live) data plane.
 *
 * Everything is addressed by integer ids fixed at construction — service `svc` is the index in
 * `serviceNames`, edge `edge` the index in `edges`, a failure `cause` the index in
 * `FAILURE_CAUSES` (or -1) — so the hot path does no string lookups and allocates nothing.
 *
 * Time is cut into intervals: the simulator samples the gauges (`sampleGauges`) and then calls
 * `closeInterval(t)` at every interval boundary. Closing an interval appends one value per column
 * (requests, successes, failures, p50, p99, failures per cause, gauges) and resets the interval
 * state. Memory is therefore flat in the simulated duration except for these columns (a handful
 * of numbers per service and edge per interval).
 *
 * Each latency goes into two histograms: the run total (3 significant digits, ±0.1 %, for the
 * summaries) and the current interval (2 significant digits, ±1 %, for the per-interval p50/p99
 * columns). Two ~5 ns records are cheaper than folding a 3-digit interval histogram into the
 * total at every boundary: that scan costs ~10–30 µs per service and edge per interval.
 *
 * Definitions (what the numbers in RunResult mean):
 * - a "request" of the entry, of a service or of an edge completes with exactly one `…Done` call;
 *   latencies of failed requests are included in the latency histograms (as k6 and Istio do);
 * - series `requests[i]` counts completions in interval i (successes + failures), so
 *   `successes[i] / requests[i]` is the interval's success rate; p50/p99 are 0 when it is 0;
 * - `ServiceStats.requests` counts arrivals (`serviceArrival`), `EdgeStats.requests` logical
 *   requests (`edgeRequest`); success rates are successes / completions (1 when none completed);
 * - a failure reported with cause -1 is counted as `error-5xx`;
 * - `ServiceStats.utilization` = Σ `busySlotTime` / (slots × durationMs), where slots are those
 *   given to `setCapacity`, else the largest `totalSlots` sampled; the utilization series is the
 *   sampled gauge busySlots / totalSlots at each boundary.
 */
import { FAILURE_CAUSES } from './types.ts';
import type {
  DurationBuckets,
  EdgeStats,
  FailureCause,
  RunEvent,
  RunResult,
  SeriesBlock,
  ServiceStats,
  TimeSeries,
} from './types.ts';
import { ISTIO_DURATION_BUCKETS_MS, LatencyHistogram } from './histogram.ts';

/** The parts of a RunResult the Recorder produces. */
export type RecorderOutput = Pick<RunResult, 'summary' | 'services' | 'edges' | 'series' | 'events'>;

/** Key of an edge in `series.edges`. */
export function edgeKey(from: string, to: string): string {
  return `${from}->${to}`;
}

/** Index of a failure cause in FAILURE_CAUSES (for the Recorder's `cause` arguments). */
export function causeIndex(cause: FailureCause): number {
  return FAILURE_CAUSES.indexOf(cause);
}

const NC = FAILURE_CAUSES.length;
const GENERIC_FAILURE = FAILURE_CAUSES.indexOf('error-5xx');
const INTERVAL_PS: readonly number[] = [50, 99];

function round6(x: number): number {
  const r = Math.round(x * 1e6) / 1e6;
  return r === 0 ? 0 : r;
}

function cpuColumn(col: number[] | null): { cpu?: number[] } {
  return col === null ? {} : { cpu: col };
}

function bump(col: number[], k: number): void {
  while (col.length <= k) col.push(0);
  col[k]++;
}

/** `col` cut or padded to `n` values; anything beyond the last interval is folded into it. */
function fit(col: number[], n: number): number[] {
  const out = new Array<number>(n).fill(0);
  for (let i = 0; i < col.length; i++) out[Math.min(i, n - 1)] += col[i];
  return out;
}

/**
 * Stuck work: when something is in flight at the end and the trailing intervals completed
 * nothing while work was in flight, the start of that silence (ms); else undefined.
 */
function stuckSince(
  t: number[],
  completions: number[],
  inFlight: number[] | null,
  atEnd: number,
  intervalMs: number,
): number | undefined {
  if (atEnd <= 0 || t.length === 0) return undefined;
  let i = t.length - 1;
  while (i >= 0 && completions[i] === 0 && (inFlight === null || inFlight[i] > 0)) i--;
  if (i === t.length - 1) return undefined;
  return i >= 0 ? t[i] : Math.max(0, t[0] - intervalMs);
}

function causeRecord(counts: Float64Array): Partial<Record<FailureCause, number>> {
  const out: Partial<Record<FailureCause, number>> = {};
  for (let c = 0; c < NC; c++) if (counts[c] !== 0) out[FAILURE_CAUSES[c]] = counts[c];
  return out;
}

/** One outcome stream (the entry, a service, an edge): run totals, current interval, columns. */
class Outcomes {
  /** The current interval, at 2 significant digits (±1 %): small enough to scan at every boundary. */
  readonly interval = new LatencyHistogram(2);
  /** The whole run, at 3 significant digits (±0.1 %). */
  readonly total = new LatencyHistogram(3);
  ok = 0;
  failed = 0;
  degraded = 0;
  readonly causes = new Float64Array(NC);
  iOk = 0;
  iFailed = 0;
  iDegraded = 0;
  readonly iCauses = new Float64Array(NC);
  readonly requests: number[] = [];
  readonly successes: number[] = [];
  readonly failures: number[] = [];
  readonly p50: number[] = [];
  readonly p99: number[] = [];
  readonly degradedCol: number[] = [];
  readonly byCause: (number[] | null)[] = new Array<number[] | null>(NC).fill(null);

  done(latencyMs: number, ok: boolean, cause: number, degraded: boolean): void {
    this.interval.record(latencyMs);
    this.total.record(latencyMs);
    if (ok) {
      this.iOk++;
      if (degraded) {
        this.degraded++;
        this.iDegraded++;
      }
    } else {
      this.iFailed++;
      this.iCauses[cause >= 0 && cause < NC ? cause : GENERIC_FAILURE]++;
    }
  }

  get pending(): boolean {
    return this.iOk !== 0 || this.iFailed !== 0;
  }

  /** Append interval `index` to the columns and fold it into the totals. */
  close(index: number, pct: number[]): void {
    const n = this.iOk + this.iFailed;
    this.requests.push(n);
    this.successes.push(this.iOk);
    this.failures.push(this.iFailed);
    this.interval.takePercentiles(INTERVAL_PS, pct); // also resets the interval histogram
    this.p50.push(pct[0]);
    this.p99.push(pct[1]);
    this.degradedCol.push(this.iDegraded);
    this.iDegraded = 0;
    for (let c = 0; c < NC; c++) {
      const v = this.iCauses[c];
      let col = this.byCause[c];
      if (v !== 0 && col === null) {
        col = new Array<number>(index).fill(0);
        this.byCause[c] = col;
      }
      if (col !== null) col.push(v);
      this.causes[c] += v;
      this.iCauses[c] = 0;
    }
    this.ok += this.iOk;
    this.failed += this.iFailed;
    this.iOk = 0;
    this.iFailed = 0;
  }

  get completed(): number {
    return this.ok + this.failed;
  }

  successRate(): number {
    const n = this.completed;
    return n === 0 ? 1 : round6(this.ok / n);
  }

  block(): SeriesBlock {
    const byCause: Partial<Record<FailureCause, number[]>> = {};
    for (let c = 0; c < NC; c++) {
      const col = this.byCause[c];
      if (col !== null) byCause[FAILURE_CAUSES[c]] = col;
    }
    return {
      requests: this.requests,
      successes: this.successes,
      failures: this.failures,
      p50: this.p50,
      p99: this.p99,
      ...(this.degraded > 0 ? { degraded: this.degradedCol } : {}),
      byCause,
    };
  }
}

export interface RecorderOptions {
  /** Instances and worker slots per service (by id), for `instances` and utilization. */
  instances?: readonly number[];
  slots?: readonly number[];
}

export class Recorder {
  readonly serviceNames: readonly string[];
  readonly edgeList: readonly (readonly [string, string])[];
  readonly intervalMs: number;
  readonly durationMs: number;

  private readonly entry = new Outcomes();
  private clientRetries = 0;

  private readonly svc: Outcomes[];
  private readonly arrivals: Float64Array;
  private readonly sideEffects: Float64Array;
  private readonly duplicates: Float64Array;
  private readonly orphans: Float64Array;
  private readonly queueMax: Float64Array;
  private readonly busyTime: Float64Array;
  private readonly instances: Float64Array;
  private readonly slots: Float64Array;
  private readonly maxSampledSlots: Float64Array;
  private readonly gQueue: Float64Array;
  private readonly gInFlight: Float64Array;
  private readonly gBusy: Float64Array;
  private readonly gSlots: Float64Array;
  private readonly colQueue: number[][];
  private readonly colInFlight: number[][];
  private readonly colUtil: number[][];
  private readonly gCpu: Float64Array;
  private readonly colCpu: (number[] | null)[];

  private readonly edge: Outcomes[];
  private readonly edgeRequests: Float64Array;
  private readonly edgeAttempts: Float64Array;
  private readonly edgeRetries: Float64Array;
  private readonly edgeAttemptCauses: Float64Array; // edge * NC + cause
  private readonly iAttempts: Float64Array;
  private readonly colAttempts: number[][];
  private readonly edgeSent: Float64Array;
  /** By the interval in which the logical request started: requests, requests with ≥ 1 try, tries. */
  private readonly startedBy: number[][];
  private readonly sentBy: number[][];
  private readonly attemptsBy: number[][];

  private readonly t: number[] = [];
  private lastT = 0;
  private readonly events: RunEvent[] = [];
  private readonly pct = [0, 0];
  private finished: RecorderOutput | null = null;

  constructor(
    serviceNames: readonly string[],
    edges: readonly (readonly [string, string])[],
    intervalMs: number,
    durationMs: number,
    options: RecorderOptions = {},
  ) {
    if (!(intervalMs > 0)) throw new Error(`Recorder: intervalMs must be > 0, got ${intervalMs}`);
    this.serviceNames = serviceNames.slice();
    this.edgeList = edges.map((e) => [e[0], e[1]] as const);
    this.intervalMs = intervalMs;
    this.durationMs = durationMs;
    const ns = serviceNames.length;
    const ne = edges.length;
    this.svc = Array.from({ length: ns }, () => new Outcomes());
    this.arrivals = new Float64Array(ns);
    this.sideEffects = new Float64Array(ns);
    this.duplicates = new Float64Array(ns);
    this.orphans = new Float64Array(ns);
    this.queueMax = new Float64Array(ns);
    this.busyTime = new Float64Array(ns);
    this.instances = new Float64Array(ns);
    this.slots = new Float64Array(ns);
    this.maxSampledSlots = new Float64Array(ns);
    this.gQueue = new Float64Array(ns);
    this.gInFlight = new Float64Array(ns);
    this.gBusy = new Float64Array(ns);
    this.gSlots = new Float64Array(ns);
    this.colQueue = Array.from({ length: ns }, () => []);
    this.colInFlight = Array.from({ length: ns }, () => []);
    this.colUtil = Array.from({ length: ns }, () => []);
    this.gCpu = new Float64Array(ns);
    this.colCpu = new Array<number[] | null>(ns).fill(null);
    for (let i = 0; i < ns; i++) {
      this.instances[i] = options.instances?.[i] ?? 0;
      this.slots[i] = options.slots?.[i] ?? 0;
    }
    this.edge = Array.from({ length: ne }, () => new Outcomes());
    this.edgeRequests = new Float64Array(ne);
    this.edgeAttempts = new Float64Array(ne);
    this.edgeRetries = new Float64Array(ne);
    this.edgeAttemptCauses = new Float64Array(ne * NC);
    this.iAttempts = new Float64Array(ne);
    this.colAttempts = Array.from({ length: ne }, () => []);
    this.edgeSent = new Float64Array(ne);
    this.startedBy = Array.from({ length: ne }, () => []);
    this.sentBy = Array.from({ length: ne }, () => []);
    this.attemptsBy = Array.from({ length: ne }, () => []);
  }

  /** Interval index of time `t`: interval i is (i·interval, (i+1)·interval]; the open one when `t` is not given. */
  private intervalOf(t: number | undefined): number {
    if (t === undefined) return this.t.length;
    return Math.max(0, Math.ceil(t / this.intervalMs) - 1);
  }

  // ---- services -------------------------------------------------------------------------------

  /** Instances and total worker slots of a service (for `instances` and utilization). */
  setCapacity(svc: number, instances: number, slots: number): void {
    this.instances[svc] = instances;
    this.slots[svc] = slots;
  }

  /** An invocation reached an instance of the service (retries included). */
  serviceArrival(svc: number): void {
    this.arrivals[svc]++;
  }

  /** The instance answered (or the invocation ended) after `latencyMs` since arrival. */
  serviceDone(svc: number, latencyMs: number, ok: boolean, cause: number, degraded: boolean): void {
    this.svc[svc].done(latencyMs, ok, cause, degraded);
  }

  /** Worker slot-time spent busy, ms (accumulated; utilization = Σ / (slots × duration)). */
  busySlotTime(svc: number, ms: number): void {
    this.busyTime[svc] += ms;
  }

  /** A non-idempotent endpoint executed; `duplicate` when a retry caused it again. */
  sideEffect(svc: number, duplicate: boolean): void {
    this.sideEffects[svc]++;
    if (duplicate) this.duplicates[svc]++;
  }

  /** An execution finished after its caller had given up. */
  orphaned(svc: number): void {
    this.orphans[svc]++;
  }

  /** Observe a queue length (keeps the maximum). */
  maxQueue(svc: number, queueLen: number): void {
    if (queueLen > this.queueMax[svc]) this.queueMax[svc] = queueLen;
  }

  /** Gauges of one service at an interval boundary (call before `closeInterval(t)`). */
  sampleGauges(
    t: number,
    svc: number,
    queueLen: number,
    inFlight: number,
    busySlots: number,
    totalSlots: number,
  ): void {
    void t;
    this.gQueue[svc] = queueLen;
    this.gInFlight[svc] = inFlight;
    this.gBusy[svc] = busySlots;
    this.gSlots[svc] = totalSlots;
    if (queueLen > this.queueMax[svc]) this.queueMax[svc] = queueLen;
    if (totalSlots > this.maxSampledSlots[svc]) this.maxSampledSlots[svc] = totalSlots;
  }

  /** CPU share (busy cores / cores) of a service with a `cpu` limit over the interval ending now. */
  sampleCpu(svc: number, share: number): void {
    this.gCpu[svc] = share;
    if (this.colCpu[svc] === null) this.colCpu[svc] = new Array<number>(this.t.length).fill(0);
  }

  // ---- edges ----------------------------------------------------------------------------------

  /** The caller made one logical request on the edge (before any retry), started at `startedAt` ms. */
  edgeRequest(edge: number, startedAt?: number): void {
    this.edgeRequests[edge]++;
    bump(this.startedBy[edge], this.intervalOf(startedAt));
  }

  /**
   * One try was sent towards the callee; `isRetry` for every try after the first. `requestStartedAt`
   * is when its logical request started (the same value given to `edgeRequest`), `firstSent` true for
   * the first try of that request that reached the wire.
   */
  edgeAttempt(edge: number, isRetry: boolean, requestStartedAt?: number, firstSent?: boolean): void {
    this.edgeAttempts[edge]++;
    this.iAttempts[edge]++;
    if (isRetry) this.edgeRetries[edge]++;
    const k = this.intervalOf(requestStartedAt);
    bump(this.attemptsBy[edge], k);
    if (firstSent ?? !isRetry) {
      this.edgeSent[edge]++;
      bump(this.sentBy[edge], k);
    }
  }

  /** One try failed with `cause` (index into FAILURE_CAUSES; -1 → error-5xx). */
  edgeAttemptFailed(edge: number, cause: number): void {
    this.edgeAttemptCauses[edge * NC + (cause >= 0 && cause < NC ? cause : GENERIC_FAILURE)]++;
  }

  /** The logical request ended (after all tries) as the caller saw it. */
  edgeDone(edge: number, latencyMs: number, ok: boolean, cause: number): void {
    this.edge[edge].done(latencyMs, ok, cause, false);
  }

  // ---- entry ----------------------------------------------------------------------------------

  /** The run-total latency histogram at the entry (k6-style thresholds read any percentile of it). */
  entryHistogram(): LatencyHistogram {
    return this.entry.total;
  }

  /** An entry request ended as the load generator saw it. */
  entryDone(latencyMs: number, ok: boolean, cause: number, degraded: boolean): void {
    this.entry.done(latencyMs, ok, cause, degraded);
  }

  /** The load generator sent a request again after a failure. */
  clientRetry(): void {
    this.clientRetries++;
  }

  // ---- events and intervals -------------------------------------------------------------------

  /** A mesh or chaos event (kept as given; sorted by time, stably, at `finish`). */
  event(e: RunEvent): void {
    this.events.push(e);
  }

  /** Number of intervals closed so far. */
  get intervals(): number {
    return this.t.length;
  }

  /** Close the interval ending at `t` (ms): append the columns and reset the interval state. */
  closeInterval(t: number): void {
    if (this.t.length > 0 && t <= this.lastT) return;
    const k = this.t.length;
    this.t.push(t);
    this.lastT = t;
    const pct = this.pct;
    this.entry.close(k, pct);
    for (let s = 0; s < this.svc.length; s++) {
      this.svc[s].close(k, pct);
      this.colQueue[s].push(this.gQueue[s]);
      this.colInFlight[s].push(this.gInFlight[s]);
      const slots = this.gSlots[s];
      this.colUtil[s].push(slots > 0 ? round6(Math.min(1, this.gBusy[s] / slots)) : 0);
      const cpu = this.colCpu[s];
      if (cpu !== null) cpu.push(round6(Math.min(1, this.gCpu[s])));
    }
    for (let e = 0; e < this.edge.length; e++) {
      this.edge[e].close(k, pct);
      this.colAttempts[e].push(this.iAttempts[e]);
      this.iAttempts[e] = 0;
    }
  }

  /**
   * The columns closed so far, as a TimeSeries (the arrays are the recorder's own: read them, do
   * not keep them across `closeInterval`). A live view reads new intervals from it while the run
   * goes on; `finish` is not needed.
   */
  liveSeries(): TimeSeries {
    const services: Record<string, SeriesBlock> = {};
    for (let s = 0; s < this.svc.length; s++) {
      services[this.serviceNames[s]] = {
        ...this.svc[s].block(),
        degraded: this.svc[s].degradedCol,
        queue: this.colQueue[s],
        inFlight: this.colInFlight[s],
        utilization: this.colUtil[s],
      };
    }
    const edges: TimeSeries['edges'] = {};
    for (let e = 0; e < this.edge.length; e++) {
      const [from, to] = this.edgeList[e];
      edges[edgeKey(from, to)] = { ...this.edge[e].block(), attempts: this.colAttempts[e] };
    }
    const entry = { ...this.entry.block(), degraded: this.entry.degradedCol };
    return { intervalMs: this.intervalMs, t: this.t, entry, services, edges };
  }

  /** Events recorded so far from index `from` on, in the order they were recorded. */
  eventsFrom(from: number): RunEvent[] {
    return this.events.slice(from);
  }

  private pending(): boolean {
    if (this.entry.pending) return true;
    for (const o of this.svc) if (o.pending) return true;
    for (const o of this.edge) if (o.pending) return true;
    for (let e = 0; e < this.iAttempts.length; e++) if (this.iAttempts[e] !== 0) return true;
    return false;
  }

  /**
   * Close the last interval if needed (at `durationMs`, or one interval later when activity was
   * recorded after the boundary at `durationMs`) and build the summary, services, edges, series
   * and events. Idempotent: a second call returns the same object.
   */
  finish(): RecorderOutput {
    if (this.finished) return this.finished;
    if (this.t.length === 0 || this.lastT < this.durationMs) this.closeInterval(Math.max(this.durationMs, 0));
    else if (this.pending()) this.closeInterval(this.lastT + this.intervalMs);

    const entry = this.entry;
    let entryArrived = 0;
    for (let e = 0; e < this.edgeList.length; e++)
      if (this.edgeList[e][0] === 'client') entryArrived += this.edgeRequests[e];
    const entryInFlight = Math.max(0, entryArrived - entry.completed);
    const entryStuck = stuckSince(this.t, entry.requests, null, entryInFlight, this.intervalMs);
    const summary: RunResult['summary'] = {
      requests: entry.completed,
      arrived: entryArrived,
      inFlight: entryInFlight,
      ...(entryStuck !== undefined ? { stuckSinceMs: entryStuck } : {}),
      successes: entry.ok,
      degraded: entry.degraded,
      failures: causeRecord(entry.causes),
      successRate: entry.successRate(),
      latencyMs: entry.total.summary(),
      clientRetries: this.clientRetries,
    };

    const services: Record<string, ServiceStats> = {};
    const seriesServices: Record<string, SeriesBlock> = {};
    for (let s = 0; s < this.svc.length; s++) {
      const o = this.svc[s];
      const name = this.serviceNames[s];
      const slots = this.slots[s] > 0 ? this.slots[s] : this.maxSampledSlots[s];
      const util = slots > 0 && this.durationMs > 0 ? this.busyTime[s] / (slots * this.durationMs) : 0;
      const inFlight = Math.max(0, this.arrivals[s] - o.completed);
      const stuck = stuckSince(this.t, o.requests, this.colInFlight[s], inFlight, this.intervalMs);
      services[name] = {
        requests: this.arrivals[s],
        completed: o.completed,
        inFlight,
        ...(stuck !== undefined ? { stuckSinceMs: stuck } : {}),
        successes: o.ok,
        degraded: o.degraded,
        failures: causeRecord(o.causes),
        successRate: o.successRate(),
        latencyMs: o.total.summary(),
        utilization: round6(Math.min(1, util)),
        sideEffects: this.sideEffects[s],
        duplicateSideEffects: this.duplicates[s],
        orphaned: this.orphans[s],
        maxQueue: this.queueMax[s],
        instances: this.instances[s],
      };
      seriesServices[name] = {
        ...o.block(),
        queue: this.colQueue[s],
        inFlight: this.colInFlight[s],
        utilization: this.colUtil[s],
        ...cpuColumn(this.colCpu[s]),
      };
    }

    const edges: EdgeStats[] = [];
    const seriesEdges: TimeSeries['edges'] = {};
    for (let e = 0; e < this.edge.length; e++) {
      const o = this.edge[e];
      const [from, to] = this.edgeList[e];
      const attemptFailures: Partial<Record<FailureCause, number>> = {};
      for (let c = 0; c < NC; c++) {
        const v = this.edgeAttemptCauses[e * NC + c];
        if (v !== 0) attemptFailures[FAILURE_CAUSES[c]] = v;
      }
      const buckets: DurationBuckets = {
        leMs: ISTIO_DURATION_BUCKETS_MS.slice(),
        cumulative: o.total.cumulativeCounts(ISTIO_DURATION_BUCKETS_MS),
        count: o.total.count,
        sumMs: Math.round(o.total.sum * 1000) / 1000,
      };
      edges.push({
        from,
        to,
        requests: this.edgeRequests[e],
        attempts: this.edgeAttempts[e],
        retries: this.edgeRetries[e],
        sent: this.edgeSent[e],
        inFlight: Math.max(0, this.edgeRequests[e] - o.completed),
        failed: o.failed,
        failures: causeRecord(o.causes),
        attemptFailures,
        latencyMs: o.total.summary(),
        durationBuckets: buckets,
      });
      const n = this.t.length;
      seriesEdges[edgeKey(from, to)] = {
        ...o.block(),
        attempts: this.colAttempts[e],
        byStart: {
          started: fit(this.startedBy[e], n),
          sent: fit(this.sentBy[e], n),
          attempts: fit(this.attemptsBy[e], n),
        },
      };
    }

    const events = this.events.slice().sort((a, b) => a.t - b.t);

    this.finished = {
      summary,
      services,
      edges,
      series: {
        intervalMs: this.intervalMs,
        t: this.t,
        entry: entry.block(),
        services: seriesServices,
        edges: seriesEdges,
      },
      events,
    };
    return this.finished;
  }
}
