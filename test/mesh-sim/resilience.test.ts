import { describe, expect, it } from 'vitest';
import { runScenario } from '../../simulator/sim/run.ts';
import type { RunResult } from '../../simulator/telemetry/types.ts';
import { loadFiles } from '../../simulator/cli/files.ts';
import { scenarioFromFiles, scenarioFromYaml } from '../helpers/load.ts';

const frontBack = (replicas: number, rate: number, duration: string, backVersions = '') => `
apiVersion: meshdojo/v1
kind: Topology
metadata: { name: front-back }
spec:
  entry: { service: front, endpoint: GET / }
  services:
    - name: front
      concurrency: 4000
      endpoints: [ { name: GET /, serviceTime: 1ms, calls: [ { service: back, timeout: 5s } ] } ]
    - name: back
      replicas: ${replicas}
      concurrency: 64
      endpoints: [ { name: GET /, serviceTime: { dist: exponential, mean: 2ms } } ]
${backVersions}
---
apiVersion: meshdojo/v1
kind: LoadProfile
metadata: { name: load }
spec: { executor: constant-arrival-rate, arrivals: poisson, rate: ${rate}, duration: ${duration} }
`;

function entryP50(r: RunResult, fromMs: number, toMs: number): number[] {
  const out: number[] = [];
  r.series.t.forEach((t, i) => {
    if (t > fromMs && t <= toMs) out.push(r.series.entry.p50[i]);
  });
  return out;
}

describe('circuit breaker', () => {
  const outage = `
apiVersion: meshdojo/v1
kind: ChaosExperiment
metadata: { name: back-hangs }
spec:
  faults: [ { name: back-outage, type: pause, target: { service: back }, at: 20s, duration: 30s } ]
`;
  const policy = (breaker: boolean) => `
apiVersion: meshdojo/v1
kind: MeshPolicy
metadata: { name: back-policy }
spec:
  dataPlane: { profile: istio-sidecar }
  destinations:
    - service: back
      timeout: 1s
${breaker ? '      circuitBreaker: { consecutiveFailures: 5, openFor: 5s, halfOpenRequests: 1 }' : ''}
`;

  it('turns a 30 s outage from 1 s timeouts into fast failures, and shows open → half-open → closed with times', () => {
    const files = (b: boolean) => ({
      'app.yaml': frontBack(1, 50, '80s'),
      'chaos.yaml': outage,
      'policy.yaml': policy(b),
    });
    const without = runScenario(scenarioFromYaml(files(false)));
    const withBreaker = runScenario(scenarioFromYaml(files(true)));
    // During the outage (after the first seconds), callers wait out the 1 s timeout without a breaker…
    for (const p50 of entryP50(without, 25_000, 50_000)) expect(p50).toBeGreaterThanOrEqual(1000);
    // …and fail fast with it (a few half-open probes still wait 1 s).
    for (const p50 of entryP50(withBreaker, 25_000, 50_000)) expect(p50).toBeLessThan(10);
    const fb = withBreaker.edges.find((e) => e.from === 'front' && e.to === 'back')!;
    expect(fb.failures['breaker-open']).toBeGreaterThan(1000);
    // The statechart's story, with times and reasons.
    const ev = withBreaker.events.filter((e) => e.kind === 'breaker');
    const states = ev.map((e) => e.state);
    expect(states[0]).toBe('open');
    expect(ev[0].t).toBeGreaterThanOrEqual(21_000); // 5 consecutive 1 s timeouts after 20 s
    expect(ev[0].t).toBeLessThan(22_500);
    expect(ev[0].reason).toMatch(/5 consecutive failures/);
    expect(ev[1].state).toBe('half-open');
    expect(ev[1].t).toBeCloseTo(ev[0].t + 5000, 6);
    expect(states).toContain('closed');
    const closed = ev.find((e) => e.state === 'closed')!;
    expect(closed.t).toBeGreaterThanOrEqual(50_000);
    expect(closed.t).toBeLessThan(57_000);
    // After recovery, the service is healthy again.
    for (const p50 of entryP50(withBreaker, 60_000, 80_000)) expect(p50).toBeLessThan(20);
  });
});

