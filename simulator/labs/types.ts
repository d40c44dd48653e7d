/**
 * A lab: one topology, a seed and a run length, and steps that each ask the learner to predict,
 * act (one change), and then check the outcome by re-simulating the step with the lab's seed.
 * Grading is instant and repeatable: the same files always give the same verdict.
 */
import type { Ms } from '../model/types.ts';

export type LabLevel = 'beginner' | 'intermediate' | 'advanced';

/** Where a measure looks: the entry (as the load generator sees it), a service, or an edge. */
export interface MeasureScope {
  service?: string;
  edge?: { from: string; to: string };
  window?: { from: Ms; to?: Ms };
}

export type Measure = MeasureScope &
  (
    | { metric: 'successRate' }
    | { metric: 'latency'; percentile: number }
    | { metric: 'degradedRate' }
    | { metric: 'requests' }
    | { metric: 'attemptsPerRequest' }
    /** Executions at a service per request at the entry: retry amplification seen from the top. */
    | { metric: 'loadFactor' }
    | { metric: 'failures'; cause?: string }
    | { metric: 'maxQueue' }
    /** Share of a service's executions that ran on one version (subset). */
    | { metric: 'versionShare'; version: string }
    | { metric: 'duplicateSideEffects' }
    | { metric: 'orphaned' }
    | { metric: 'events'; kind: string; state?: string; subject?: string }
    | { metric: 'meshAddedLatency' }
    | { metric: 'meshCpuCores' }
  );

export type MetricName = Measure['metric'];

/** A behaviour check: a measure and the bound it must meet. */
export interface Expectation {
  name: string;
  measure: Measure;
  min?: number;
  max?: number;
}

/** A state check on the learner's policy: a destination has (or has not) a field set. */
export interface PolicyCheck {
  name: string;
  destination: string;
  /** Dotted path inside the destination block, e.g. `retries.perTryTimeout`, `circuitBreaker`. */
  field: string;
  present: boolean;
}

/** A question answered by clicking a node or an edge; the answer is a service name. */
export interface ObservationQuestion {
  question: string;
  answer: string;
}

export interface Hypothesis {
  question: string;
  /** A number (with this unit) or one of these choices. */
  unit?: string;
  choices?: string[];
  /** What the learner's prediction is compared with once the step is checked. */
  reveal: Measure;
}

export interface LabStep {
  id: string;
  title: string;
  goal: string;
  hypothesis?: Hypothesis;
  action: { text: string; cli?: string; ui?: string };
  /** A topology file replacing the lab's for this step (e.g. the application with its own fallbacks). */
  topology?: string;
  /** Chaos files the lab itself imposes in this step (relative to the lab file). */
  chaos: string[];
  check: { expect: Expectation[]; policy: PolicyCheck[]; observe: ObservationQuestion[] };
  explain: string;
  /** What the learner's files should be set back to before the next step (a short sentence). */
  reset?: string;
}

export interface LabSpec {
  id: string;
  title: string;
  summary: string;
  level: LabLevel;
  minutes: number;
  /** Topology file (with its LoadProfile), relative to the lab file. */
  topology: string;
  /** Optional LoadProfile file replacing the topology's. */
  load?: string;
  seed: number;
  duration: Ms;
  /** The learner's working files, copied from `start/` (names only). */
  files: string[];
  steps: LabStep[];
}
