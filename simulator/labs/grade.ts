/**
 * Grades one step of a lab: re-simulates the step with the lab's seed and run length on the
 * learner's files, then evaluates its behaviour checks, policy checks and observation answers.
 * Isomorphic (the CLI and the browser pass in an already loaded Bundle).
 */
import type { Bundle } from '../model/load.ts';
import type { ChaosSpec, MeshPolicySpec, ProbeSpec, ScenarioSpec } from '../model/types.ts';
import { runScenario } from '../sim/run.ts';
import type { RunResult } from '../telemetry/types.ts';
import { describeMeasure, probeFor, readMeasure, type Reading } from './measure.ts';
import type { Expectation, LabSpec, LabStep, Measure, PolicyCheck } from './types.ts';

export interface CheckOutcome {
  name: string;
  kind: 'behaviour' | 'policy' | 'observation';
  ok: boolean;
  /** What was found, e.g. `0.9987 over 6,021 requests`, `no data`, `not set`. */
  observed: string;
  expected: string;
}

export interface StepGrade {
  lab: string;
  step: string;
  passed: boolean;
  checks: CheckOutcome[];
  /** The figure the learner predicted, measured. */
  reveal?: { question: string; value: number | null; text: string };
  result: RunResult;
}

/** Observation answers by question number (1-based). */
export type Answers = Readonly<Record<number, string>>;

const PROBE_PREFIX = 'lab-check-';

/** The scenario a step runs: the lab's topology, load, seed and length; the learner's policies and chaos. */
export function stepScenario(lab: LabSpec, step: LabStep, bundle: Bundle, probes: ProbeSpec[]): ScenarioSpec {
  if (!bundle.topology) throw new Error(`lab ${lab.id}: the bundle holds no topology`);
  const checks: ChaosSpec = { name: `${lab.id}/${step.id} checks`, steadyState: probes, faults: [] };
  return {
    name: `${lab.id}/${step.id}`,
    topology: bundle.topology,
    policies: bundle.policies,
    load: bundle.load,
    chaos: [...bundle.chaos, checks],
    seed: lab.seed,
    duration: lab.duration,
    interval: 1000,
    sampling: { traces: 0, accessLogs: 0 },
  };
}

function measured(r: Reading, fmt: (v: number) => string): string {
  if (r.value === null) return 'no data (nothing to measure in the window)';
  return `${fmt(r.value)} (${r.samples.toLocaleString('en-US')} samples)`;
}

function formatValue(m: Measure, v: number): string {
  switch (m.metric) {
    case 'successRate':
    case 'degradedRate':
    case 'versionShare':
      return `${(v * 100).toFixed(2)} %`;
    case 'latency':
      return v >= 1000 ? `${(v / 1000).toFixed(2)} s` : `${v.toFixed(1)} ms`;
    case 'meshAddedLatency':
      return `${v.toFixed(2)} ms`;
    case 'attemptsPerRequest':
    case 'loadFactor':
      return `${v.toFixed(2)}×`;
    case 'meshCpuCores':
      return v.toFixed(3);
    default:
      return Math.round(v).toLocaleString('en-US');
  }
}

function expected(e: Expectation): string {
  const f = (v: number) => formatValue(e.measure, v);
  if (e.min !== undefined && e.max !== undefined) return `${f(e.min)} … ${f(e.max)}`;
  return e.min !== undefined ? `≥ ${f(e.min)}` : `≤ ${f(e.max!)}`;
}

function holds(e: Expectation, v: number | null): boolean {
  if (v === null) return false;
  return (e.min === undefined || v >= e.min) && (e.max === undefined || v <= e.max);
}

/** `retries.perTryTimeout` set on the destination's block in any of the learner's policies? */
function policyHas(policies: readonly MeshPolicySpec[], check: PolicyCheck): boolean {
  return policies.some((p) =>
    p.destinations.some((d) => {
      if (d.service !== check.destination) return false;
      let v: unknown = d;
      for (const key of check.field.split('.')) {
        if (v === null || typeof v !== 'object') return false;
        v = (v as Record<string, unknown>)[key];
      }
      return v !== undefined && !(Array.isArray(v) && v.length === 0);
    }),
  );
}

