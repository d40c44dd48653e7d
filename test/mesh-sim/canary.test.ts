import { describe, expect, it } from 'vitest';
import { runScenario } from '../../simulator/sim/run.ts';
import { scenarioFromYaml } from '../helpers/load.ts';

const app = (canaryErrorRate: number) => `
apiVersion: meshdojo/v1
kind: Topology
metadata: { name: canary-app }
spec:
  entry: { service: front, endpoint: GET / }
  services:
    - name: front
      concurrency: 256
      endpoints: [ { name: GET /, serviceTime: 1ms, calls: [ { service: back, timeout: 2s } ] } ]
    - name: back
      concurrency: 64
      endpoints: [ { name: GET /, serviceTime: { dist: exponential, mean: 3ms } } ]
      versions:
        - { name: v1 }
        - name: v2
          endpoints: [ { name: GET /, serviceTime: { dist: exponential, mean: 3ms }, errorRate: ${canaryErrorRate} } ]
---
apiVersion: meshdojo/v1
kind: LoadProfile
metadata: { name: load }
spec: { executor: constant-arrival-rate, arrivals: poisson, rate: 200, duration: 120s }
`;
const policy = `
apiVersion: meshdojo/v1
kind: MeshPolicy
metadata: { name: progressive }
spec:
  dataPlane: { profile: istio-sidecar }
  canaries:
    - { service: back, stable: v1, canary: v2, stepWeight: 20, maxWeight: 60, interval: 10s, threshold: 2, analysis: { minSuccessRate: 0.99 } }
`;

describe('progressive delivery (canary statechart driving the router)', () => {
  it('a healthy canary is stepped up and promoted; at the end it takes all traffic', () => {
    const r = runScenario(scenarioFromYaml({ 'app.yaml': app(0), 'p.yaml': policy }));
    const ev = r.events.filter((e) => e.kind === 'canary');
    expect(ev.map((e) => e.state)).toContain('promoted');
    const promoted = ev.find((e) => e.state === 'promoted')!;
    expect(promoted.t).toBeLessThan(60_000);
    // After promotion, v1 gets nothing: compare two runs' worth of counts via the last interval's share.
    const v = r.services.back.versions!;
    expect(v.v2).toBeGreaterThan(v.v1);
    expect(r.summary.successRate).toBe(1);
  });

  it('a failing canary is rolled back after `threshold` failed analyses; the stable version takes all traffic again', () => {
    const r = runScenario(scenarioFromYaml({ 'app.yaml': app(0.2), 'p.yaml': policy }));
    const ev = r.events.filter((e) => e.kind === 'canary');
    const rolled = ev.find((e) => e.state === 'rolled-back');
    expect(rolled).toBeDefined();
    expect(rolled!.t).toBeLessThanOrEqual(30_000);
    expect(rolled!.reason).toMatch(/success/i);
    const v = r.services.back.versions!;
    // 20% of 200/s for at most ~20 s at weight 20% → about 800 requests; nothing after the rollback.
    expect(v.v2).toBeGreaterThan(300);
    expect(v.v2).toBeLessThan(1500);
    expect(v.v1 + v.v2).toBeGreaterThan(23_000);
  });
});
