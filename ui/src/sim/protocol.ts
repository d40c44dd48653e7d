/**
 * The typed messages between the page and the simulator's Web Worker. A live run is driven in
 * slices of simulated time (`advance`); every closed interval comes back as an IntervalFrame, the
 * same shape `meshdojo serve` streams over SSE. Whole runs (compare, mesh overhead) use `run`.
 */
import type { FaultSpec, ScenarioSpec } from '../../../simulator/model/types.ts';
import type { IntervalFrame } from '../../../simulator/telemetry/interval.ts';
import type { RunResult } from '../../../simulator/telemetry/types.ts';
import type { Bundle } from '../../../simulator/model/load.ts';
import type { LabSpec } from '../../../simulator/labs/types.ts';
import type { Answers, StepGrade } from '../../../simulator/labs/grade.ts';

/** A graded lab step as the page receives it: the checks, not the whole re-simulated run. */
export type GradeReply = Omit<StepGrade, 'result'> & { hash: string };

/** A fault to inject now: a FaultSpec without its start time (the worker sets it). */
export type FaultRequest = FaultSpec extends infer F ? (F extends FaultSpec ? Omit<F, 'at'> : never) : never;

export type ToWorker =
  | { type: 'start'; runId: number; scenario: ScenarioSpec }
  | { type: 'advance'; runId: number; toMs: number }
  /** Inject now: the worker sets `at` just after its clock (the fault's start in the kept YAML). */
  | { type: 'inject'; runId: number; fault: FaultRequest }
  | { type: 'stop-fault'; runId: number; name: string }
  | { type: 'finish'; runId: number }
  | { type: 'run'; runId: number; scenario: ScenarioSpec }
  | { type: 'dispose'; runId: number }
  /** Grade one lab step (`meshdojo lab check`): re-simulate it with the lab's seed. */
  | { type: 'grade'; runId: number; lab: LabSpec; step: number; bundle: Bundle; answers: Answers };

export type FromWorker =
  | { type: 'started'; runId: number; durationMs: number; intervalMs: number }
  | { type: 'frames'; runId: number; nowMs: number; frames: IntervalFrame[]; events: number; wallMs: number }
  | { type: 'injected'; runId: number; fault: FaultSpec }
  | { type: 'fault-stopped'; runId: number; name: string; atMs: number }
  | { type: 'result'; runId: number; result: RunResult; wallMs: number }
  | { type: 'graded'; runId: number; grade: GradeReply }
  | { type: 'error'; runId: number; message: string };

/** The offset after the worker's clock at which an injected fault starts or stops (see startRun). */
export const INJECT_OFFSET_MS = 0.5;

const TO_WORKER = new Set(['start', 'advance', 'inject', 'stop-fault', 'finish', 'run', 'dispose', 'grade']);

/** A structural check of an incoming message: a worker never trusts what it is posted. */
export function parseToWorker(data: unknown): ToWorker | string {
  if (typeof data !== 'object' || data === null) return 'message is not an object';
  const m = data as Record<string, unknown>;
  if (typeof m.type !== 'string' || !TO_WORKER.has(m.type)) return `unknown message type ${String(m.type)}`;
  if (typeof m.runId !== 'number' || !Number.isInteger(m.runId)) return `${m.type}: runId must be an integer`;
  switch (m.type) {
    case 'start':
    case 'run':
      if (typeof m.scenario !== 'object' || m.scenario === null) return `${m.type}: scenario missing`;
      break;
    case 'advance':
      if (typeof m.toMs !== 'number' || !Number.isFinite(m.toMs))
        return 'advance: toMs must be a finite number';
      break;
    case 'inject':
      if (typeof m.fault !== 'object' || m.fault === null) return 'inject: fault missing';
      break;
    case 'grade':
      if (typeof m.lab !== 'object' || m.lab === null) return 'grade: lab missing';
      if (typeof m.bundle !== 'object' || m.bundle === null) return 'grade: bundle missing';
      if (typeof m.step !== 'number' || !Number.isInteger(m.step)) return 'grade: step must be an integer';
      if (typeof m.answers !== 'object' || m.answers === null) return 'grade: answers missing';
      break;
    case 'stop-fault':
      if (typeof m.name !== 'string') return 'stop-fault: name must be a string';
      break;
  }
  return m as unknown as ToWorker;
}
