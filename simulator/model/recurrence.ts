/**
 * A recurring fault (`every`) as the single occurrences a runner schedules: one at `at`, then every
 * `every` while the run lasts. Pure, so the simulator and the live runner repeat a fault the same way.
 */
import type { FaultSpec, Ms } from './types.ts';

/** Bounds a run of tiny `every` over a long run: past it the fault simply stops recurring. */
export const MAX_OCCURRENCES = 10_000;

export function faultOccurrences(f: FaultSpec, endMs: Ms): FaultSpec[] {
  if (f.every === undefined) return [f];
  const { every, ...once } = f;
  const out: FaultSpec[] = [];
  for (let k = 0, at = f.at; at < endMs && k < MAX_OCCURRENCES; k++, at = f.at + k * every)
    out.push({ ...once, at } as FaultSpec);
  return out;
}
