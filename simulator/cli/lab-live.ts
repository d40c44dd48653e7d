/**
 * `meshdojo lab check ID --step N FILE… --backend process|docker`: the step graded on a live run
 * instead of a re-simulation. The same scenario (the lab's topology, load, seed and chaos, the
 * learner's files, the checks as steady-state probes) runs on real processes or containers, and
 * the same judge reads the live RunResult. The run stops once the step's last window has closed.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { judgedLength, judgeStep, planStep, type Answers, type StepGrade } from '../labs/grade.ts';
import type { Measure } from '../labs/types.ts';
import type { MeshPolicySpec } from '../model/types.ts';
import { LiveRun, LiveRunError } from '../live/run/orchestrator.ts';
import { UsageError } from './errors.ts';
import { stepBundle, type LabEntry } from './lab.ts';
import { makeBackend } from './live.ts';

/**
 * Why a step cannot be judged on a live run, or null. The live data plane runs no canary
 * controller: its sidecars pin a canary's destination to the stable subset (weight 0 for the
 * canary) and nothing moves the weight, so a canary check could only fail, for a reason that is
 * not the learner's.
 */
export function notJudgedLive(
  policies: readonly MeshPolicySpec[],
  measures: readonly Measure[],
): string | null {
  const canaryCheck = measures.some((m) => m.metric === 'events' && m.kind === 'canary');
  if (canaryCheck || policies.some((p) => p.canaries.length > 0))
    return 'the live data plane runs no canary controller (the sidecars keep a canary at weight 0), so canary promotion and rollback can only be graded by the simulator (drop --backend)';
  return null;
}

export type LiveBackendKind = 'process' | 'docker';

export async function checkStepLive(
  entry: LabEntry,
  stepNumber: number,
  files: readonly string[],
  answers: Answers,
  opts: { backend: LiveBackendKind; note?: (line: string) => void },
): Promise<StepGrade> {
  const spec = entry.lab.spec;
  const bundle = stepBundle(entry, stepNumber, files);
  const plan = planStep(spec, stepNumber - 1, bundle);
  const why = notJudgedLive(plan.scenario.policies, plan.measures);
  if (why) throw new UsageError(`lab ${spec.id} step ${stepNumber} cannot be graded live: ${why}`);
  const scenario = { ...plan.scenario, duration: judgedLength(plan) };
  const workDir = mkdtempSync(join(tmpdir(), 'meshdojo-lab-live-'));
  try {
    const backend = await makeBackend(opts.backend, `lab-${process.pid}`, workDir);
    opts.note?.(
      `lab ${spec.id} step ${stepNumber}: a ${Math.round(scenario.duration / 1000)} s live run on the ${opts.backend} backend`,
    );
    const result = await new LiveRun({ scenario, backend, workDir, note: opts.note }).run();
    return judgeStep(plan, bundle, result, answers);
  } catch (err) {
    if (err instanceof LiveRunError)
      throw new UsageError(`lab ${spec.id} step ${stepNumber}: ${err.message}`);
    throw err;
  } finally {
    rmSync(workDir, { recursive: true, force: true });
  }
}
