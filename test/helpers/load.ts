/** Load shipped YAML files into a ScenarioSpec, as `meshdojo run FILE…` does. */
import { scenarioFromBundle, type ScenarioOverrides } from '../../simulator/cli/scenario.ts';
import { loadFiles } from '../../simulator/model/files.ts';
import type { ScenarioSpec } from '../../simulator/model/types.ts';

export function scenarioFromFiles(files: string[], overrides: ScenarioOverrides = {}): ScenarioSpec {
  return scenarioFromBundle(loadFiles(files), { sampling: 0, ...overrides });
}
