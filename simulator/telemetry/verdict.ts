/**
 * The verdict of a run from its checks, and how to say it. Isomorphic: the CLI, the HTML report,
 * the UI and labs all call these, so "PASSED" means the same everywhere — at least one check, every
 * check held with evidence (a check whose window held no sample is `no-data` and does not hold).
 */
import type { ProbeResult, RunResult, ThresholdResult, Verdict } from './types.ts';

export function verdictOf(thresholds: readonly ThresholdResult[], probes: readonly ProbeResult[]): Verdict {
  if (thresholds.length === 0 && probes.length === 0) return 'no-checks';
  return thresholds.every((t) => t.ok) && probes.every((p) => p.ok) ? 'passed' : 'failed';
}

/** The verdict of a result, also for results written before `verdict` existed. */
export function resultVerdict(r: Pick<RunResult, 'thresholds' | 'probes'> & { verdict?: Verdict }): Verdict {
  return r.verdict ?? verdictOf(r.thresholds, r.probes);
}

/** What to print: `PASSED`, `FAILED`, `NO CHECKS`. */
export function verdictLabel(v: Verdict): string {
  return v === 'passed' ? 'PASSED' : v === 'failed' ? 'FAILED' : 'NO CHECKS';
}

/** How a user turns a run with nothing to check into an experiment. */
export const NO_CHECKS_HINT =
  'nothing was checked: add `thresholds` (LoadProfile) or `steadyState` probes (ChaosExperiment)';

export interface CheckCount {
  total: number;
  held: number;
  violated: number;
  noData: number;
}

export function countChecks(r: Pick<RunResult, 'thresholds' | 'probes'>): CheckCount {
  const all = [...r.thresholds, ...r.probes];
  const c: CheckCount = { total: all.length, held: 0, violated: 0, noData: 0 };
  for (const x of all) {
    const status = x.status ?? (x.ok ? 'held' : 'violated');
    if (status === 'held') c.held++;
    else if (status === 'no-data') c.noData++;
    else c.violated++;
  }
  return c;
}

/** `PASSED (2/2 checks held)`, `FAILED (1/2 held, 1 no data)`, `NO CHECKS`. */
export function verdictLine(r: Pick<RunResult, 'thresholds' | 'probes'> & { verdict?: Verdict }): string {
  const v = resultVerdict(r);
  if (v === 'no-checks') return verdictLabel(v);
  const c = countChecks(r);
  const extra = [c.violated ? `${c.violated} violated` : '', c.noData ? `${c.noData} no data` : '']
    .filter(Boolean)
    .join(', ');
  return `${verdictLabel(v)} (${c.held}/${c.total} checks held${extra ? `; ${extra}` : ''})`;
}