/** A step ready to run: its scenario (with the probes the checks read) and the measures to read back. */
export interface StepPlan {
  lab: LabSpec;
  step: LabStep;
  scenario: ScenarioSpec;
  measures: Measure[];
  /** The probe each measure was added as (undefined: read from the series and totals). */
  probeNames: (string | undefined)[];
}

export function planStep(lab: LabSpec, stepIndex: number, bundle: Bundle): StepPlan {
  const step = lab.steps[stepIndex];
  if (!step) throw new RangeError(`lab ${lab.id} has ${lab.steps.length} steps, not ${stepIndex + 1}`);
  const measures: Measure[] = [...step.check.expect.map((e) => e.measure)];
  if (step.hypothesis) measures.push(step.hypothesis.reveal);
  const probeNames: (string | undefined)[] = [];
  const probes: ProbeSpec[] = [];
  measures.forEach((m, i) => {
    const p = probeFor(m, `${PROBE_PREFIX}${i}`);
    probeNames.push(p?.name);
    if (p) probes.push(p);
  });
  return { lab, step, scenario: stepScenario(lab, step, bundle, probes), measures, probeNames };
}

/**
 * How long a run must last to judge the step: the end of its last window (plus a second for the
 * answers still on their way), or the lab's whole length when a measure reads the whole run. What
 * happens after every window is closed changes no reading, so a live run can stop there.
 */
export function judgedLength(plan: StepPlan): number {
  let end = 0;
  for (const m of plan.measures) {
    if (m.window?.to === undefined) return plan.lab.duration;
    end = Math.max(end, m.window.to);
  }
  return Math.min(plan.lab.duration, end + 1000);
}

export function gradeStep(lab: LabSpec, stepIndex: number, bundle: Bundle, answers: Answers = {}): StepGrade {
  const plan = planStep(lab, stepIndex, bundle);
  return judgeStep(plan, bundle, runScenario(plan.scenario), answers);
}

/** Grades a step on a run of its scenario: simulated (gradeStep) or live (the same scenario on real processes). */
export function judgeStep(
  plan: StepPlan,
  bundle: Bundle,
  result: RunResult,
  answers: Answers = {},
): StepGrade {
  const { lab, step, measures, probeNames } = plan;
  const read = (i: number) => readMeasure(result, measures[i]!, probeNames[i]);

  const checks: CheckOutcome[] = [];
  step.check.expect.forEach((e, i) => {
    const r = read(i);
    checks.push({
      name: e.name,
      kind: 'behaviour',
      ok: holds(e, r.value),
      observed: `${describeMeasure(e.measure)}: ${measured(r, (v) => formatValue(e.measure, v))}`,
      expected: expected(e),
    });
  });
  for (const c of step.check.policy) {
    const has = policyHas(bundle.policies, c);
    checks.push({
      name: c.name,
      kind: 'policy',
      ok: has === c.present,
      observed: `${c.destination}.${c.field} ${has ? 'is set' : 'is not set'}`,
      expected: c.present ? 'set' : 'not set',
    });
  }
  step.check.observe.forEach((q, i) => {
    const given = answers[i + 1];
    checks.push({
      name: `question ${i + 1}`,
      kind: 'observation',
      ok: given !== undefined && given.trim().toLowerCase() === q.answer.toLowerCase(),
      observed: given === undefined ? 'unanswered' : `answered ${given}`,
      expected: q.question,
    });
  });

  let reveal: StepGrade['reveal'];
  if (step.hypothesis) {
    const r = read(measures.length - 1);
    reveal = {
      question: step.hypothesis.question,
      value: r.value,
      text: `${describeMeasure(step.hypothesis.reveal)}: ${measured(r, (v) => formatValue(step.hypothesis!.reveal, v))}`,
    };
  }
  // No checks at all is no evidence: a step with nothing to check never passes.
  const passed = checks.length > 0 && checks.every((c) => c.ok);
  return { lab: lab.id, step: step.id, passed, checks, reveal, result };
}
