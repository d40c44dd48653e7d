/**
 * Which program a live sidecar runs: the pre-built bundle `dist/sidecar.mjs`
 * (scripts/build-bundle.mjs, made by `npm ci` / `npm run build`) when it is newer than every
 * TypeScript source under simulator/, run by plain `node`; otherwise the TypeScript entry through
 * tsx, as in development. The bundle matters for memory: tsx keeps a loader thread (its own V8
 * isolate) in every process, ≈ 37 MB of resident memory per sidecar measured here.
 * MESHDOJO_NO_BUNDLE=1 forces the TypeScript entry (as for bin/meshdojo.mjs).
 */
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../backend/process.ts';

export const SIDECAR_SOURCE = 'simulator/live/sidecar/main.ts';
export const SIDECAR_BUNDLE = 'dist/sidecar.mjs';

/** The sidecar entry (relative to the repository root) a unit should run now. */
export function sidecarEntry(env: NodeJS.ProcessEnv = process.env): string {
  return env.MESHDOJO_NO_BUNDLE !== '1' && bundleCurrent(SIDECAR_BUNDLE) ? SIDECAR_BUNDLE : SIDECAR_SOURCE;
}

/** Whether `bundle` exists and no `.ts` file under simulator/ is newer. */
function bundleCurrent(bundle: string): boolean {
  let built: number;
  try {
    built = statSync(join(REPO_ROOT, bundle)).mtimeMs;
  } catch {
    return false;
  }
  const src = join(REPO_ROOT, 'simulator');
  for (const f of readdirSync(src, { recursive: true }) as string[])
    if (f.endsWith('.ts') && statSync(join(src, f)).mtimeMs > built) return false;
  return true;
}
