/**
 * What the simulator's Web Worker does, without the worker: it holds the stepped runs, answers
 * each message with messages, and never touches `self`, so it is tested in Node as it is.
 */
import type { FaultSpec } from '../../../simulator/model/types.ts';
import { runScenario, startRun, type SteppedRun } from '../../../simulator/sim/run.ts';
import { gradeStep } from '../../../simulator/labs/grade.ts';
import { frameAt, type IntervalFrame } from '../../../simulator/telemetry/interval.ts';
import type { RunEvent } from '../../../simulator/telemetry/types.ts';
import { INJECT_OFFSET_MS, parseToWorker, type FromWorker } from './protocol.ts';

interface Live {
  run: SteppedRun;
  sentIntervals: number;
  eventCursor: number;
  pending: RunEvent[];
  faults: Map<string, FaultSpec>;
  wallMs: number;
}

export function createEngineHost(post: (m: FromWorker) => void, wallClock: () => number = () => 0) {
  const runs = new Map<number, Live>();

  function flush(runId: number, live: Live): void {
    const { run } = live;
    const series = run.series();
    const fresh = run.eventsFrom(live.eventCursor);
    live.eventCursor += fresh.length;
    live.pending.push(...fresh);
    const frames: IntervalFrame[] = [];
    for (let i = live.sentIntervals; i < series.t.length; i++) {
      const t = series.t[i];
      const mine = live.pending.filter((e) => e.t <= t);
      live.pending = live.pending.filter((e) => e.t > t);
      frames.push(frameAt(series, i, mine));
    }
    live.sentIntervals = series.t.length;
    post({
      type: 'frames',
      runId,
      nowMs: run.now(),
      frames,
      events: run.engineEvents(),
      wallMs: live.wallMs,
    });
  }

  function handle(data: unknown): void {
    const msg = parseToWorker(data);
    if (typeof msg === 'string') {
      const runId = (data as { runId?: unknown } | null)?.runId;
      post({ type: 'error', runId: typeof runId === 'number' ? runId : -1, message: msg });
      return;
    }
    const { runId } = msg;
    try {
      switch (msg.type) {
        case 'start': {
          const run = startRun(msg.scenario);
          runs.set(runId, {
            run,
            sentIntervals: 0,
            eventCursor: 0,
            pending: [],
            faults: new Map(),
            wallMs: 0,
          });
          post({ type: 'started', runId, durationMs: run.durationMs, intervalMs: msg.scenario.interval });
          return;
        }
        case 'run': {
          const t0 = wallClock();
          const result = runScenario(msg.scenario);
          post({ type: 'result', runId, result, wallMs: wallClock() - t0 });
          return;
        }
        case 'dispose':
          runs.delete(runId);
          return;
        case 'grade': {
          const { result, ...grade } = gradeStep(msg.lab, msg.step, msg.bundle, msg.answers);
          post({ type: 'graded', runId, grade: { ...grade, hash: result.hash } });
          return;
        }
      }
      const live = runs.get(runId);
      if (!live) throw new Error(`no run ${runId} (start it first)`);
      switch (msg.type) {
        case 'advance': {
          const t0 = wallClock();
          live.run.advanceTo(msg.toMs);
          live.wallMs += wallClock() - t0;
          flush(runId, live);
          return;
        }
        case 'inject': {
          if (live.faults.has(msg.fault.name)) throw new Error(`a fault named ${msg.fault.name} is active`);
          const fault = { ...msg.fault, at: live.run.now() + INJECT_OFFSET_MS } as FaultSpec;
          live.run.injectFault(fault);
          live.faults.set(fault.name, fault);
          post({ type: 'injected', runId, fault });
          return;
        }
        case 'stop-fault': {
          const fault = live.faults.get(msg.name);
          if (!fault) throw new Error(`no active fault named ${msg.name}`);
          const atMs = Math.max(live.run.now() + INJECT_OFFSET_MS, fault.at + INJECT_OFFSET_MS);
          live.run.stopFault(fault, atMs);
          live.faults.delete(msg.name);
          post({ type: 'fault-stopped', runId, name: msg.name, atMs });
          return;
        }
        case 'finish': {
          const t0 = wallClock();
          const result = live.run.finish();
          live.wallMs += wallClock() - t0;
          flush(runId, live);
          post({ type: 'result', runId, result, wallMs: live.wallMs });
          runs.delete(runId);
          return;
        }
      }
    } catch (e) {
      post({ type: 'error', runId, message: e instanceof Error ? e.message : String(e) });
    }
  }

  return { handle, activeRuns: () => runs.size };
}
