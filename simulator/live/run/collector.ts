/**
 * Measurements of a live run into the telemetry Recorder, so that the RunResult has the shape a
 * simulated run has (`mode: 'live'`): the load's own client-side records for the entry, the stubs'
 * records for services (inbound) and for the callers' logical calls (outbound), and the sidecars'
 * access logs for the tries on the wire when there is a mesh.
 *
 * Records are read from the JSONL files as they grow and fed in order of completion; an interval
 * is closed once the wall clock is `lagMs` past its end (records are flushed every 100 ms), so a
 * live view gets each interval about `lagMs` late. A request that completes after the run's end
 * is counted as arrived and in flight, as the simulator counts it.
 */
import { closeSync, existsSync, openSync, readSync, statSync } from 'node:fs';
import type { ProbeSpec, ScenarioSpec } from '../../model/types.ts';
import { FAILURE_CAUSES, type FailureCause } from '../../model/causes.ts';
import { causeIndex, Recorder } from '../../telemetry/recorder.ts';
import { VerdictSink } from '../../sim/verdict.ts';
import type { RunEvent } from '../../telemetry/types.ts';
import type { AccessRecord } from '../contract.ts';
import type { StubRecord } from '../stub/config.ts';
import type { ClientRecord } from './load-runner.ts';

/** Reads the lines appended to a file since the last call. */
export class JsonlTail<T> {
  private offset = 0;
  private partial = '';
  constructor(readonly path: string) {}

  read(): T[] {
    if (!existsSync(this.path)) return [];
    const size = statSync(this.path).size;
    if (size <= this.offset) return [];
    const fd = openSync(this.path, 'r');
    try {
      const buf = Buffer.alloc(size - this.offset);
      readSync(fd, buf, 0, buf.length, this.offset);
      this.offset = size;
      const parts = (this.partial + buf.toString('utf8')).split('\n');
      this.partial = parts.pop() ?? '';
      const out: T[] = [];
      for (const line of parts) {
        if (line.trim() === '') continue;
        try {
          out.push(JSON.parse(line) as T);
        } catch {
          /* a torn line of a killed process */
        }
      }
      return out;
    } finally {
      closeSync(fd);
    }
  }
}

interface Item {
  /** Completion time (ms since t = 0). */
  at: number;
  apply: () => void;
}

export interface GaugeSample {
  queue: number;
  inFlight: number;
  busySlots: number;
  totalSlots: number;
}

const causeOf = (c: string | null | undefined): number =>
  c && (FAILURE_CAUSES as readonly string[]).includes(c)
    ? causeIndex(c as FailureCause)
    : c
      ? causeIndex('error-5xx')
      : -1;

export class LiveCollector {
  readonly recorder: Recorder;
  readonly verdict: VerdictSink;
  readonly probes: ProbeSpec[];
  private readonly svcId = new Map<string, number>();
  private readonly edgeId = new Map<string, number>();
  private readonly pending: Item[] = [];
  private feedNow = 0;
  private closedUpTo = 0;
  private readonly gauges = new Map<number, Map<number, GaugeSample>>();
  /** Entry requests recorded (completed within the run). */
  entryCompleted = 0;

  constructor(
    private readonly scenario: ScenarioSpec,
    edges: [string, string][],
    readonly durationMs: number,
    private readonly meshed: boolean,
  ) {
    const services = scenario.topology.services.map((s) => s.name);
    services.forEach((s, i) => this.svcId.set(s, i));
    edges.forEach(([f, t], i) => this.edgeId.set(`${f}->${t}`, i));
    this.recorder = new Recorder(services, edges, scenario.interval, durationMs);
    this.probes = scenario.chaos.flatMap((c) => c.steadyState);
    this.verdict = new VerdictSink(
      this.recorder,
      this.probes,
      this.svcId,
      services.length,
      () => this.feedNow,
    );
  }

  get intervalMs(): number {
    return this.scenario.interval;
  }

  private edge(from: string, to: string): number {
    return this.edgeId.get(`${from}->${to}`) ?? -1;
  }

  private push(at: number, apply: () => void): void {
    this.pending.push({ at, apply });
  }

  /** Arrivals count at once; the completion waits in order (dropped after the run's end). */
  private completion(start: number, at: number, arrive: () => void, done: () => void): void {
    if (start > this.durationMs) return;
    arrive();
    if (at <= this.durationMs) this.push(at, done);
  }

  /** The load sent an entry request at `t` (counted as arrived even if it never completes). */
  clientSent(t: number, to: string): void {
    if (t <= this.durationMs) this.verdict.edgeRequest(this.edge('client', to), t);
  }

