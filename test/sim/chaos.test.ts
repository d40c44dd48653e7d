/** Each chaos fault type, on a small two-node app, with the effect it must have and its end. */
import { describe, expect, it } from 'vitest';
import { runScenario } from '../../simulator/sim/run.ts';
import type { RunResult } from '../../simulator/telemetry/types.ts';
import { scenarioFromYaml } from '../helpers/load.ts';

const app = `
apiVersion: meshdojo/v1
kind: Topology
metadata: { name: two-nodes }
spec:
  entry: { service: front, endpoint: GET / }
  nodes: [ { name: node-a }, { name: node-b } ]
  network: { crossNode: { latency: 1ms }, connectTimeout: 1s }
  services:
    - name: front
      placement: [node-a]
      concurrency: 1000
      endpoints: [ { name: GET /, serviceTime: 1ms, calls: [ { service: back, timeout: 3s } ] } ]
    - name: back
      replicas: 2
      placement: [node-a, node-b]
      concurrency: 32
      endpoints: [ { name: GET /, serviceTime: { dist: constant, value: 4ms } } ]
---
apiVersion: meshdojo/v1
kind: LoadProfile
metadata: { name: l }
spec: { executor: constant-arrival-rate, arrivals: uniform, rate: 100, duration: 40s }
`;
const chaos = (fault: string) => `
apiVersion: meshdojo/v1
kind: ChaosExperiment
metadata: { name: c }
spec:
  faults: [ ${fault} ]
`;
const run = (fault: string): RunResult =>
  runScenario(scenarioFromYaml({ 'app.yaml': app, 'chaos.yaml': chaos(fault) }));
const fb = (r: RunResult) => r.edges.find((e) => e.from === 'front' && e.to === 'back')!;
/** Entry success rate and mean p50 over intervals ending in (from, to]. */
function window(r: RunResult, from: number, to: number) {
  let req = 0;
  let ok = 0;
  const p50: number[] = [];
  r.series.t.forEach((t, i) => {
    if (t > from && t <= to) {
      req += r.series.entry.requests[i];
      ok += r.series.entry.successes[i];
      p50.push(r.series.entry.p50[i]);
    }
  });
  return { rate: req ? ok / req : 1, p50: p50.reduce((a, b) => a + b, 0) / p50.length };
}

describe('chaos faults', () => {
  it('partition: calls across it fail after connectTimeout, only while it lasts', () => {
    const r = run(
      `{ type: partition, between: [ { service: front }, { service: back, node: node-b } ], at: 10s, duration: 10s }`,
    );
    expect(fb(r).failures['connect-failure']).toBeGreaterThan(400); // half of 1000 calls in 10 s
    expect(fb(r).failures['connect-failure']).toBeLessThan(600);
    expect(window(r, 12_000, 20_000).p50).toBeGreaterThan(500); // half of them wait 1 s
    expect(window(r, 25_000, 40_000).rate).toBe(1);
  });

  it('loss: a share of connections fails at once', () => {
    const r = run(`{ type: loss, target: { service: back }, at: 0s, percent: 30 }`);
    const share = (fb(r).failures['connect-failure'] ?? 0) / fb(r).requests;
    expect(Math.abs(share - 0.3)).toBeLessThan(0.03);
  });

  it('cpu: service time × multiplier on the target only', () => {
    const r = run(`{ type: cpu, target: { service: back }, at: 10s, duration: 10s, multiplier: 5 }`);
    expect(window(r, 0, 10_000).p50).toBeLessThan(8);
    expect(window(r, 11_000, 20_000).p50).toBeGreaterThan(20); // 4 ms → 20 ms
    expect(window(r, 21_000, 40_000).p50).toBeLessThan(8);
  });

  it('node-down: every instance on the node dies and comes back when it ends', () => {
    const r = run(`{ type: node-down, node: node-b, at: 10s, duration: 10s }`);
    const kinds = r.events.map((e) => `${e.kind}:${e.subject}`);
    expect(kinds).toContain('instance-down:back-v1-1');
    expect(kinds).toContain('instance-up:back-v1-1');
    expect(kinds).not.toContain('instance-down:back-v1-0');
    // Until readiness drops it (1 s), calls to it fail at once; after that kube-proxy avoids it.
    expect(fb(r).failures['connect-failure']).toBeGreaterThan(20);
    expect(fb(r).failures['connect-failure']).toBeLessThan(80);
    expect(window(r, 12_000, 20_000).rate).toBe(1);
  });

  it('kill with restart and cold start: down at `at`, ready again after restartAfter + coldStart', () => {
    const r = run(
      `{ type: kill, target: { service: back, count: 1 }, at: 10s, restartAfter: 5s, coldStart: 3s }`,
    );
    const down = r.events.find((e) => e.kind === 'instance-down')!;
    const up = r.events.find((e) => e.kind === 'instance-up')!;
    expect(down.t).toBe(10_000);
    expect(up.t).toBe(18_000);
    expect(r.services.back.versions!.v1).toBeGreaterThan(3000);
  });

  it('abort: a share of requests answered with the status at the door', () => {
    const r = run(`{ type: abort, target: { service: back }, at: 0s, percent: 20, status: 500 }`);
    const share = (r.services.back.failures['fault-abort'] ?? 0) / r.services.back.requests;
    expect(Math.abs(share - 0.2)).toBeLessThan(0.03);
  });
});
