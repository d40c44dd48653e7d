/** Shared fixtures of the CLI tests: a tiny normalised scenario, a fake RunResult, the CLI runner. */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { ScenarioSpec } from '../../simulator/model/types.ts';
import type { RunResult, ServiceStats } from '../../simulator/telemetry/types.ts';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const BIN = fileURLToPath(new URL('../../bin/meshdojo.mjs', import.meta.url));

/** An M/M/1 queue (exponential 10 ms service, Poisson arrivals) as the loader would normalise it. */
export function tinyScenario(opts: { rate?: number; durationMs?: number; seed?: number } = {}): ScenarioSpec {
  const durationMs = opts.durationMs ?? 20_000;
  return {
    name: 'mm1',
    topology: {
      name: 'mm1',
      entry: { service: 'server', endpoint: 'GET /' },
      nodes: [{ name: 'node-1', cores: 4 }],
      network: {
        sameNode: { latency: 0.05, jitter: 0 },
        crossNode: { latency: 0.5, jitter: 0.1 },
        links: [],
        connectTimeout: 1000,
      },
      services: [
        {
          name: 'server',
          labels: { app: 'server' },
          concurrency: 1,
          queue: 1000,
          placement: [],
          inMesh: true,
          versions: [
            {
              name: 'v1',
              labels: { app: 'server', version: 'v1' },
              replicas: 1,
              endpoints: [
                {
                  name: 'GET /',
                  serviceTime: { dist: 'exponential', mean: 10 },
                  errorRate: 0,
                  idempotent: true,
                  responseBytes: 1024,
                  calls: [],
                },
              ],
            },
          ],
        },
      ],
    },
    policies: [],
    load: {
      name: 'mm1',
      executor: 'constant-arrival-rate',
      arrivals: 'poisson',
      rate: opts.rate ?? 50,
      duration: durationMs,
      timeout: 60_000,
      retries: { attempts: 0, backoff: 1000 },
      headers: [],
      requests: [],
      thresholds: [],
    },
    chaos: [],
    seed: opts.seed ?? 1,
    duration: durationMs,
    interval: 1000,
    sampling: { traces: 0.001, accessLogs: 0.001 },
  };
}

/** The same M/M/1 as YAML documents (Topology + LoadProfile). */
export const MM1_YAML = `apiVersion: meshdojo/v1
kind: Topology
metadata: { name: mm1 }
spec:
  entry: { service: server, endpoint: GET / }
  services:
    - name: server
      concurrency: 1
      queue: 1000
      endpoints:
        - name: GET /
          serviceTime: { dist: exponential, mean: 10ms }
---
apiVersion: meshdojo/v1
kind: LoadProfile
metadata: { name: mm1-load }
spec:
  executor: constant-arrival-rate
  rate: 50
  duration: 20s
`;

const LAT = { p50: 10, p90: 20, p99: 40, p999: 60, mean: 12, max: 80 };

function svc(over: Partial<ServiceStats> = {}): ServiceStats {
  return {
    requests: 100,
    successes: 99,
    degraded: 0,
    failures: { timeout: 1 },
    successRate: 0.99,
    latencyMs: LAT,
    utilization: 0.5,
    sideEffects: 0,
    duplicateSideEffects: 0,
    orphaned: 0,
    maxQueue: 3,
    instances: 1,
    ...over,
  };
}

/** A plausible RunResult for report tests (no simulator needed). */
export function fakeResult(
  over: { name?: string; seed?: number; successRate?: number; p99?: number; retries?: number } = {},
): RunResult {
  const successRate = over.successRate ?? 0.99;
  return {
    mode: 'simulated',
    scenario: over.name ?? 'fake',
    seed: over.seed ?? 1,
    durationMs: 20_000,
    hash: 'f'.repeat(64),
    summary: {
      requests: 1000,
      successes: Math.round(1000 * successRate),
      degraded: 0,
      failures: {},
      successRate,
      latencyMs: { ...LAT, p99: over.p99 ?? LAT.p99 },
      clientRetries: 0,
    },
    services: {
      frontend: svc({ utilization: 0.3 }),
      backend: svc({ utilization: 0.8, sideEffects: 10, duplicateSideEffects: 2 }),
    },
    edges: [
      {
        from: 'frontend',
        to: 'backend',
        requests: 1000,
        attempts: 1000 + (over.retries ?? 0),
        retries: over.retries ?? 0,
        failed: 0,
        failures: {},
        attemptFailures: {},
        latencyMs: LAT,
      },
    ],
    series: {
      intervalMs: 1000,
      t: [],
      entry: { requests: [], successes: [], failures: [], p50: [], p99: [], byCause: {} },
      services: {},
      edges: {},
    },
    events: [],
    mesh: {
      profile: 'none',
      proxies: 0,
      addedLatencyMsPerRequest: 0,
      cpuCoreSeconds: 0,
      cpuCores: 0,
      memoryMB: 0,
      breakers: [],
      outlierDetectors: [],
    },
    traces: [],
    accessLog: [],
    thresholds: [],
    probes: [],
    passed: false,
    verdict: 'no-checks',
    engine: { events: 0, serviceCalls: 0 },
  };
}

export interface CliRun {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `node bin/meshdojo.mjs ARGS…` in the repository root (or `cwd`). */
export function runCli(args: string[], opts: { cwd?: string; timeoutMs?: number } = {}): CliRun {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    cwd: opts.cwd ?? ROOT,
    encoding: 'utf8',
    timeout: opts.timeoutMs ?? 110_000,
    env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' },
  });
  if (r.error) throw r.error;
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}