  client(r: ClientRecord): void {
    const e = this.edge('client', r.to);
    const v = this.verdict;
    const at = r.t + r.duration;
    if (r.t > this.durationMs || at > this.durationMs) return;
    this.push(at, () => {
      for (let k = 0; k < r.tries; k++) v.edgeAttempt(e, k > 0, r.t, k === 0);
      for (const c of r.tryCauses) v.edgeAttemptFailed(e, causeOf(c));
      if (r.cause) v.edgeAttemptFailed(e, causeOf(r.cause));
      for (let k = 1; k < r.tries; k++) v.clientRetry();
      const ok = r.cause === null;
      v.edgeDone(e, r.duration, ok, causeOf(r.cause));
      v.entryDone(r.duration, ok, causeOf(r.cause), r.degraded);
      this.entryCompleted++;
    });
  }

  stub(r: StubRecord): void {
    const v = this.verdict;
    if (r.direction === 'inbound') {
      const s = this.svcId.get(r.to);
      if (s === undefined) return;
      this.completion(
        r.t,
        r.t + r.duration,
        () => v.serviceArrival(s),
        () => {
          const ok = r.status < 500;
          v.serviceDone(s, r.duration, ok, ok ? -1 : causeOf(r.cause), r.degraded);
          if (r.sideEffect) v.sideEffect(s, r.duplicate === true);
          if (r.orphaned) v.orphaned(s);
        },
      );
      return;
    }
    const e = this.edge(r.from, r.to);
    if (e < 0) return;
    this.completion(
      r.t,
      r.t + r.duration,
      () => v.edgeRequest(e, r.t),
      () => {
        // Without a mesh every application try is a wire try; with one, the sidecar's log says.
        if (!this.meshed) {
          const tries = r.tries ?? 1;
          for (let k = 0; k < tries; k++) v.edgeAttempt(e, k > 0, r.t, k === 0);
          for (const c of r.tryCauses ?? []) v.edgeAttemptFailed(e, causeOf(c));
          if (r.cause && (r.tryCauses ?? []).length < tries) v.edgeAttemptFailed(e, causeOf(r.cause));
        }
        v.edgeDone(e, r.duration, r.cause === null, causeOf(r.cause));
      },
    );
  }

  /** A sidecar's outbound record: one application try, and the wire tries the sidecar made for it. */
  sidecar(r: AccessRecord): void {
    if (r.direction !== 'outbound') return;
    const e = this.edge(r.from, r.to);
    if (e < 0 || r.t > this.durationMs) return;
    const v = this.verdict;
    const at = r.t + r.duration;
    if (at > this.durationMs) return;
    this.push(at, () => {
      const tries = Math.max(1, r.tries);
      for (let k = 0; k < tries; k++) v.edgeAttempt(e, k > 0, r.t, k === 0);
      // Earlier tries failed (that is why they were retried); their own causes are not in the log.
      const failedTries = r.cause ? tries : tries - 1;
      for (let k = 0; k < failedTries; k++) v.edgeAttemptFailed(e, causeOf(r.cause ?? 'error-5xx'));
    });
  }

  event(e: RunEvent): void {
    this.verdict.event(e);
  }

  /** Gauges of the interval ending at `t` (applied when it closes). */
  gaugesAt(t: number, svc: string, g: GaugeSample): void {
    const s = this.svcId.get(svc);
    if (s === undefined) return;
    const k = Math.round(t / this.intervalMs);
    let m = this.gauges.get(k);
    if (!m) this.gauges.set(k, (m = new Map()));
    m.set(s, g);
  }

  /** Feed everything completed up to `upTo` and close the intervals that end by then. */
  advance(upTo: number): number[] {
    const limit = Math.min(upTo, this.durationMs);
    this.pending.sort((a, b) => a.at - b.at);
    let i = 0;
    const closed: number[] = [];
    const iv = this.intervalMs;
    const closeThrough = (t: number): void => {
      while (this.closedUpTo + iv <= t + 1e-9 && this.closedUpTo + iv <= this.durationMs + 1e-9) {
        const end = this.closedUpTo + iv;
        const g = this.gauges.get(Math.round(end / iv));
        if (g)
          for (const [s, x] of g)
            this.recorder.sampleGauges(end, s, x.queue, x.inFlight, x.busySlots, x.totalSlots);
        this.recorder.closeInterval(end);
        this.closedUpTo = end;
        closed.push(this.recorder.intervals - 1);
      }
    };
    for (; i < this.pending.length && this.pending[i].at <= limit; i++) {
      const it = this.pending[i];
      closeThrough(Math.floor(it.at / iv) * iv - (it.at % iv === 0 ? iv : 0));
      this.feedNow = it.at;
      it.apply();
    }
    this.pending.splice(0, i);
    closeThrough(limit);
    return closed;
  }
}
