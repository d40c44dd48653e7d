/** A stand-in for simulator/sim/run.ts in the worker-pool tests: echoes the scenario into a RunResult. */
import type { ScenarioSpec } from '../../simulator/model/types.ts';
import type { RunResult } from '../../simulator/telemetry/types.ts';
import { fakeResult } from './helpers.ts';

export function runScenario(scenario: ScenarioSpec): RunResult {
  if (scenario.name === 'boom') throw new RangeError('boom: the fake runner failed on purpose');
  // Busy a little, longer for earlier scenarios, so that completion order differs from input order.
  const until = scenario.seed;
  let x = 0;
  for (let i = 0; i < until * 200_000; i++) x += i % 7;
  const r = fakeResult({ name: scenario.name, seed: scenario.seed });
  return { ...r, engine: { events: x % 2, serviceCalls: scenario.topology.services[0].concurrency } };
}
