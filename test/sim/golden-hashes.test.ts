/**
 * Golden hashes: the RunResult hash of a handful of scenarios, stored in a fixture. A change that
 * claims to leave the simulation untouched (a faster timer lane, cheaper recording) is proven so
 * by this test; a change that alters results on purpose regenerates the fixture in a commit of its
 * own that says which hashes moved and why:
 *
 *   MESHDOJO_UPDATE_GOLDEN=1 npx vitest run test/sim/golden-hashes.test.ts
 *
 * Each case stores three figures: `hash` (the RunResult hash, as `meshdojo run` prints it),
 * `outcome` (the same hash with `engine.events` zeroed) and `events`. The engine's event count is
 * a cost, not a result: a change that skips no-op events (a cancelled timer's empty firing) moves
 * `hash` and `events` while `outcome` — every figure the simulation reports — stays, which this
 * test asserts on its own line.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadFiles } from '../../simulator/cli/files.ts';
import { scenarioFromBundle } from '../../simulator/cli/scenario.ts';
import { applyVariant, expandGrid, parseVary } from '../../simulator/cli/sweep.ts';
import type { ScenarioSpec } from '../../simulator/model/types.ts';
import { runScenario } from '../../simulator/sim/run.ts';
import { resultHash } from '../../simulator/telemetry/hash.ts';

const FIXTURE = new URL('./fixtures/golden-hashes.json', import.meta.url);
const update = process.env.MESHDOJO_UPDATE_GOLDEN === '1';

const fromFiles = (files: string[], duration?: number): ScenarioSpec =>
  scenarioFromBundle(loadFiles(files), duration === undefined ? {} : { duration, stretchLoad: true });

/** Each scenario by name; short durations keep the whole test a few seconds long. */
const CASES: Record<string, () => ScenarioSpec> = {
  'bookinfo default': () => fromFiles(['topologies/bookinfo.yaml']),
  'bookinfo sidecars + resilient': () =>
    fromFiles(
      [
        'topologies/bookinfo.yaml',
        'topologies/policies/bookinfo-sidecars.yaml',
        'topologies/policies/bookinfo-resilient.yaml',
      ],
      30_000,
    ),
  'bookinfo chaos: reviews killed': () =>
    fromFiles(['topologies/bookinfo.yaml', 'chaos/bookinfo-reviews-kill.yaml']),
  'bookinfo sweep variant: ratings retries 2, timeout 250ms': () => {
    const base = fromFiles([
      'topologies/bookinfo.yaml',
      'chaos/bookinfo-ratings-slow.yaml',
      'topologies/policies/bookinfo-ratings-retries.yaml',
    ]);
    const [variant] = expandGrid([
      parseVary('ratings.retries.attempts=2'),
      parseVary('ratings.timeout=250ms'),
    ]);
    return applyVariant(base, variant);
  },
  'mm1 (30 simulated min)': () => fromFiles(['topologies/mm1.yaml'], 1_800_000),
  'mmc (30 simulated min)': () => fromFiles(['topologies/mmc.yaml'], 1_800_000),
};

interface Golden {
  hash: string;
  outcome: string;
  events: number;
}

describe('golden hashes', () => {
  const stored = JSON.parse(readFileSync(FIXTURE, 'utf8')) as Record<string, Golden>;
  const now: Record<string, Golden> = {};
  if (!update)
    console.log('golden hashes: comparing with the fixture (MESHDOJO_UPDATE_GOLDEN=1 rewrites it instead)');
  for (const [name, make] of Object.entries(CASES)) {
    it(name, () => {
      const r = runScenario(make());
      expect(r.summary.requests).toBeGreaterThan(0);
      const outcome = resultHash({ ...r, engine: { ...r.engine, events: 0 } });
      now[name] = { hash: r.hash, outcome, events: r.engine.events };
      if (update) return;
      const g = stored[name];
      expect(g?.outcome, `no golden hash stored for "${name}"`).toMatch(/^[0-9a-f]{64}$/);
      expect(outcome, 'what the simulation reports').toBe(g.outcome);
      expect(r.engine.events, 'engine events').toBe(g.events);
      expect(r.hash).toBe(g.hash);
    });
  }
  it.runIf(update)('writes the fixture (MESHDOJO_UPDATE_GOLDEN=1)', () => {
    expect(Object.keys(now)).toHaveLength(Object.keys(CASES).length);
    writeFileSync(FIXTURE, `${JSON.stringify(now, null, 2)}\n`);
    console.log(`golden hashes: wrote ${FIXTURE.pathname}`);
  });
});
