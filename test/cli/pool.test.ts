import { describe, expect, it } from 'vitest';
import { runInWorker, runMany } from '../../simulator/cli/pool.ts';
import { tinyScenario } from './helpers.ts';

const FAKE = new URL('./fake-runner.ts', import.meta.url);

describe('worker pool (fake runner)', () => {
  it('runs one scenario on a worker thread (structured clone in and out)', async () => {
    const s = { ...tinyScenario(), name: 'one', seed: 1 };
    const r = await runInWorker(s, { runner: FAKE });
    expect(r.scenario).toBe('one');
    expect(r.engine.serviceCalls).toBe(1);
  });

  it('returns results in input order whatever the completion order', async () => {
    const scenarios = [5, 1, 4, 2, 3, 1].map((seed, i) => ({ ...tinyScenario(), name: `s${i}`, seed }));
    const done: number[] = [];
    const results = await runMany(scenarios, { workers: 3, runner: FAKE, onResult: (i) => done.push(i) });
    expect(results.map((r) => r.scenario)).toEqual(['s0', 's1', 's2', 's3', 's4', 's5']);
    expect(results.map((r) => r.seed)).toEqual([5, 1, 4, 2, 3, 1]);
    expect([...done].sort()).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it('rejects with the worker error (name, message and stack) when a run throws', async () => {
    const scenarios = [
      { ...tinyScenario(), name: 'ok' },
      { ...tinyScenario(), name: 'boom' },
    ];
    const err = await runMany(scenarios, { workers: 2, runner: FAKE }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).name).toBe('RangeError');
    expect((err as Error).message).toMatch(/scenario #1: boom/);
    expect((err as Error).stack).toMatch(/fake-runner\.ts/);
  });

  it('returns [] for no scenarios', async () => {
    expect(await runMany([], { runner: FAKE })).toEqual([]);
  });
});

describe('worker pool (simulator)', () => {
  it('gives the same RunResult hash on a worker as on the main thread', async () => {
    const { runScenario } = await import('../../simulator/sim/run.ts');
    const s = tinyScenario({ durationMs: 5000 });
    const local = runScenario(s);
    const [a, b] = await runMany([s, s], { workers: 2 });
    expect(a.hash).toBe(local.hash);
    expect(b.hash).toBe(local.hash);
  });
});