describe('outlier detection', () => {
  it('ejects exactly the one bad instance of three and re-admits it after base × n', () => {
    const chaos = `
apiVersion: meshdojo/v1
kind: ChaosExperiment
metadata: { name: one-bad-instance }
spec:
  faults: [ { name: bad, type: abort, target: { service: back, count: 1 }, at: 0s, percent: 100, status: 503 } ]
`;
    const policy = `
apiVersion: meshdojo/v1
kind: MeshPolicy
metadata: { name: od }
spec:
  dataPlane: { profile: istio-sidecar }
  destinations:
    - service: back
      loadBalancer: round-robin
      outlierDetection: { consecutive5xxErrors: 5, interval: 10s, baseEjectionTime: 30s, maxEjectionPercent: 50 }
`;
    const r = runScenario(
      scenarioFromYaml({ 'app.yaml': frontBack(3, 100, '150s'), 'chaos.yaml': chaos, 'policy.yaml': policy }),
    );
    const ej = r.events.filter((e) => e.kind === 'ejection');
    const un = r.events.filter((e) => e.kind === 'unejection');
    expect(ej.length).toBeGreaterThanOrEqual(2);
    for (const e of [...ej, ...un]) {
      expect(e.reason).toContain('back-v1-0');
      expect(e.reason).not.toMatch(/back-v1-[12]/);
    }
    // First ejection within a fraction of a second (every third request hits it), re-admitted at
    // the first 10 s sweep at least 30 s later; the second ejection lasts 2 × 30 s.
    expect(ej[0].t).toBeLessThan(1000);
    expect(un[0].t).toBe(40_000);
    expect(ej[1].t).toBeGreaterThan(40_000);
    expect(ej[1].t).toBeLessThan(41_000);
    expect(un[1].t).toBe(110_000);
    expect(r.services.back.versions?.v1).toBeGreaterThan(0);
  });
});

describe('traffic split and header routes', () => {
  const versions = `      versions: [ { name: v1 }, { name: v2 } ]`;
  const split = `
apiVersion: meshdojo/v1
kind: MeshPolicy
metadata: { name: canary-1 }
spec:
  dataPlane: { profile: istio-sidecar }
  destinations:
    - service: back
      routes:
        - match: { headers: { end-user: { exact: jason } } }
          split: { v2: 100 }
        - split: { v1: 99, v2: 1 }
`;
  it('a 1%/99% split measured over 10^6 requests is within 0.1 percentage point', () => {
    const app = frontBack(1, 5000, '200s', versions).replace('concurrency: 64', 'concurrency: 512');
    const r = runScenario(scenarioFromYaml({ 'app.yaml': app, 'policy.yaml': split }));
    const v = r.services.back.versions!;
    const total = v.v1 + v.v2;
    expect(total).toBeGreaterThanOrEqual(990_000);
    expect(Math.abs((100 * v.v2) / total - 1)).toBeLessThan(0.1);
  });

  it('header matches always win over the split', () => {
    const app = frontBack(1, 200, '30s', versions).replace(
      'rate: 200, duration: 30s }',
      'rate: 200, duration: 30s, headers: [ { name: end-user, value: jason, percent: 100 } ] }',
    );
    const r = runScenario(scenarioFromYaml({ 'app.yaml': app, 'policy.yaml': split }));
    expect(r.services.back.versions).toEqual({ v1: 0, v2: r.services.back.requests });
    expect(r.services.back.requests).toBeGreaterThan(5000);
  });
});

describe('mTLS and authorization', () => {
  const app = `
apiVersion: meshdojo/v1
kind: Topology
metadata: { name: secured }
spec:
  entry: { service: web, endpoint: GET / }
  services:
    - name: web
      endpoints: [ { name: GET /, serviceTime: 1ms, calls: [ { service: legacy, onError: ignore }, { service: api, onError: ignore } ] } ]
    - name: legacy
      inMesh: false
      endpoints: [ { name: GET /, serviceTime: 1ms, calls: [ { service: api } ] } ]
    - name: batch
      endpoints: [ { name: GET /, serviceTime: 1ms, calls: [ { service: api } ] } ]
    - name: api
      endpoints: [ { name: GET /, serviceTime: 1ms } ]
---
apiVersion: meshdojo/v1
kind: LoadProfile
metadata: { name: load }
spec: { executor: constant-arrival-rate, arrivals: uniform, rate: 20, duration: 10s }
`;
  const policy = (mtls: string, authz = '') => `
apiVersion: meshdojo/v1
kind: MeshPolicy
metadata: { name: sec }
spec:
  dataPlane: { profile: istio-sidecar }
  security:
    mtls: ${mtls}
    authorization: [${authz}]
`;
  const edge = (r: RunResult, from: string, to: string) =>
    r.edges.find((e) => e.from === from && e.to === to)!;

  it('strict mTLS rejects a plain-text caller (a service outside the mesh); permissive accepts it', () => {
    const strict = runScenario(scenarioFromYaml({ 'app.yaml': app, 'p.yaml': policy('strict') }));
    expect(edge(strict, 'legacy', 'api').failed).toBe(edge(strict, 'legacy', 'api').requests);
    expect(edge(strict, 'legacy', 'api').failures.mtls).toBe(edge(strict, 'legacy', 'api').requests);
    expect(edge(strict, 'web', 'api').failed).toBe(0);
    const permissive = runScenario(scenarioFromYaml({ 'app.yaml': app, 'p.yaml': policy('permissive') }));
    expect(edge(permissive, 'legacy', 'api').failed).toBe(0);
  });

  it('an authorization rule denies every caller but the allowed one (403, cause RBAC)', () => {
    const app2 = app.replace('{ service: legacy, onError: ignore }', '{ service: batch, onError: ignore }');
    const r = runScenario(
      scenarioFromYaml({
        'app.yaml': app2,
        'p.yaml': policy('strict', '{ to: api, allow: [ { from: web } ] }'),
      }),
    );
    expect(edge(r, 'web', 'api').failed).toBe(0);
    expect(edge(r, 'web', 'api').requests).toBeGreaterThan(150);
    expect(edge(r, 'batch', 'api').failures.denied).toBe(edge(r, 'batch', 'api').requests);
    expect(r.services.api.failures.denied).toBe(edge(r, 'batch', 'api').requests);
  });
});

