import { describe, expect, it } from 'vitest';
import { runScenario } from '../../simulator/sim/run.ts';
import { scenarioFromYaml } from '../helpers/load.ts';

const app = (callTimeout: string) => `
apiVersion: meshdojo/v1
kind: Topology
metadata: { name: slow-back }
spec:
  entry: { service: front, endpoint: GET / }
  services:
    - { name: front, concurrency: 10000, endpoints: [ { name: GET /, serviceTime: 1ms, calls: [ { service: back, timeout: ${callTimeout} } ] } ] }
    - { name: back, concurrency: 4, queue: 100000, endpoints: [ { name: GET /, serviceTime: { dist: constant, value: 100ms }, idempotent: false } ] }
---
apiVersion: meshdojo/v1
kind: LoadProfile
metadata: { name: l }
spec: { executor: constant-arrival-rate, arrivals: uniform, rate: 60, duration: 30s }
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

describe('deadline propagation', () => {
  it('off (the default): the callee works through requests its caller gave up on; on: it drops them', () => {
    // back serves 40/s and receives 60/s: its queue grows and callers give up after 150 ms.
    const off = runScenario(
      scenarioFromYaml({ 'a.yaml': app('150ms'), 'p.yaml': policy('      deadlinePropagation: false\n') }),
    );
    const on = runScenario(
      scenarioFromYaml({ 'a.yaml': app('150ms'), 'p.yaml': policy('      deadlinePropagation: true\n') }),
    );
    expect(off.services.back.orphaned).toBeGreaterThan(500);
    expect(off.services.back.sideEffects).toBeGreaterThan(1000); // the work was done, for nobody
    expect(on.services.back.orphaned).toBeLessThan(off.services.back.orphaned / 10);
    // Work is dropped unstarted or stopped at the deadline, and recorded as such at back.
    expect(on.services.back.failures.timeout).toBeGreaterThan(300);
    expect(on.services.back.sideEffects).toBeLessThan(off.services.back.sideEffects);
    // (FIFO under overload still times the callers out in both runs: every queued request waits for
    // the ones ahead of it — the metastable state that load shedding, not deadlines, cures.)
  });
});

describe('connection-pool limits (Envoy circuit-breaker thresholds)', () => {
  it('overflow answers 503 UO at once and is never retried, even with retryOn 5xx', () => {
    const r = runScenario(
      scenarioFromYaml({
        'a.yaml': app('10s'),
        'p.yaml': policy(
          '      connectionPool: { maxConnections: 4, maxPendingRequests: 4, maxRequests: 4 }\n      retries: { attempts: 3, retryOn: [5xx] }\n',
        ),
      }),
    );
    const fb = r.edges.find((e) => e.from === 'front' && e.to === 'back')!;
    expect(fb.failures['pool-overflow']).toBeGreaterThan(500);
    expect(fb.retries).toBe(0);
    // At most 4 + 4 requests are ever outstanding: back's queue never grows past 4.
    expect(r.services.back.maxQueue).toBeLessThanOrEqual(4);
    expect(r.summary.latencyMs.p99).toBeLessThan(1000);
  });
});
