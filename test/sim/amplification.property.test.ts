/**
 * Acceptance 2 of issue #7: the retry-amplification series (tries per request that went out,
 * counted by the interval the request STARTED in) never exceeds 1 + the edge's maximum retries in
 * any interval, over random scenarios with breakers and outlier ejections. With retries by the
 * application code as well as by the mesh, the edge's maximum is (1 + app retries) × (1 + mesh
 * attempts) tries per request.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { runScenario } from '../../simulator/sim/run.ts';
import { edgeKey } from '../../simulator/telemetry/recorder.ts';
import { scenarioFromYaml } from '../helpers/load.ts';

interface Params {
  rate: number;
  errorRate: number;
  replicas: number;
  appRetries: number;
  meshAttempts: number;
  perTryTimeoutMs: number;
  breakerFailures: number;
  eject5xx: number;
  slowAtMs: number;
}

function yamlFor(p: Params): Record<string, string> {
  return {
    'topology.yaml': `apiVersion: meshdojo/v1
kind: Topology
metadata: { name: amp }
spec:
  entry: { service: front, endpoint: GET / }
  services:
    - name: front
      concurrency: 32
      queue: 64
      endpoints:
        - name: GET /
          serviceTime: { dist: exponential, mean: 2ms }
          calls:
            - { service: back, endpoint: GET /b, retries: ${p.appRetries}, timeout: 400ms, onError: fail }
    - name: back
      replicas: ${p.replicas}
      concurrency: 2
      queue: 8
      endpoints:
        - name: GET /b
          serviceTime: { dist: exponential, mean: 8ms }
          errorRate: ${p.errorRate}
---
apiVersion: meshdojo/v1
kind: LoadProfile
metadata: { name: amp }
spec:
  executor: constant-arrival-rate
  arrivals: poisson
  rate: ${p.rate}
  duration: 12s
`,
    'policy.yaml': `apiVersion: meshdojo/v1
kind: MeshPolicy
metadata: { name: amp }
spec:
  dataPlane: { profile: istio-sidecar }
  destinations:
    - service: back
      retries: { attempts: ${p.meshAttempts}, perTryTimeout: ${p.perTryTimeoutMs}ms, retryOn: [5xx, connect-failure, reset, gateway-error] }
      circuitBreaker: { consecutiveFailures: ${p.breakerFailures}, openFor: 1s, halfOpenRequests: 1 }
      outlierDetection: { consecutive5xxErrors: ${p.eject5xx}, interval: 1s, baseEjectionTime: 2s, maxEjectionPercent: 100 }
`,
    'chaos.yaml': `apiVersion: meshdojo/v1
kind: ChaosExperiment
metadata: { name: amp }
spec:
  faults:
    - { name: slow, type: latency, target: { service: back }, at: ${p.slowAtMs}ms, duration: 3s, latency: 300ms }
`,
  };
}

const params = fc.record({
  rate: fc.integer({ min: 20, max: 220 }),
  errorRate: fc.constantFrom(0, 0.05, 0.3, 0.8),
  replicas: fc.integer({ min: 1, max: 3 }),
  appRetries: fc.integer({ min: 0, max: 2 }),
  meshAttempts: fc.integer({ min: 0, max: 3 }),
  perTryTimeoutMs: fc.constantFrom(20, 60, 200),
  breakerFailures: fc.integer({ min: 1, max: 6 }),
  eject5xx: fc.integer({ min: 1, max: 5 }),
  slowAtMs: fc.integer({ min: 0, max: 8000 }),
});

describe('retry amplification by request start (property)', () => {
  it('never exceeds (1 + app retries) × (1 + mesh retries) tries per request that went out, in any interval', () => {
    let sawBreaker = false;
    let sawEjection = false;
    let sawRetries = false;
    fc.assert(
      fc.property(params, fc.integer({ min: 1, max: 1000 }), (p, seed) => {
        const r = runScenario(scenarioFromYaml(yamlFor(p), { seed }));
        const bs = r.series.edges[edgeKey('front', 'back')]?.byStart;
        expect(bs).toBeDefined();
        if (!bs) return;
        const bound = (1 + p.appRetries) * (1 + p.meshAttempts);
        for (let i = 0; i < r.series.t.length; i++) {
          expect(bs.sent[i]).toBeLessThanOrEqual(bs.started[i]);
          expect(bs.attempts[i]).toBeGreaterThanOrEqual(bs.sent[i]);
          expect(bs.attempts[i]).toBeLessThanOrEqual(bound * bs.sent[i]);
        }
        // the totals agree with the series
        const e = r.edges.find((x) => x.from === 'front' && x.to === 'back')!;
        expect(bs.attempts.reduce((a, b) => a + b, 0)).toBe(e.attempts);
        expect(bs.started.reduce((a, b) => a + b, 0)).toBe(e.requests);
        if (r.events.some((x) => x.kind === 'breaker' && x.state === 'open')) sawBreaker = true;
        if (r.events.some((x) => x.kind === 'ejection')) sawEjection = true;
        if (e.retries > 0) sawRetries = true;
      }),
      { numRuns: 40, seed: 7 },
    );
    // the property was exercised where it matters, not only on quiet runs
    expect(sawBreaker).toBe(true);
    expect(sawEjection).toBe(true);
    expect(sawRetries).toBe(true);
  }, 120_000);
});
