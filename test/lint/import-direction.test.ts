/**
 * `npm run lint` enforces the import direction between folders (docs/architecture.md): a
 * forbidden import fails, an allowed one passes. Runs ESLint's API on code given as text, with the
 * path of a file it would live in (no file is written).
 */
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

// Type-aware rules need a program; the direction rules do not: lint with the type-aware ones off.
const eslint = new ESLint({
  cwd: process.cwd(),
  overrideConfig: {
    languageOptions: { parserOptions: { projectService: false, project: null } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'off',
      '@typescript-eslint/no-misused-promises': 'off',
    },
  },
});

async function importErrors(file: string, code: string): Promise<string[]> {
  const [res] = await eslint.lintText(`${code}\nexport const probe = 1;\n`, { filePath: file });
  return res.messages
    .filter((m) => m.ruleId === '@typescript-eslint/no-restricted-imports' || m.fatal)
    .map((m) => m.message);
}

describe('import direction (ESLint)', () => {
  it.each([
    [
      'simulator/mesh/probe.ts',
      "import { C_NONE } from '../sim/causes.ts'; void C_NONE;",
      /mesh may import only model, engine/,
    ],
    [
      'simulator/mesh/probe.ts',
      "import type { RunResult } from '../telemetry/types.ts'; export type R = RunResult;",
      /mesh may import only/,
    ],
    ['simulator/mesh/probe.ts', "import { main } from '../cli/main.ts'; void main;", /mesh may import only/],
    [
      'simulator/engine/probe.ts',
      "import type { Topology } from '../model/types.ts'; export type T = Topology;",
      /engine may import only nothing of ours/,
    ],
    [
      'simulator/model/probe.ts',
      "import { VirtualClock } from '../engine/clock.ts'; void VirtualClock;",
      /only types from simulator\/engine/,
    ],
    [
      'simulator/telemetry/probe.ts',
      "import { Cluster } from '../mesh/cluster.ts'; void Cluster;",
      /telemetry may import only model/,
    ],
    [
      'simulator/sim/probe.ts',
      "import { readFileSync } from 'node:fs'; void readFileSync;",
      /no node: imports/,
    ],
    ['simulator/sim/probe.ts', "import { main } from '../cli/main.ts'; void main;", /sim may import only/],
  ])('%s: %s fails', async (file, code, message) => {
    const errors = await importErrors(file, code);
    expect(errors.length).toBeGreaterThan(0);
    expect(errors.join('\n')).toMatch(message);
  });

  it.each([
    [
      'simulator/mesh/probe.ts',
      "import type { Clock } from '../engine/types.ts'; import { CAUSE_NONE } from '../model/causes.ts'; export type C = Clock; void CAUSE_NONE;",
    ],
    ['simulator/model/probe.ts', "import type { Clock } from '../engine/types.ts'; export type C = Clock;"],
    ['simulator/sim/probe.ts', "import { Cluster } from '../mesh/cluster.ts'; void Cluster;"],
    [
      'simulator/live/probe.ts',
      "import { Exchange } from '../mesh/exchange.ts'; import { readFileSync } from 'node:fs'; void Exchange; void readFileSync;",
    ],
  ])('%s: an allowed import passes', async (file, code) => {
    expect(await importErrors(file, code)).toEqual([]);
  });
});

describe('type-aware rules', () => {
  it('no-floating-promises and no-misused-promises are on, with type information, for TypeScript files', async () => {
    const plain = new ESLint({ cwd: process.cwd() });
    for (const file of [
      'simulator/live/wall-clock.ts',
      'simulator/cli/main.ts',
      'simulator/mesh/exchange.ts',
    ]) {
      const config = (await plain.calculateConfigForFile(file)) as {
        rules: Record<string, unknown[]>;
        languageOptions: { parserOptions: { projectService?: boolean } };
      };
      expect(config.rules['@typescript-eslint/no-floating-promises'][0]).toBe(2);
      expect(config.rules['@typescript-eslint/no-misused-promises'][0]).toBe(2);
      expect(config.languageOptions.parserOptions.projectService).toBe(true);
    }
  });
});
