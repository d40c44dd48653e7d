/**
 * Regressions of issue #6, through `meshdojo run` as a user runs it: chaos faults stack as
 * Toxiproxy's toxics do, a second policy file with only a timeout keeps the first one's routes,
 * and a product's mTLS default applies (Consul: strict).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RunResult } from '../../simulator/telemetry/types.ts';
import { BIN, ROOT } from './helpers.ts';

const dir = mkdtempSync(join(tmpdir(), 'meshdojo-defaults-'));
function file(name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

function run(...args: string[]): RunResult {
  const r = spawnSync(process.execPath, [BIN, 'run', ...args, '--format', 'json'], {
    cwd: ROOT,
    encoding: 'utf8',
    maxBuffer: 1 << 26,
  });
  if (r.status !== 0) throw new Error(`meshdojo run exited ${r.status}: ${r.stderr}`);
  return JSON.parse(r.stdout) as RunResult;
}

const doc = (kind: string, name: string, spec: string) =>
  `apiVersion: meshdojo/v1\nkind: ${kind}\nmetadata: { name: ${name} }\nspec:\n${spec}`;

const load = doc(
  'LoadProfile',
  'steady',
  '  executor: constant-arrival-rate\n  arrivals: uniform\n  rate: 20\n  duration: 40s\n',
);

describe('meshdojo run: chaos faults stack (Toxiproxy toxics)', () => {
  const topology = file(
    'chain.yaml',
    doc(
      'Topology',
      'chain',
      `  entry: { service: web, endpoint: GET / }
  services:
    - name: web
      concurrency: 64
      endpoints:
        - name: GET /
          serviceTime: { dist: constant, value: 1ms }
          calls: [ { service: api } ]
    - name: api
      concurrency: 64
      endpoints:
        - name: GET /
          serviceTime: { dist: constant, value: 1ms }
`,
    ) +
      '---\n' +
      load,
  );

  it('two overlapping latency faults add up, and the end of one leaves the other', () => {
    const chaos = file(
      'two-latencies.yaml',
      doc(
        'ChaosExperiment',
        'two-latencies',
        `  faults:
    - { name: slow-100, type: latency, target: { service: api }, at: 0s, duration: 20s, latency: 100ms }
    - { name: slow-200, type: latency, target: { service: api }, at: 10s, duration: 20s, latency: 200ms }
`,
      ),
    );
    const r = run(topology, chaos, '--seed', '3');
    const p50At = (sec: number) => r.series.entry.p50[r.series.t.indexOf(sec * 1000)]!;
    // one fault, both, the second alone, none (≈ 2 ms of service time plus proxies and network)
    expect(p50At(5)).toBeGreaterThan(100);
    expect(p50At(5)).toBeLessThan(106);
    expect(p50At(15)).toBeGreaterThan(300);
    expect(p50At(15)).toBeLessThan(306);
    expect(p50At(25)).toBeGreaterThan(200);
    expect(p50At(25)).toBeLessThan(206);
    expect(p50At(35)).toBeLessThan(6);
  });

  it('a response-direction (downstream) latency delays the answer, not the arrival', () => {
    const chaos = file(
      'down.yaml',
      doc(
        'ChaosExperiment',
        'down',
        '  faults:\n    - { type: latency, stream: downstream, target: { service: api }, latency: 50ms }\n',
      ),
    );
    const r = run(topology, chaos, '--seed', '3');
    expect(r.summary.latencyMs.p50).toBeGreaterThan(50);
    expect(r.summary.latencyMs.p50).toBeLessThan(56);
  });
});

describe('meshdojo run: policies and product defaults', () => {
  const topology = file(
    'versions.yaml',
    doc(
      'Topology',
      'versions',
      `  entry: { service: web, endpoint: GET / }
  services:
    - name: web
      concurrency: 64
      endpoints:
        - name: GET /
          serviceTime: { dist: constant, value: 1ms }
          calls: [ { service: api } ]
    - name: api
      concurrency: 64
      endpoints:
        - name: GET /
          serviceTime: { dist: constant, value: 1ms }
      versions:
        - { name: v1, endpoints: [ { name: GET /, serviceTime: { dist: constant, value: 1ms }, errorRate: 1 } ] }
        - { name: v2 }
`,
    ) +
      '---\n' +
      load,
  );
  const routes = file(
    'routes.yaml',
    doc(
      'MeshPolicy',
      'routes',
      '  destinations:\n    - service: api\n      routes: [ { split: { v2: 100 } } ]\n      retries: { attempts: 0 }\n',
    ),
  );
  const timeoutOnly = file(
    'timeout.yaml',
    doc('MeshPolicy', 'timeout', '  destinations:\n    - service: api\n      timeout: 5s\n'),
  );

  it('a second --policy file with only a timeout keeps the first one’s routes', () => {
    const one = run(topology, '--policy', routes, '--seed', '5');
    expect(one.summary.successRate).toBe(1); // every request routed to v2, none to the failing v1
    const two = run(topology, '--policy', routes, '--policy', timeoutOnly, '--seed', '5');
    expect(two.summary.successRate).toBe(1);
    expect(two.summary.requests).toBe(one.summary.requests);
  });

  it('Consul’s strict mTLS applies by default: an out-of-mesh caller fails with cause mtls', () => {
    const outside = file(
      'outside.yaml',
      doc(
        'Topology',
        'outside',
        `  entry: { service: edge, endpoint: GET / }
  services:
    - name: edge
      inMesh: false
      endpoints:
        - name: GET /
          serviceTime: { dist: constant, value: 1ms }
          calls: [ { service: api } ]
    - name: api
      endpoints:
        - name: GET /
          serviceTime: { dist: constant, value: 1ms }
`,
      ) +
        '---\n' +
        load,
    );
    const consul = file('consul.yaml', doc('MeshPolicy', 'consul', '  defaults: consul\n'));
    const istio = file('istio.yaml', doc('MeshPolicy', 'istio', '  defaults: istio\n'));
    const edge = (r: RunResult) => r.edges.find((e) => e.from === 'edge' && e.to === 'api')!;
    const strict = run(outside, '--policy', consul, '--seed', '2');
    expect(edge(strict).requests).toBeGreaterThan(700);
    expect(edge(strict).failures.mtls).toBe(edge(strict).requests);
    const permissive = run(outside, '--policy', istio, '--seed', '2');
    expect(edge(permissive).failures.mtls).toBeUndefined();
    expect(permissive.summary.successRate).toBe(1);
  });
});

describe('meshdojo run: perTryTimeout with attempts: 0', () => {
  it('bounds the one try (Envoy applies per_try_timeout to the first try too)', () => {
    const topology = file(
      'slow.yaml',
      doc(
        'Topology',
        'slow',
        `  entry: { service: web, endpoint: GET / }
  services:
    - name: web
      concurrency: 64
      endpoints:
        - name: GET /
          serviceTime: { dist: constant, value: 1ms }
          calls: [ { service: api } ]
    - name: api
      concurrency: 64
      endpoints:
        - name: GET /
          serviceTime: { dist: constant, value: 100ms }
`,
      ) +
        '---\n' +
        load,
    );
    const policy = file(
      'one-try.yaml',
      doc(
        'MeshPolicy',
        'one-try',
        '  destinations:\n    - service: api\n      retries: { attempts: 0, perTryTimeout: 20ms }\n',
      ),
    );
    const r = run(topology, '--policy', policy, '--seed', '4');
    const edge = r.edges.find((e) => e.from === 'web' && e.to === 'api')!;
    expect(edge.requests).toBeGreaterThan(700);
    expect(edge.retries).toBe(0);
    expect(edge.failures['per-try-timeout']).toBe(edge.requests);
  });
});
