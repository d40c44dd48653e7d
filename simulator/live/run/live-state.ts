/** What `live up` leaves in `.meshdojo/live/state.json`, and the scenario file its supervisor reads. */
import type { ScenarioSpec } from '../../model/types.ts';
import type { LiveRun } from './orchestrator.ts';

export interface LiveState {
  pid: number;
  controlPort: number;
  startedAt: string;
  scenario: string;
  state: string;
  durationMs: number;
  instances: ReturnType<LiveRun['describe']>['instances'];
  entry: { service: string; endpoint: string; addresses: string[] };
  error?: string;
}

/** JSON with Infinity kept (a ScenarioSpec may hold unbounded queues or timeouts). */
export const encodeScenario = (s: ScenarioSpec): string =>
  JSON.stringify(s, (_k, v: unknown) => (v === Infinity ? '__Infinity__' : v));
export const decodeScenario = (text: string): ScenarioSpec =>
  JSON.parse(text, (_k, v: unknown) => (v === '__Infinity__' ? Infinity : v)) as ScenarioSpec;
