/**
 * Property test of the simulator itself: random small topologies, policies, faults and loads
 * must run without throwing, account for every request, and be deterministic.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { runScenario } from '../../simulator/sim/run.ts';
import type { RunResult } from '../../simulator/telemetry/types.ts';
import { scenarioFromYaml } from '../helpers/load.ts';

const sum = (o: Partial<Record<string, number>>): number =>
  Object.values(o).reduce((a: number, b) => a + (b ?? 0), 0);

const callArb = (target: number) =>
  fc.record({
    target: fc.constant(target),
    timeout: fc.option(fc.constantFrom('5ms', '50ms', '500ms'), { nil: undefined }),
    retries: fc.integer({ min: 0, max: 2 }),
    onError: fc.constantFrom('fail', 'fallback', 'ignore'),
    probability: fc.constantFrom(1, 0.5),
    times: fc.integer({ min: 1, max: 2 }),
  });

const serviceArb = (i: number, n: number) =>
  fc.record({
    concurrency: fc.integer({ min: 1, max: 16 }),
    queue: fc.integer({ min: 0, max: 50 }),
    replicas: fc.integer({ min: 1, max: 3 }),
    cpu: fc.option(fc.integer({ min: 1, max: 2 }), { nil: undefined }),
    mean: fc.constantFrom('1ms', '3ms', '10ms'),
    errorRate: fc.constantFrom(0, 0.05, 0.5),
    idempotent: fc.boolean(),
    // Calls only to later services: no cycles.
    calls:
      i + 1 < n
        ? fc.array(fc.integer({ min: i + 1, max: n - 1 }).chain(callArb), { maxLength: 3 })
        : fc.constant([]),
    parallel: fc.boolean(),
  });

const scenarioArb = fc.integer({ min: 1, max: 4 }).chain((n) =>
  fc.record({
    services: fc.tuple(...Array.from({ length: n }, (_, i) => serviceArb(i, n))),
    rate: fc.integer({ min: 5, max: 300 }),
    mesh: fc.constantFrom('none', 'istio-sidecar', 'linkerd', 'istio-ambient-waypoint'),
    retries: fc.integer({ min: 0, max: 3 }),
    perTry: fc.constantFrom('', ', perTryTimeout: 20ms'),
    routeTimeout: fc.constantFrom('', 'timeout: 100ms'),
    breaker: fc.boolean(),
    pool: fc.boolean(),
    outlier: fc.boolean(),
    fault: fc.constantFrom('', 'kill', 'pause', 'latency', 'abort', 'loss', 'cpu'),
    seed: fc.integer({ min: 1, max: 1000 }),
  }),
);

type Generated = typeof scenarioArb extends fc.Arbitrary<infer T> ? T : never;

function yamlOf(g: Generated): Record<string, string> {
  const x = g as unknown as {
    services: {
      concurrency: number;
      queue: number;
      replicas: number;
      cpu?: number;
      mean: string;
      errorRate: number;
      idempotent: boolean;
      calls: {
        target: number;
        timeout?: string;
        retries: number;
        onError: string;
        probability: number;
        times: number;
      }[];
      parallel: boolean;
    }[];
    rate: number;
    mesh: string;
    retries: number;
    perTry: string;
    routeTimeout: string;
    breaker: boolean;
    pool: boolean;
    outlier: boolean;
    fault: string;
  };
  const call = (c: (typeof x.services)[number]['calls'][number]) =>
    `{ service: s${c.target}${c.timeout ? `, timeout: ${c.timeout}` : ''}, retries: ${c.retries}, onError: ${c.onError}, probability: ${c.probability}, times: ${c.times} }`;
  const services = x.services
    .map((s, i) => {
      const calls =
        s.calls.length === 0
          ? ''
          : s.parallel
            ? `, calls: [ { parallel: [ ${s.calls.map(call).join(', ')} ] } ]`
            : `, calls: [ ${s.calls.map(call).join(', ')} ]`;
      return `    - { name: s${i}, replicas: ${s.replicas}, concurrency: ${s.concurrency}, queue: ${s.queue}${s.cpu ? `, cpu: ${s.cpu}` : ''}, endpoints: [ { name: GET /, serviceTime: { dist: exponential, mean: ${s.mean} }, errorRate: ${s.errorRate}, idempotent: ${s.idempotent}${calls} } ] }`;
    })
    .join('\n');
  const files: Record<string, string> = {
    'app.yaml': `apiVersion: meshdojo/v1
kind: Topology
metadata: { name: random }
spec:
  entry: { service: s0, endpoint: GET / }
  nodes: [ { name: n1 }, { name: n2 } ]
  services:
${services}
---
apiVersion: meshdojo/v1
kind: LoadProfile
metadata: { name: l }
spec: { executor: constant-arrival-rate, rate: ${x.rate}, duration: 5s, timeout: 2s, retries: { attempts: 1, backoff: 100ms } }
`,
  };
  if (x.mesh !== 'none') {
    const dests = x.services
      .slice(1)
      .map(
        (_, k) => `    - service: s${k + 1}
      ${x.routeTimeout || 'deadlinePropagation: false'}
      retries: { attempts: ${x.retries}, retryOn: [5xx, reset, connect-failure]${x.perTry} }
${x.breaker ? '      circuitBreaker: { consecutiveFailures: 3, openFor: 500ms }\n' : ''}${x.pool ? '      connectionPool: { maxConnections: 4, maxPendingRequests: 2, maxRequests: 4 }\n' : ''}${x.outlier ? '      outlierDetection: { consecutive5xxErrors: 3, interval: 1s, baseEjectionTime: 1s, maxEjectionPercent: 50 }\n' : ''}`,
      )
      .join('');
    files['mesh.yaml'] = `apiVersion: meshdojo/v1
kind: MeshPolicy
metadata: { name: m }
spec:
  dataPlane: { profile: ${x.mesh} }
${dests ? `  destinations:\n${dests}` : ''}`;
  }
  if (x.fault) {
    const target = `{ service: s${x.services.length - 1}, count: 1 }`;
    const extra: Record<string, string> = {
      kill: ', restartAfter: 1s, coldStart: 500ms',
      pause: ', duration: 1s',
      latency: ', duration: 2s, latency: 200ms',
      abort: ', percent: 50, status: 503',
      loss: ', percent: 30',
      cpu: ', multiplier: 4',
    };
    files['chaos.yaml'] = `apiVersion: meshdojo/v1
kind: ChaosExperiment
metadata: { name: c }
spec:
  faults: [ { type: ${x.fault}, target: ${target}, at: 1s${extra[x.fault]} } ]
`;
  }
  return files;
}

function check(r: RunResult): void {
  const s = r.summary;
  expect(s.requests).toBe(s.successes + sum(s.failures));
  expect(s.degraded).toBeLessThanOrEqual(s.successes);
  expect(JSON.stringify(r)).not.toMatch(/NaN|Infinity|null,"p50"/);
  for (const e of r.edges) {
    expect(e.attempts).toBeLessThanOrEqual(e.requests + e.retries);
    expect(e.retries).toBeLessThanOrEqual(e.attempts);
    expect(e.failed).toBe(sum(e.failures));
    expect(e.failed).toBeLessThanOrEqual(e.requests);
  }
  for (const st of Object.values(r.services)) {
    expect(st.successRate).toBeGreaterThanOrEqual(0);
    expect(st.successRate).toBeLessThanOrEqual(1);
    expect(st.utilization).toBeGreaterThanOrEqual(0);
    expect(st.utilization).toBeLessThanOrEqual(1 + 1e-9);
    expect(st.duplicateSideEffects).toBeLessThanOrEqual(st.sideEffects);
  }
}

describe('simulator invariants (fast-check)', () => {
  it('random topologies, policies and faults: every request accounted for, deterministic, no NaN', () => {
    fc.assert(
      fc.property(scenarioArb, (g) => {
        const files = yamlOf(g);
        const seed = g.seed;
        const a = runScenario(scenarioFromYaml(files, { seed, duration: 8000 }));
        check(a);
        const b = runScenario(scenarioFromYaml(files, { seed, duration: 8000 }));
        expect(b.hash).toBe(a.hash);
      }),
      {
        numRuns: Number(process.env.INVARIANT_RUNS ?? 80),
        seed: Number(process.env.INVARIANT_SEED ?? 20261126),
      },
    );
  });
});

describe('mesh-core permits and counters (fast-check)', () => {
  it('after load stops and the run drains, every pool, probe, host load and retry counter is zero; every request ends once', () => {
    let clustersSeen = 0;
    fc.assert(
      fc.property(scenarioArb, (g) => {
        const files = yamlOf(g);
        // Load for 5 s; client timeout 2 s, one reload after 100 ms: the entry drains by ~9.1 s,
        // and every abandoned inner call, fault and restart is over well before 20 s.
        let drained: (() => void) | null = null;
        let sent = -1;
        const r = runScenario(scenarioFromYaml(files, { seed: g.seed, duration: 20_000 }), {
          inspect: (dp) => {
            sent = dp.entrySent;
            drained = () => {
              expect(dp.entryFinished).toBe(dp.entrySent);
              for (const c of dp.clusters()) {
                clustersSeen++;
                const where = c.label;
                expect(c.active, `${where}: active requests`).toBe(0);
                expect(c.activeRetries, `${where}: active retries`).toBe(0);
                expect(c.totalHostActive(), `${where}: host load`).toBe(0);
                expect(c.wokenPending, `${where}: woken`).toBe(0);
                if (c.pool) {
                  expect(c.pool.active, `${where}: pool slots`).toBe(0);
                  expect(c.pool.pending, `${where}: pool queue`).toBe(0);
                }
                if (c.breaker) expect(c.breaker.probes, `${where}: breaker probes`).toBe(0);
              }
            };
            drained();
          },
        });
        expect(drained).not.toBeNull();
        expect(r.summary.requests).toBeGreaterThan(0);
        expect(r.summary.requests).toBe(sent);
        check(r);
      }),
      {
        numRuns: Number(process.env.INVARIANT_RUNS ?? 60),
        seed: Number(process.env.INVARIANT_SEED ?? 20261202),
      },
    );
    expect(clustersSeen).toBeGreaterThan(60);
  });
});
