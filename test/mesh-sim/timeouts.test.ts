/** Envoy's timeout semantics: the route timeout covers every try and back-off; per-try timeouts are retried only with 5xx/gateway-error/reset. */
import { describe, expect, it } from 'vitest';
import { runScenario } from '../../simulator/sim/run.ts';
import type { RunResult } from '../../simulator/telemetry/types.ts';
import { scenarioFromYaml } from '../helpers/load.ts';

const app = `
apiVersion: meshdojo/v1
kind: Topology
metadata: { name: hang }
spec:
  entry: { service: front, endpoint: GET / }
  services:
    - { name: front, concurrency: 1000, endpoints: [ { name: GET /, serviceTime: 0, calls: [ { service: back } ] } ] }
    - { name: back, replicas: 2, concurrency: 1000, endpoints: [ { name: GET /, serviceTime: 1s } ] }
---
apiVersion: meshdojo/v1
kind: LoadProfile
metadata: { name: l }
spec: { executor: constant-arrival-rate, arrivals: uniform, rate: 10, duration: 10s }
`;
const policy = (dest: string) => `
apiVersion: meshdojo/v1
kind: MeshPolicy
metadata: { name: p }
spec:
  dataPlane: { profile: istio-sidecar }
  destinations:
    - service: back
${dest}`;
const run = (dest: string): RunResult =>
  runScenario(scenarioFromYaml({ 'a.yaml': app, 'p.yaml': policy(dest) }, { duration: 12_000 }));
const fb = (r: RunResult) => r.edges.find((e) => e.from === 'front' && e.to === 'back')!;

describe('timeouts and retries, as Envoy does them', () => {
  it('per-try timeouts are retried with retryOn 5xx; the route timeout cuts the last try (504 UT at exactly 250 ms)', () => {
    const r = run(
      '      timeout: 250ms\n      retries: { attempts: 2, perTryTimeout: 100ms, retryOn: [5xx] }\n',
    );
    expect(r.summary.requests).toBe(100);
    // Tries at 0, 100 + b1 and 200 + b1 + b2 ms (Envoy's draw: b1 uniform over 0–24 ms, b2 over
    // 0–49 ms): a third try starts only when b1 + b2 < 50, i.e. with probability
    // Σ_b1 (50 − b1)/50 / 25 = 0.76; the route timeout ends every request at 250 ms.
    expect(fb(r).attemptFailures['per-try-timeout']).toBe(200);
    expect(fb(r).attempts).toBeGreaterThan(262);
    expect(fb(r).attempts).toBeLessThan(290);
    expect(fb(r).attemptFailures['route-timeout']).toBe(fb(r).attempts - 200);
    expect(fb(r).failed).toBe(100);
    expect(r.summary.latencyMs.p50).toBeGreaterThanOrEqual(249.9);
    expect(r.summary.latencyMs.max).toBeLessThanOrEqual(251);
  });

  it('without a route timeout, all three tries time out: 3 × 100 ms plus jittered back-offs (≤ 24 ms, ≤ 49 ms)', () => {
    const r = run('      retries: { attempts: 2, perTryTimeout: 100ms, retryOn: [5xx] }\n');
    expect(fb(r).attempts).toBe(300);
    expect(fb(r).failures['per-try-timeout']).toBe(100);
    expect(r.summary.latencyMs.p50).toBeGreaterThan(300);
    expect(r.summary.latencyMs.max).toBeLessThan(300 + 24 + 49 + 1);
  });

  it("Istio's default retryOn (connect-failure, refused-stream, unavailable, cancelled) does not retry a per-try timeout", () => {
    const r = run('      retries: { attempts: 2, perTryTimeout: 100ms }\n');
    expect(fb(r).attempts).toBe(100);
    expect(fb(r).retries).toBe(0);
    expect(r.summary.latencyMs.p50).toBeGreaterThanOrEqual(99.9);
    expect(r.summary.latencyMs.p50).toBeLessThan(101);
  });

  // Access logs name the upstream host of every try of sampled requests.
  const retryHosts = (lb: string): string[][] => {
    const dest = `      loadBalancer: ${lb}\n      retries: { attempts: 1, perTryTimeout: 100ms, retryOn: [5xx] }\n`;
    const r = runScenario(
      scenarioFromYaml({ 'a.yaml': app, 'p.yaml': policy(dest) }, { duration: 12_000, sampling: 1 }),
    );
    const byRequest = new Map<string, string[]>();
    for (const line of r.accessLog) {
      const m = /"([0-9a-f-]{36})" "back" "(back-v1-\d)"/.exec(line);
      if (m) byRequest.set(m[1], [...(byRequest.get(m[1]) ?? []), m[2]]);
    }
    return [...byRequest.values()];
  };

  it('a retry goes to the other host when there is one (round robin: always)', () => {
    const tries = retryHosts('round-robin');
    expect(tries).toHaveLength(100);
    for (const hosts of tries) {
      expect(hosts).toHaveLength(2);
      expect(hosts[0]).not.toBe(hosts[1]);
    }
  });

  it('with least-request (P2C) the previous-host predicate is best effort: up to 6 picks, as Envoy', () => {
    const tries = retryHosts('least-request');
    const moved = tries.filter((h) => h[0] !== h[1]).length;
    // Each P2C pick returns the other host with probability ≥ 1/4: (3/4)^6 ≈ 18 % may stay.
    expect(moved).toBeGreaterThan(70);
    expect(moved).toBeLessThan(100);
  });
});

describe('retries on a traffic split (mesh-semantics.md §5.2)', () => {
  const split = `
apiVersion: meshdojo/v1
kind: Topology
metadata: { name: split }
spec:
  entry: { service: front, endpoint: GET / }
  services:
    - { name: front, concurrency: 1000, endpoints: [ { name: GET /, serviceTime: 0, calls: [ { service: back } ] } ] }
    - name: back
      concurrency: 1000
      endpoints: [ { name: GET /, serviceTime: 1ms } ]
      versions:
        - { name: good }
        - { name: bad, endpoints: [ { name: GET /, serviceTime: 1ms, errorRate: 1 } ] }
---
apiVersion: meshdojo/v1
kind: LoadProfile
metadata: { name: l }
spec: { executor: constant-arrival-rate, rate: 200, duration: 50s }
`;
  const mesh = (profile: string) => `
apiVersion: meshdojo/v1
kind: MeshPolicy
metadata: { name: p }
spec:
  dataPlane: { profile: ${profile} }
  destinations:
    - service: back
      routes: [ { split: { good: 50, bad: 50 } } ]
      retries: { attempts: 3, retryOn: [5xx] }
`;
  const failed = (profile: string) => {
    const r = runScenario(scenarioFromYaml({ 'a.yaml': split, 'p.yaml': mesh(profile) }));
    return r.summary.failures['error-5xx']! / r.summary.requests;
  };

  it('Envoy-based meshes keep the split decision for every try: the half routed to `bad` fails all 4 tries', () => {
    expect(Math.abs(failed('istio-sidecar') - 0.5)).toBeLessThan(0.02);
  });

  it('Linkerd balances each retry again: only 0.5^4 = 6.25 % exhaust their tries', () => {
    expect(Math.abs(failed('linkerd') - 0.0625)).toBeLessThan(0.01);
  });
});
