/**
 * The "what happened" narrative of a finished run: the same sentences the CLI's text and HTML
 * reports print (simulator/telemetry/narrative.ts), each with the chart moment it comes from.
 * A run still playing (or a live stream) has no RunResult yet: null, and the panel says so.
 */
import { narrate as narrateRun, type Sentence } from '../../simulator/telemetry/narrative.ts';
import type { RunResult } from '../../simulator/telemetry/types.ts';

export type NarrativeSentence = Sentence;

export function narrate(result: RunResult | null): NarrativeSentence[] | null {
  return result ? narrateRun(result) : null;
}

/** What a click on a sentence selects for the charts: its service or edge, or the entry (null). */
export function chartSelection(s: NarrativeSentence): string | null {
  return s.chart.scope === 'entry' ? null : s.chart.name;
}
