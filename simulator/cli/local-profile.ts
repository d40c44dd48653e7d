/**
 * The `local` data-plane profile as `meshdojo live calibrate` wrote it: reading and registering it.
 * Apart from the calibration itself (calibrate.ts, which starts live processes), so that `run`
 * loads none of the live machinery.
 */
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { ScenarioSpec } from '../model/types.ts';
import { registerProfile, type DataPlaneProfile } from '../sim/profiles.ts';
import { UsageError } from './errors.ts';

export const DEFAULT_PROFILE_FILE = '.meshdojo/profile-local.json';

/** The calibration file: the profile plus what was measured. */
export interface LocalProfileFile {
  profile: DataPlaneProfile;
  measured: {
    at: string;
    host: string;
    rounds: number;
    requestsPerRound: number;
    direct: { p50: number; p90: number; p99: number };
    sidecar: { p50: number; p90: number; p99: number };
    added: { p50: number; p90: number; p99: number };
    cpuMsPerRequest: number;
    rssMb: number;
  };
}

export function profileFilePath(): string {
  return resolve(process.env.MESHDOJO_LOCAL_PROFILE ?? DEFAULT_PROFILE_FILE);
}

/** Reads and registers the `local` profile; a clear error when it was never measured. */
export function loadLocalProfile(why: string): DataPlaneProfile {
  const path = profileFilePath();
  if (!existsSync(path))
    throw new UsageError(
      `${why} uses the data-plane profile \`local\`, which is measured on this machine: run \`meshdojo live calibrate\` first (it writes ${path})`,
    );
  let file: LocalProfileFile;
  try {
    file = JSON.parse(readFileSync(path, 'utf8')) as LocalProfileFile;
  } catch (err) {
    throw new UsageError(
      `${path}: not a calibration file (${(err as Error).message}); run \`meshdojo live calibrate\` again`,
    );
  }
  const p = file.profile;
  if (!p || p.name !== 'local' || !p.proxy || p.proxy.latency?.dist !== 'lognormal')
    throw new UsageError(
      `${path}: field profile: expected the \`local\` profile written by \`meshdojo live calibrate\``,
    );
  registerProfile(p);
  return p;
}

/** When a policy of the scenario asks for `profile: local`, registers it (else the scenario is returned as is). */
export function withLocalProfile(s: ScenarioSpec, files: string[]): ScenarioSpec {
  if (s.policies.some((p) => p.dataPlane.profile === 'local'))
    loadLocalProfile(`a MeshPolicy of ${files.join(', ')}`);
  return s;
}
