/**
 * Documents (topology, policies, experiments as YAML text) → the ScenarioSpec the worker runs,
 * through the CLI's own loader and validators; problems come back as SpecIssues per file.
 */
import { loadBundle, type Source } from '../../../simulator/model/load.ts';
import { isSpecError, type SpecIssue } from '../../../simulator/model/errors.ts';
import type { ScenarioSpec } from '../../../simulator/model/types.ts';
import { loadLength } from '../../../simulator/sim/load.ts';

export interface ScenarioInput {
  topology: Source;
  policies: Source[];
  chaos: Source[];
  seed: number;
  /** Simulated duration, ms; undefined = the load profile's length. */
  durationMs?: number;
  /** Share of entry requests traced. */
  sampling?: number;
}

export type BuildResult = { ok: true; scenario: ScenarioSpec } | { ok: false; issues: SpecIssue[] };

export function buildScenario(input: ScenarioInput): BuildResult {
  const sources = [
    input.topology,
    ...input.policies.filter((p) => p.text.trim()),
    ...input.chaos.filter((c) => c.text.trim()),
  ];
  try {
    const bundle = loadBundle(sources);
    if (!bundle.topology) return fail(input.topology.file, 'no Topology document in this file');
    if (!bundle.load) return fail(input.topology.file, 'no LoadProfile document next to the topology');
    const sampling = input.sampling ?? 0.01;
    let load = bundle.load;
    const durationMs = input.durationMs ?? loadLength(load);
    // Like `meshdojo run --duration`: a constant executor keeps sending for the whole run.
    if ('duration' in load && input.durationMs !== undefined) load = { ...load, duration: input.durationMs };
    return {
      ok: true,
      scenario: {
        name: bundle.topology.name,
        topology: bundle.topology,
        policies: bundle.policies,
        load,
        chaos: bundle.chaos,
        seed: input.seed,
        duration: durationMs,
        interval: 1000,
        sampling: { traces: sampling, accessLogs: sampling },
      },
    };
  } catch (e) {
    if (isSpecError(e)) return { ok: false, issues: [...e.issues] };
    throw e;
  }
}

function fail(file: string, message: string): BuildResult {
  return { ok: false, issues: [{ file, line: 1, column: 1, path: '', message }] };
}

/** Issues of one file (for an editor's inline marks). */
export function issuesOf(issues: readonly SpecIssue[], file: string): SpecIssue[] {
  return issues.filter((i) => i.file === file);
}
