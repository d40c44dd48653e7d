/** Load shipped YAML files into a ScenarioSpec, as `meshdojo run FILE…` does. */
import { scenarioFromBundle, type ScenarioOverrides } from '../../simulator/cli/scenario.ts';
import { loadFiles } from '../../simulator/cli/files.ts';
import type { ScenarioSpec } from '../../simulator/model/types.ts';

export function scenarioFromFiles(files: string[], overrides: ScenarioOverrides = {}): ScenarioSpec {
  return scenarioFromBundle(loadFiles(files), { sampling: 0, ...overrides });
}

import { loadBundle } from '../../simulator/model/load.ts';

/** A scenario from YAML texts (each a file's content), as if read from disk. */
export function scenarioFromYaml(
  texts: Record<string, string>,
  overrides: ScenarioOverrides = {},
): ScenarioSpec {
  const sources = Object.entries(texts).map(([file, text]) => ({ file, text }));
  return scenarioFromBundle(loadBundle(sources), { sampling: 0, ...overrides });
}
