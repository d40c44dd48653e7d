import { describe, expect, it } from 'vitest';
import { runScenario } from '../../simulator/sim/run.ts';
import { runInWorker } from '../../simulator/cli/pool.ts';
import { endpoint, poisson, scenario, service, topology } from '../helpers/scenarios.ts';
import type { ScenarioSpec } from '../../simulator/model/types.ts';

/** A small two-tier app with randomness everywhere: arrivals, service times, errors, fan-out. */
function twoTier(seed: number): ScenarioSpec {
  const front = service(
    'front',
    [
      endpoint(
        'GET /',
        { dist: 'lognormal', median: 3, p99: 20 },
        {
          calls: [
            {
              kind: 'call',
              call: {
                service: 'back',
                endpoint: 'GET /item',
                timeout: 50,
                retries: 1,
                onError: 'fallback',
                probability: 1,
                times: 1,
              },
            },
            {
              kind: 'parallel',
              calls: [
                {
                  service: 'back',
                  endpoint: 'GET /item',
                  timeout: 80,
                  retries: 0,
                  onError: 'ignore',
                  probability: 0.5,
                  times: 1,
                },
                {
                  service: 'back',
                  endpoint: 'GET /item',
                  retries: 0,
                  onError: 'fail',
                  probability: 1,
                  times: 2,
                },
              ],
            },
          ],
        },
      ),
    ],
    { concurrency: 8 },
  );
  const back = service(
    'back',
    [endpoint('GET /item', { dist: 'exponential', mean: 4 }, { errorRate: 0.02 })],
    {
      concurrency: 4,
      queue: 20,
      versions: [
        {
          name: 'v1',
          labels: { version: 'v1' },
          replicas: 2,
          endpoints: [endpoint('GET /item', { dist: 'exponential', mean: 4 }, { errorRate: 0.02 })],
        },
      ],
    },
  );
  const topo = topology([front, back]);
  topo.nodes.push({ name: 'node-2', cores: 4 });
  return scenario(topo, poisson(150, 60_000), { seed, sampling: { traces: 0.01, accessLogs: 0.01 } });
}

describe('determinism', () => {
  it('same scenario and seed → identical hash and identical JSON; another seed → another hash', () => {
    const a = runScenario(twoTier(1));
    const b = runScenario(twoTier(1));
    const c = runScenario(twoTier(2));
    expect(a.summary.requests).toBeGreaterThan(8000);
    expect(a.traces.length).toBeGreaterThan(0);
    expect(a.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(b.hash).toBe(a.hash);
    expect(JSON.stringify(b)).toBe(JSON.stringify(a));
    expect(c.hash).not.toBe(a.hash);
  });

  it('a worker thread gives the same bytes as the main thread', async () => {
    const main = runScenario(twoTier(1));
    const inWorker = await runInWorker(twoTier(1));
    expect(inWorker.hash).toBe(main.hash);
    expect(JSON.stringify(inWorker)).toBe(JSON.stringify(main));
  }, 60_000);
});
