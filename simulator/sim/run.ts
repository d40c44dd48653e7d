/**
 * Entry point of the simulated data plane: Scenario in, RunResult out.
 * (Being written by the lead; the signature is the contract for the CLI, workers and the UI.)
 */
import type { ScenarioSpec } from '../model/types.ts';
import type { RunResult } from '../telemetry/types.ts';

export interface RunOptions {
  /** Called about every `progressEveryMs` of simulated time (default: 1/100 of the run). */
  onProgress?: (simulatedMs: number, totalMs: number) => void;
  progressEveryMs?: number;
}

export function runScenario(scenario: ScenarioSpec, options: RunOptions = {}): RunResult {
  void scenario;
  void options;
  throw new Error('runScenario: the simulator is not wired yet');
}
