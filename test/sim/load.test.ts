/** The load generator's executors, its request mix and its users pressing reload. */
import { describe, expect, it } from 'vitest';
import { runScenario } from '../../simulator/sim/run.ts';
import { scenarioFromYaml } from '../helpers/load.ts';

const topo = (errorRate = 0) => `
apiVersion: meshdojo/v1
kind: Topology
metadata: { name: shop }
spec:
  entry: { service: web, endpoint: GET / }
  services:
    - name: web
      concurrency: 10000
      endpoints:
        - { name: GET /, serviceTime: 10ms, errorRate: ${errorRate} }
        - { name: GET /search, serviceTime: 10ms, calls: [ { service: search } ] }
    - { name: search, concurrency: 10000, endpoints: [ { name: GET /, serviceTime: 5ms } ] }
    - { name: admin, concurrency: 10000, endpoints: [ { name: GET /, serviceTime: 1ms } ] }
`;
const load = (spec: string) => `
apiVersion: meshdojo/v1
kind: LoadProfile
metadata: { name: l }
spec: ${spec}
`;
const run = (spec: string, errorRate = 0, duration?: number) =>
  runScenario(
    scenarioFromYaml({ 't.yaml': topo(errorRate), 'l.yaml': load(spec) }, duration ? { duration } : {}),
  );

describe('load generator', () => {
  it('evenly spaced constant arrival rate sends exactly rate × duration', () => {
    const r = run(
      '{ executor: constant-arrival-rate, arrivals: uniform, rate: 50, duration: 20s }',
      0,
      21_000,
    );
    expect(r.summary.requests).toBe(1000);
  });

  it('ramping arrival rate follows its stages (linear ramps, as k6)', () => {
    // 0 → 100/s over 10 s (500 arrivals), then 100/s for 10 s (1000), then 100 → 0 over 10 s (500).
    const r = run(
      '{ executor: ramping-arrival-rate, arrivals: uniform, startRate: 0, stages: [ { duration: 10s, target: 100 }, { duration: 10s, target: 100 }, { duration: 10s, target: 0 } ] }',
      0,
      31_000,
    );
    expect(Math.abs(r.summary.requests - 2000)).toBeLessThanOrEqual(2);
    const perSecond = r.series.entry.requests;
    expect(perSecond[4]).toBeLessThan(perSecond[14]); // ramping up, then the plateau
    expect(perSecond[14]).toBeGreaterThanOrEqual(98);
    expect(perSecond[25]).toBeLessThan(perSecond[14]);
  });

  it('constant VUs are a closed loop: throughput = VUs / (response time + think time)', () => {
    // 10 users, 10 ms per request, 90 ms think time: 100 requests/s for 20 s.
    const r = run('{ executor: constant-vus, vus: 10, duration: 20s, thinkTime: 90ms }', 0, 20_000);
    expect(Math.abs(r.summary.requests - 2000)).toBeLessThanOrEqual(12);
  });

  it('ramping VUs add users as the stages say', () => {
    const r = run(
      '{ executor: ramping-vus, startVUs: 0, stages: [ { duration: 10s, target: 20 }, { duration: 10s, target: 20 } ], thinkTime: 90ms }',
      0,
      20_000,
    );
    const perSecond = r.series.entry.requests;
    expect(perSecond[2]).toBeLessThan(perSecond[15]);
    expect(Math.abs(perSecond[15] - 200)).toBeLessThanOrEqual(10); // 20 users × 10 per second each
  });

  it('a request mix picks one kind of request per iteration by weight', () => {
    const r = run(
      `{ executor: constant-arrival-rate, rate: 1000, duration: 60s, requests: [
          { endpoint: GET /, weight: 6 }, { endpoint: GET /search, weight: 3 }, { service: admin, endpoint: GET /, weight: 1 } ] }`,
    );
    const edge = (from: string, to: string) => r.edges.find((e) => e.from === from && e.to === to)!.requests;
    const total = r.summary.requests;
    expect(total).toBeGreaterThan(59_000);
    expect(Math.abs(edge('web', 'search') / total - 0.3)).toBeLessThan(0.01);
    expect(Math.abs(edge('client', 'admin') / total - 0.1)).toBeLessThan(0.005);
    expect(edge('client', 'web') + edge('client', 'admin')).toBeGreaterThanOrEqual(total);
  });

  it('users press reload after a failure (client retries), after the backoff', () => {
    const r = run(
      '{ executor: constant-arrival-rate, arrivals: uniform, rate: 10, duration: 10s, retries: { attempts: 2, backoff: 500ms } }',
      1,
      12_000,
    );
    expect(r.summary.requests).toBe(100);
    expect(r.summary.clientRetries).toBe(200);
    expect(r.summary.successRate).toBe(0);
    // Three tries, two waits of 500 ms: the user gives up after about 1.03 s.
    expect(r.summary.latencyMs.p50).toBeGreaterThanOrEqual(1029); // 10 + 500 + 10 + 500 + 10 ms
    expect(r.summary.latencyMs.p50).toBeLessThan(1040);
  });

  it('a request mix naming a missing endpoint is refused with its location', () => {
    expect(() =>
      run(
        '{ executor: constant-arrival-rate, rate: 1, duration: 1s, requests: [ { endpoint: GET /nope, weight: 1 } ] }',
      ),
    ).toThrow(/l\.yaml:5:\d+ spec\.requests\[0\]\.endpoint: service `web` has no endpoint `GET \/nope`/);
  });
});
