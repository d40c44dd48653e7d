/**
 * Regression tests, through runScenario, for the composition bugs of the old sim-side request
 * chain (issue #6, acceptance 3 — the mesh-core share).
 */
import { describe, expect, it } from 'vitest';
import { runScenario } from '../../simulator/sim/run.ts';
import type { RunResult } from '../../simulator/telemetry/types.ts';
import { edgeKey } from '../../simulator/telemetry/recorder.ts';
import { scenarioFromYaml } from '../helpers/load.ts';

const app = (callTimeout: string, rate: number, duration: string, concurrency = 64) => `
apiVersion: meshdojo/v1
kind: Topology
metadata: { name: front-back }
spec:
  entry: { service: front, endpoint: GET / }
  services:
    - name: front
      concurrency: 20000
      endpoints: [ { name: GET /, serviceTime: 1ms, calls: [ { service: back, timeout: ${callTimeout} } ] } ]
    - name: back
      concurrency: ${concurrency}
      endpoints: [ { name: GET /, serviceTime: 2ms } ]
---
apiVersion: meshdojo/v1
kind: LoadProfile
metadata: { name: load }
spec: { executor: constant-arrival-rate, arrivals: uniform, rate: ${rate}, duration: ${duration} }
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
const fb = (r: RunResult) => r.edges.find((e) => e.from === 'front' && e.to === 'back')!;

describe('regressions of the request chain', () => {
  it('a half-open probe abandoned by the caller’s own timeout does not wedge the breaker: it closes after recovery', () => {
    // 5–10 s: back answers 503 (the breaker trips); 10–20 s: back answers 2 s late, so every
    // half-open probe is abandoned by front's 200 ms timeout; from 20 s: healthy again.
    const chaos = `
apiVersion: meshdojo/v1
kind: ChaosExperiment
metadata: { name: fail-then-slow }
spec:
  faults:
    - { name: fail, type: abort, target: { service: back }, at: 5s, duration: 5s, percent: 100, status: 503 }
    - { name: slow, type: latency, target: { service: back }, at: 10s, duration: 10s, latency: 2s }
`;
    const r = runScenario(
      scenarioFromYaml({
        'app.yaml': app('200ms', 50, '40s'),
        'chaos.yaml': chaos,
        'p.yaml': policy(
          '      circuitBreaker: { consecutiveFailures: 5, openFor: 1s, halfOpenRequests: 1 }\n',
        ),
      }),
    );
    const ev = r.events.filter((e) => e.kind === 'breaker');
    expect(ev[0].state).toBe('open');
    expect(ev[0].t).toBeGreaterThanOrEqual(5000);
    expect(ev[0].t).toBeLessThan(6000);
    // It goes half-open during the slow phase and, with abandoned probes, must still close after 20 s.
    expect(ev.some((e) => e.state === 'half-open' && e.t > 10_000 && e.t < 20_000)).toBe(true);
    const closed = ev.filter((e) => e.state === 'closed');
    expect(closed.length).toBeGreaterThan(0);
    const last = closed[closed.length - 1];
    expect(last.t).toBeGreaterThanOrEqual(20_000);
    expect(last.t).toBeLessThan(23_000);
    expect(r.mesh.breakers[0].state).toBe('closed');
    // Success returns: every interval from 24 s on is fully successful.
    r.series.t.forEach((t, i) => {
      if (t <= 24_000) return;
      expect(r.series.entry.requests[i]).toBeGreaterThan(0);
      expect(r.series.entry.failures[i]).toBe(0);
    });
  });

  it('10 000 pending requests in front of an open breaker end in overflow or breaker-open answers, not a stack overflow', () => {
    // One connection, a pending queue of 20 000: back hangs (paused) 1–3 s, so requests pile up
    // in the pool's queue; the breaker trips on route timeouts; when the slot frees, the queue
    // drains through the open breaker in one loop.
    const chaos = `
apiVersion: meshdojo/v1
kind: ChaosExperiment
metadata: { name: hang }
spec:
  faults: [ { name: hang, type: pause, target: { service: back }, at: 1s, duration: 2s } ]
