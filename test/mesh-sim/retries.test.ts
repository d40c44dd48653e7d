import { describe, expect, it } from 'vitest';
import { runScenario } from '../../simulator/sim/run.ts';
import { scenarioFromYaml } from '../helpers/load.ts';

/** a → b → c → d, where d always answers 500; each hop's caller code fails on error. */
const chain = (rate: number, duration: string) => `
apiVersion: meshdojo/v1
kind: Topology
metadata: { name: chain }
spec:
  entry: { service: a, endpoint: GET / }
  services:
    - { name: a, concurrency: 5000, endpoints: [ { name: GET /, serviceTime: 1ms, calls: [ { service: b } ] } ] }
    - { name: b, concurrency: 5000, endpoints: [ { name: GET /, serviceTime: 1ms, calls: [ { service: c } ] } ] }
    - { name: c, concurrency: 5000, endpoints: [ { name: GET /, serviceTime: 1ms, calls: [ { service: d } ] } ] }
    - { name: d, concurrency: 5000, endpoints: [ { name: GET /, serviceTime: 1ms, errorRate: 1 } ] }
---
apiVersion: meshdojo/v1
kind: LoadProfile
metadata: { name: load }
spec: { executor: constant-arrival-rate, arrivals: uniform, rate: ${rate}, duration: ${duration} }
`;

const retryAll = (budget = '') => `
apiVersion: meshdojo/v1
kind: MeshPolicy
metadata: { name: retry-everything }
spec:
  dataPlane: { mode: sidecar }
  destinations:
${['b', 'c', 'd']
  .map(
    (s) => `    - service: ${s}
      retries: { attempts: 2, retryOn: [5xx] }
${budget ? `      retryBudget: ${budget}\n` : ''}`,
  )
  .join('')}`;

describe('retry amplification', () => {
  it('three hops each retrying 2 times give exactly 3^3 = 27 attempts at d per entry request', () => {
    // The run lasts 2 s longer than the load so that every request has its final answer.
    const r = runScenario(
      scenarioFromYaml({ 'chain.yaml': chain(10, '10s'), 'policy.yaml': retryAll() }, { duration: 12_000 }),
    );
    const entry = r.summary.requests;
    expect(entry).toBe(100);
    const edge = (from: string, to: string) => r.edges.find((e) => e.from === from && e.to === to)!;
    expect(edge('a', 'b').attempts).toBe(3 * entry);
    expect(edge('b', 'c').attempts).toBe(9 * entry);
    expect(edge('c', 'd').attempts).toBe(27 * entry);
    expect(edge('c', 'd').retries).toBe(18 * entry);
    expect(r.services.d.requests).toBe(27 * entry);
    expect(r.summary.successRate).toBe(0);
  });

  it('a Linkerd-style retry budget (20% of requests + 1/s) caps the storm', () => {
    const budget = '{ ratio: 0.2, minRetriesPerSecond: 1, ttl: 10s }';
    const r = runScenario(
      scenarioFromYaml({ 'chain.yaml': chain(50, '30s'), 'policy.yaml': retryAll(budget) }),
    );
    const entry = r.summary.requests;
    const atD = r.services.d.requests / entry;
    // Each hop may add at most ~20% retries: (1.2 + small)^3 ≈ 1.8 attempts at d, far below 27.
    expect(atD).toBeGreaterThan(1);
    expect(atD).toBeLessThan(2.5);
    const cd = r.edges.find((e) => e.from === 'c' && e.to === 'd')!;
    expect(cd.attemptFailures['error-5xx']).toBeGreaterThan(0);
    expect(
      r.edges.find((e) => e.from === 'a' && e.to === 'b')!.failures['retry-budget-exhausted'],
    ).toBeGreaterThan(0);
  });

  it('an Envoy retry budget (20% of active requests, min 3 concurrent) caps concurrent retries under load', () => {
    const budget = '{ percent: 20, minRetryConcurrency: 3 }';
    const free = runScenario(
      scenarioFromYaml({ 'chain.yaml': chain(50, '10s'), 'policy.yaml': retryAll() }, { duration: 12_000 }),
    );
    const capped = runScenario(
      scenarioFromYaml(
        { 'chain.yaml': chain(50, '10s'), 'policy.yaml': retryAll(budget) },
        { duration: 12_000 },
      ),
    );
    console.log(
      'attempts at d per entry request: no budget',
      free.services.d.requests / free.summary.requests,
      'envoy budget',
      capped.services.d.requests / capped.summary.requests,
    );
    expect(free.services.d.requests / free.summary.requests).toBeCloseTo(27, 5);
    expect(capped.services.d.requests / capped.summary.requests).toBeLessThan(20);
  });
});
