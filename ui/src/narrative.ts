/**
 * The slot for the "what happened" narrative (a module of simulator/telemetry built on another
 * branch). Until it exists, `narrate` returns null and the panel says so.
 */
import type { RunResult } from '../../simulator/telemetry/types.ts';

export interface NarrativeSentence {
  tMs: number;
  text: string;
}

export function narrate(result: RunResult | null): NarrativeSentence[] | null {
  void result;
  return null;
}