`;
    const r = runScenario(
      scenarioFromYaml(
        {
          'app.yaml': app('60s', 10_000, '4s'),
          'chaos.yaml': chaos,
          'p.yaml': policy(
            '      timeout: 1500ms\n' +
              '      connectionPool: { maxConnections: 1, maxRequests: 1, maxPendingRequests: 20000 }\n' +
              '      circuitBreaker: { consecutiveFailures: 1, openFor: 30s, halfOpenRequests: 1 }\n',
          ),
        },
        { duration: 5000 },
      ),
    );
    const e = fb(r);
    expect(e.requests).toBeGreaterThan(39_000);
    // The breaker opened on the held request's route timeout at ≈ 1.5 s, with the queue full of
    // ≈ 14 000 requests: they all meet the open breaker in one drain loop.
    const open = r.events.find((x) => x.kind === 'breaker' && x.state === 'open')!;
    expect(open.t).toBeGreaterThan(1500);
    expect(open.t).toBeLessThan(1600);
    const k = r.series.t.findIndex((t) => t >= open.t);
    expect(r.series.edges[edgeKey('front', 'back')].byCause['breaker-open']![k]).toBeGreaterThan(10_000);
    expect(e.failures['breaker-open']).toBeGreaterThan(30_000);
    // Everything that failed failed for a reason of the caller's proxy or the route timeout.
    const reasons =
      (e.failures['breaker-open'] ?? 0) +
      (e.failures['pool-overflow'] ?? 0) +
      (e.failures['route-timeout'] ?? 0);
    expect(reasons).toBe(e.failed);
  });

  it('a failure is recorded before the freed slot admits the next request', () => {
    // One connection and a queue: a request fails (503, 10 ms late, so ≈ 20 requests queue behind
    // it), and the breaker (1 consecutive failure) must trip before the slot that failure frees
    // lets the next queued request through. (The old chain freed the slot first: 2 attempts.)
    const chaos = `
apiVersion: meshdojo/v1
kind: ChaosExperiment
metadata: { name: fail }
spec:
  faults:
    - { name: fail, type: abort, target: { service: back }, at: 0s, percent: 100, status: 503 }
    - { name: slow, type: latency, target: { service: back }, at: 0s, latency: 10ms }
`;
    const r = runScenario(
      scenarioFromYaml(
        {
          'app.yaml': app('10s', 2000, '1s'),
          'chaos.yaml': chaos,
          'p.yaml': policy(
            '      connectionPool: { maxConnections: 1, maxRequests: 1, maxPendingRequests: 5000 }\n' +
              '      circuitBreaker: { consecutiveFailures: 1, openFor: 60s, halfOpenRequests: 1 }\n',
          ),
        },
        { duration: 2000 },
      ),
    );
    const e = fb(r);
    // Exactly one request reached back: the first; the queued ones meet the open breaker.
    expect(e.attempts).toBe(1);
    expect(e.failures['fault-abort']).toBe(1);
    expect(e.failures['breaker-open']).toBe(e.requests - 1);
    expect(e.requests).toBeGreaterThan(1900);
  });

  it('replies the caller’s proxy makes itself (FI, NR, UO) appear in the access log as caller-side lines', () => {
    const topology = app('10s', 200, '5s');
    const run = (dest: string): RunResult =>
      runScenario(
        scenarioFromYaml({ 'app.yaml': topology, 'p.yaml': policy(dest) }, { duration: 5000, sampling: 1 }),
      );
    const local = (r: RunResult, flag: string): string[] =>
      r.accessLog.filter((l) => new RegExp(` ${flag} `).test(l) && l.endsWith('"back" "-"'));
    // Injected aborts: FI, no upstream host, never sent.
    const fi = run('      faults: { abort: { percent: 50, status: 503 } }\n');
    expect(local(fi, 'FI').length).toBe(fb(fi).failures['fault-abort']);
    expect(local(fi, 'FI').length).toBeGreaterThan(400);
    expect(local(fi, 'FI')[0]).toMatch(/" 503 FI /);
    // No route matches: NR (404).
    const nr = run(
      '      routes: [ { match: { headers: { x-never: { exact: "1" } } }, split: { v1: 100 } } ]\n',
    );
    expect(local(nr, 'NR').length).toBe(fb(nr).requests);
    expect(local(nr, 'NR')[0]).toMatch(/" 404 NR /);
    // Pool overflow: UO, while the tries that did go show the callee as their upstream host.
    const uo = run('      connectionPool: { maxConnections: 1, maxRequests: 1, maxPendingRequests: 0 }\n');
    expect(local(uo, 'UO').length).toBe(fb(uo).failures['pool-overflow'] ?? 0);
    expect(uo.accessLog.some((l) => /"back-v1-0"$/.test(l))).toBe(true);
  });
});
