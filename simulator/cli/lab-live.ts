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
import { LiveRun, LiveRunError } from '../live/run/orchestrator.ts';
import { UsageError } from './errors.ts';
import { stepBundle, type LabEntry } from './lab.ts';
import { makeBackend } from './live.ts';

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
