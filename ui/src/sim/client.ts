/**
 * The page's side of the worker protocol: one request at a time per run, answers as promises.
 * Takes any `postMessage`/`onmessage` endpoint, so tests connect it straight to an engine host.
 */
import type { FaultRequest } from './protocol.ts';
import type { FaultSpec, ScenarioSpec } from '../../../simulator/model/types.ts';
import type { IntervalFrame } from '../../../simulator/telemetry/interval.ts';
import type { RunResult } from '../../../simulator/telemetry/types.ts';
import type { FromWorker, GradeReply, ToWorker } from './protocol.ts';
import type { Bundle } from '../../../simulator/model/load.ts';
import type { LabSpec } from '../../../simulator/labs/types.ts';
import type { Answers } from '../../../simulator/labs/grade.ts';

export interface Port {
  postMessage(m: ToWorker): void;
  onmessage: ((e: { data: FromWorker }) => void) | null;
}

export interface FramesReply {
  nowMs: number;
  frames: IntervalFrame[];
  events: number;
  wallMs: number;
}

type Waiter = { resolve: (m: FromWorker) => void; reject: (e: Error) => void };

export class SimClient {
  private nextId = 1;
  private readonly waiting = new Map<number, Waiter[]>();

  constructor(private readonly port: Port) {
    port.onmessage = (e) => this.receive(e.data);
  }

  private receive(m: FromWorker): void {
    const queue = this.waiting.get(m.runId);
    if (m.type === 'error') {
      // A failed request fails everything that waits on the run.
      this.waiting.delete(m.runId);
      for (const w of queue ?? []) w.reject(new Error(m.message));
      return;
    }
    queue?.shift()?.resolve(m);
  }

  /** Wait for the next message of this run (answers come in the order requests were posted). */
  expect<T extends FromWorker['type']>(runId: number, want: T): Promise<Extract<FromWorker, { type: T }>> {
    return new Promise((resolve, reject) => {
      const q = this.waiting.get(runId) ?? [];
      q.push({
        resolve: (m) =>
          m.type === want
            ? resolve(m as Extract<FromWorker, { type: T }>)
            : reject(new Error(`expected ${want}, got ${m.type}`)),
        reject,
      });
      this.waiting.set(runId, q);
    });
  }

  private ask<T extends FromWorker['type']>(
    msg: ToWorker,
    want: T,
  ): Promise<Extract<FromWorker, { type: T }>> {
    const p = this.expect(msg.runId, want);
    try {
      // A real Worker clones synchronously: a Vue proxy in the message throws DataCloneError here.
      this.port.postMessage(msg);
    } catch (e) {
      this.waiting.get(msg.runId)?.pop(); // the waiter just queued: nothing will answer it
      return Promise.reject(e instanceof Error ? e : new Error(String(e)));
    }
    return p;
  }

  /** Start a stepped run; returns its handle. */
  async start(scenario: ScenarioSpec): Promise<SteppedRunHandle> {
    const runId = this.nextId++;
    const m = await this.ask({ type: 'start', runId, scenario: plain(scenario) }, 'started');
    return new SteppedRunHandle(this, runId, m.durationMs, m.intervalMs);
  }

  /** A whole run (compare variants, overhead profiles). */
  async run(scenario: ScenarioSpec): Promise<{ result: RunResult; wallMs: number }> {
    const runId = this.nextId++;
    const m = await this.ask({ type: 'run', runId, scenario: plain(scenario) }, 'result');
    return { result: m.result, wallMs: m.wallMs };
  }

  /** Grade one lab step in the worker (the same verdict as `meshdojo lab check`). */
  async grade(lab: LabSpec, step: number, bundle: Bundle, answers: Answers = {}): Promise<GradeReply> {
    const runId = this.nextId++;
    const msg = {
      type: 'grade',
      runId,
      lab: plain(lab),
      step,
      bundle: plain(bundle),
      answers: plain(answers),
    } as const;
    return (await this.ask(msg, 'graded')).grade;
  }

  /** @internal */
  request<T extends FromWorker['type']>(msg: ToWorker, want: T) {
    return this.ask(msg, want);
  }

  /** @internal */
  send(msg: ToWorker): void {
    this.port.postMessage(msg);
  }
}

export class SteppedRunHandle {
  constructor(
    private readonly client: SimClient,
    readonly runId: number,
    readonly durationMs: number,
    readonly intervalMs: number,
  ) {}

  async advance(toMs: number): Promise<FramesReply> {
    const m = await this.client.request({ type: 'advance', runId: this.runId, toMs }, 'frames');
    return { nowMs: m.nowMs, frames: m.frames, events: m.events, wallMs: m.wallMs };
  }

  async inject(fault: FaultRequest): Promise<FaultSpec> {
    return (await this.client.request({ type: 'inject', runId: this.runId, fault: plain(fault) }, 'injected'))
      .fault;
  }

  async stopFault(name: string): Promise<number> {
    return (await this.client.request({ type: 'stop-fault', runId: this.runId, name }, 'fault-stopped')).atMs;
  }

  /** Runs to the end: the frames of the rest, then the result. */
  async finish(): Promise<{ frames: FramesReply; result: RunResult; wallMs: number }> {
    const framesP = this.client.expect(this.runId, 'frames');
    const resultP = this.client.expect(this.runId, 'result');
    this.client.send({ type: 'finish', runId: this.runId });
    const f = await framesP;
    const r = await resultP;
    return {
      frames: { nowMs: f.nowMs, frames: f.frames, events: f.events, wallMs: f.wallMs },
      result: r.result,
      wallMs: r.wallMs,
    };
  }

  dispose(): void {
    this.client.send({ type: 'dispose', runId: this.runId });
  }
}

/** Vue proxies and class instances do not survive structured cloning: send plain JSON. */
function plain<T>(v: T): T {
  return JSON.parse(JSON.stringify(v)) as T;
}