describe('explanations', () => {
  it('answers “why didn’t my breaker trip?”: the peak consecutive failures stayed below the threshold', () => {
    const flaky = frontBack(1, 100, '60s').replace(
      'serviceTime: { dist: exponential, mean: 2ms } }',
      'serviceTime: { dist: exponential, mean: 2ms }, errorRate: 0.3 }',
    );
    const policy = `
apiVersion: meshdojo/v1
kind: MeshPolicy
metadata: { name: b }
spec:
  dataPlane: { profile: istio-sidecar }
  destinations:
    - service: back
      circuitBreaker: { consecutiveFailures: 20, openFor: 5s, halfOpenRequests: 1 }
`;
    const r = runScenario(scenarioFromYaml({ 'app.yaml': flaky, 'p.yaml': policy }));
    const [b] = r.mesh.breakers;
    expect(b.subject).toBe('front-v1-0 → back');
    expect(b.opens).toBe(0);
    expect(b.consecutiveFailuresToTrip).toBe(20);
    // 0.3^k: runs of 8–12 failures happen in ~6000 calls, 20 essentially never.
    expect(b.peakConsecutiveFailures).toBeGreaterThanOrEqual(6);
    expect(b.peakConsecutiveFailures).toBeLessThan(20);
    expect(r.events.filter((e) => e.kind === 'breaker')).toHaveLength(0);
    // And every failed request says why.
    const fb = r.edges.find((e) => e.from === 'front' && e.to === 'back')!;
    expect(fb.failures['error-5xx']).toBe(fb.failed);
  });
});

describe('breaker and outlier detection together', () => {
  it('a half-open probe that finds no healthy upstream (the host is ejected) re-opens the breaker; it closes once the host is back', () => {
    const files = ['topologies/bookinfo.yaml', 'chaos/bookinfo-ratings-slow.yaml'];
    const r = runScenario(
      scenarioFromFiles(files, {
        policies: loadFiles([...files, 'topologies/policies/bookinfo-resilient.yaml']).policies,
      }),
    );
    const ev = r.events.filter((e) => e.subject === 'reviews-v3-0 → ratings');
    const reopenedUH = ev.filter((e) => e.state === 'open' && /no-healthy-upstream/.test(e.reason));
    expect(reopenedUH.length).toBeGreaterThanOrEqual(3);
    const unejected = ev.find((e) => e.kind === 'unejection')!;
    const closed = ev.find((e) => e.kind === 'breaker' && e.state === 'closed')!;
    expect(closed.t).toBeGreaterThan(unejected.t);
    expect(closed.t - unejected.t).toBeLessThanOrEqual(5000); // the next half-open probe succeeds
    expect(r.mesh.breakers.find((b) => b.subject === 'reviews-v3-0 → ratings')!.state).toBe('closed');
    // The page stays fast: fallbacks instead of waiting for the slow ratings.
    expect(r.summary.latencyMs.p99).toBeLessThan(200);
  });
});

describe('the ingress identity', () => {
  it('strict mTLS admits the load generator (it comes through the ingress gateway); an allow rule on the entry must name the gateway', () => {
    const app = `
apiVersion: meshdojo/v1
kind: Topology
metadata: { name: one }
spec:
  entry: { service: api, endpoint: GET / }
  services: [ { name: api, endpoints: [ { name: GET /, serviceTime: 1ms } ] } ]
---
apiVersion: meshdojo/v1
kind: LoadProfile
metadata: { name: l }
spec: { executor: constant-arrival-rate, rate: 50, duration: 5s }
`;
    const policy = (rules: string) => `
apiVersion: meshdojo/v1
kind: MeshPolicy
metadata: { name: p }
spec:
  dataPlane: { profile: istio-sidecar }
  security: { mtls: strict, authorization: [${rules}] }
`;
    const open = runScenario(scenarioFromYaml({ 'a.yaml': app, 'p.yaml': policy('') }));
    expect(open.summary.successRate).toBe(1);
    const onlyGateway = runScenario(
      scenarioFromYaml({
        'a.yaml': app,
        'p.yaml': policy(
          '{ to: api, allow: [ { from: cluster.local/ns/istio-system/sa/istio-ingressgateway } ] }',
        ),
      }),
    );
    expect(onlyGateway.summary.successRate).toBe(1);
    const someoneElse = runScenario(
      scenarioFromYaml({
        'a.yaml': app,
        'p.yaml': policy('{ to: api, allow: [ { from: cluster.local/ns/default/sa/batch } ] }'),
      }),
    );
    expect(someoneElse.summary.successRate).toBe(0);
    expect(someoneElse.summary.failures.denied).toBe(someoneElse.summary.requests);
  });
});
