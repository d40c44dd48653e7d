/**
 * Builds the ScenarioSpec a command runs from the documents it was given (a Bundle from the
 * model's loader) and the command-line overrides.
 */
import { loadLength } from '../sim/load.ts';
import type { LoadProfileSpec, MeshPolicySpec, Ms, ScenarioSpec } from '../model/types.ts';
import type { Bundle } from '../model/load.ts';
import { UsageError } from './errors.ts';

export const DEFAULT_SEED = 1;
export const DEFAULT_INTERVAL_MS = 1000;
export const DEFAULT_SAMPLING = { traces: 0.001, accessLogs: 0.001 } as const;

export interface ScenarioOverrides {
  seed?: number;
  /** Simulated duration, ms. */
  duration?: Ms;
  /** Extra policies (`--policy FILE`), added after the documents' own. */
  policies?: MeshPolicySpec[];
  /** `--load FILE`: this LoadProfile instead of the documents' own. */
  load?: LoadProfileSpec;
  /** Share (0..1) of entry requests whose spans and access-log lines are kept. */
  sampling?: number;
  /**
   * With `duration`: a constant executor (`constant-arrival-rate`, `constant-vus`) keeps sending
   * for the whole run instead of stopping at its own `duration` (what `--duration` means on the
   * command line). Ramping executors keep their stages.
   */
  stretchLoad?: boolean;
}

/**
 * The Scenario document wins when there is one (only `--policy` policies are added to it);
 * otherwise the Topology, the LoadProfile (the one next to the topology), the chaos experiments
 * and the policies of the given files make the scenario.
 *
 * The duration is always made explicit: `--duration`, else the scenario's, else the load's own length.
 */
export function scenarioFromBundle(bundle: Bundle, overrides: ScenarioOverrides = {}): ScenarioSpec {
  const extra = overrides.policies ?? [];
  let base: ScenarioSpec;
  if (bundle.scenario) {
    const s = bundle.scenario;
    base = {
      ...s,
      load: s.load ?? bundle.load,
      policies: [...s.policies, ...extra],
    };
  } else {
    if (!bundle.topology) {
      throw new UsageError(
        'no Topology among the given files (give a kind: Topology or a kind: Scenario document)',
      );
    }
    base = {
      name: bundle.topology.name,
      topology: bundle.topology,
      policies: [...bundle.policies, ...extra],
      load: bundle.load,
      chaos: bundle.chaos,
      seed: DEFAULT_SEED,
      duration: undefined,
      interval: DEFAULT_INTERVAL_MS,
      sampling: { ...DEFAULT_SAMPLING },
    };
  }
  if (overrides.load) {
    checkLoadAgainst(overrides.load, base);
    base = { ...base, load: overrides.load };
  }
  if (!base.load) {
    throw new UsageError(
      `no load profile for ${base.name}: add a kind: LoadProfile document (next to the topology or in another file)`,
    );
  }
  const seed = overrides.seed ?? base.seed ?? DEFAULT_SEED;
  const duration = overrides.duration ?? base.duration ?? loadLength(base.load);
  if (!(duration > 0)) throw new UsageError(`the run has no duration (got ${duration} ms): give --duration`);
  const sampling =
    overrides.sampling === undefined
      ? base.sampling
      : { traces: overrides.sampling, accessLogs: overrides.sampling };
  let load = base.load;
  if (overrides.stretchLoad && overrides.duration !== undefined && 'duration' in load) {
    load = { ...load, duration: overrides.duration };
  }
  return { ...base, load, seed, duration, sampling };
}

/** The services a `--load` profile sends to must exist (the loader checks this for documents given together). */
function checkLoadAgainst(load: LoadProfileSpec, s: ScenarioSpec): void {
  const names = new Set(s.topology.services.map((x) => x.name));
  const targets = [load.entry?.service, ...load.requests.map((r) => r.service)].filter(
    (x): x is string => x !== undefined,
  );
  for (const t of targets)
    if (!names.has(t))
      throw new UsageError(
        `--load ${load.name}: sends requests to ${t}, which is not a service of ${s.topology.name}`,
      );
}

/** `--seed` value: a non-negative safe integer. */
export function parseSeed(text: string): number {
  if (!/^\d+$/.test(text.trim()))
    throw new UsageError(`--seed: expected a non-negative integer, got ${text}`);
  const n = Number(text.trim());
  if (!Number.isSafeInteger(n)) throw new UsageError(`--seed: too large: ${text}`);
  return n;
}

/** `--sampling` value: a share 0..1. */
export function parseShare(flag: string, text: string): number {
  const n = Number(text);
  if (text.trim() === '' || !Number.isFinite(n) || n < 0 || n > 1) {
    throw new UsageError(`${flag}: expected a number between 0 and 1, got ${text}`);
  }
  return n;
}
