/**
 * Acceptance 1: Bookinfo live on the process backend. A kill of one reviews instance and a 2 s
 * delay on ratings show in the live report (events, causes, per-service figures), and
 * bookinfo-resilient.yaml changes the outcome in the direction the simulator predicts. Nothing is
 * left running afterwards (checked: no child pid alive, every port free). Short runs (15 s at
 * 40 pages/s): counts and directions are asserted, not tight latencies.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadFiles } from '../../simulator/cli/files.ts';
import { scenarioFromBundle } from '../../simulator/cli/scenario.ts';
import { ProcessBackend } from '../../simulator/live/backend/process.ts';
import { portFree } from '../../simulator/live/backend/ports.ts';
import { LiveRun } from '../../simulator/live/run/orchestrator.ts';
import { runScenario } from '../../simulator/sim/run.ts';
import type { LoadProfileSpec, ScenarioSpec } from '../../simulator/model/types.ts';
import { parseDocuments } from '../../simulator/model/load.ts';
import type { RunResult } from '../../simulator/telemetry/types.ts';
import type { IntervalFrame } from '../../simulator/telemetry/interval.ts';
import { pidAlive } from '../../simulator/live/pid-alive.ts';

const FILES = ['topologies/bookinfo.yaml', 'test/live/fixtures/bookinfo-live-chaos.yaml'];
const LOAD = 'test/live/fixtures/bookinfo-live-load.yaml';

function scenario(policyFile: string): ScenarioSpec {
  const bundle = loadFiles([...FILES, policyFile]);
  const load = parseDocuments(readFileSync(LOAD, 'utf8'), LOAD)[0].value as LoadProfileSpec;
  return { ...scenarioFromBundle(bundle, { load }), name: `bookinfo [${policyFile.split('/').pop()}]` };
}

const pids = new Set<number>();
const ports = new Set<number>();
const dirs: string[] = [];

async function live(s: ScenarioSpec, frames: IntervalFrame[] = []): Promise<RunResult> {
  const backend = new ProcessBackend();
  const dir = mkdtempSync(join(tmpdir(), 'meshdojo-live-test-'));
  dirs.push(dir);
  const run = new LiveRun({
    scenario: s,
    backend,
    workDir: dir,
    onFrame: (f) => frames.push(f),
    onState: (st) => {
      if (st.startsWith('running')) for (const pid of Object.values(backend.pids())) pids.add(pid);
    },
  });
  const result = await run.run();
  // Every port of the run: apps, sidecars (inbound, outbound, admin) and fault-proxy listeners.
  for (const i of run.describe().instances) for (const p of i.ports) ports.add(p);
  return result;
}

afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const edge = (r: RunResult, from: string, to: string) => r.edges.find((e) => e.from === from && e.to === to)!;
const sum = (o: Record<string, number | undefined>): number =>
  Object.values(o).reduce<number>((n, v) => n + (v ?? 0), 0);

describe('Bookinfo live on the process backend', () => {
  const results: Record<string, { live: RunResult; sim: RunResult }> = {};
  const frames: IntervalFrame[] = [];

  it('sidecars only: the kill and the 2 s ratings delay show in the live report', async () => {
    const s = scenario('topologies/policies/bookinfo-sidecars.yaml');
    const r = await live(s, frames);
    results.sidecars = { live: r, sim: runScenario(s) };
    expect(r.mode).toBe('live');
    // Events: the chaos and the instance going down and coming back.
    const ev = r.events.map((e) => `${e.kind} ${e.subject}`);
    expect(ev).toContain('fault-start kill-reviews-v2');
    expect(ev).toContain('instance-down reviews-v2-0');
    expect(ev).toContain('instance-up reviews-v2-0');
    expect(ev).toContain('fault-start slow-ratings');
    expect(ev).toContain('fault-end slow-ratings');
    // Per-service figures: every service served, v2 served less (it was away for ≈ 5 of 15 s).
    expect(r.summary.requests).toBeGreaterThan(300);
    for (const svc of ['productpage', 'details', 'reviews', 'ratings'])
      expect(r.services[svc].requests).toBeGreaterThan(50);
    const v = r.services.reviews.versions!;
    expect(v.v2).toBeLessThan(v.v1);
    // The delay: ratings answers 2 s late at the callers, so the page's p99 is above 1.5 s.
    expect(edge(r, 'reviews', 'ratings').latencyMs.p99).toBeGreaterThan(1500);
    expect(r.summary.latencyMs.p99).toBeGreaterThan(1500);
    // The kill: tries to the dead pod failed (reset / connect failure) or were retried.
    const pr = edge(r, 'productpage', 'reviews');
    expect(sum(pr.attemptFailures) + pr.retries).toBeGreaterThan(0);
    // Streamed intervals, one per second of the run.
    expect(frames.length).toBeGreaterThanOrEqual(14);
    expect(frames[5].entry.requests).toBeGreaterThan(0);
  });

  it('bookinfo-resilient.yaml moves the outcome the way the simulator predicts', async () => {
    const s = scenario('topologies/policies/bookinfo-resilient.yaml');
    const r = await live(s);
    results.resilient = { live: r, sim: runScenario(s) };
    const base = results.sidecars;
    const res = results.resilient;
    const row = (name: string, get: (x: RunResult) => number) =>
      `${name.padEnd(28)} ${[base.live, res.live, base.sim, res.sim].map((x) => String(Math.round(get(x) * 100) / 100).padStart(10)).join(' ')}`;
    console.log(
      [
        `${'metric'.padEnd(28)} ${['live side', 'live resil', 'sim side', 'sim resil'].map((x) => x.padStart(10)).join(' ')}`,
        row('entry p50 ms', (x) => x.summary.latencyMs.p50),
        row('entry p99 ms', (x) => x.summary.latencyMs.p99),
        row('success rate %', (x) => x.summary.successRate * 100),
        row('degraded answers', (x) => x.summary.degraded),
        row('reviews→ratings failed', (x) => edge(x, 'reviews', 'ratings').failed),
        row('breaker opens', (x) => x.mesh.breakers.reduce((n, b) => n + b.opens, 0)),
      ].join('\n'),
    );
    // Direction: the resilient policy gives up on the slow ratings, so the page is much faster
    // and more often degraded — in the simulator and live alike.
    expect(res.sim.summary.latencyMs.p99).toBeLessThan(base.sim.summary.latencyMs.p99);
    expect(res.live.summary.latencyMs.p99).toBeLessThan(base.live.summary.latencyMs.p99);
    expect(res.live.summary.latencyMs.p99).toBeLessThan(base.live.summary.latencyMs.p99 / 2);
    expect(res.sim.summary.degraded).toBeGreaterThan(base.sim.summary.degraded);
    expect(res.live.summary.degraded).toBeGreaterThan(base.live.summary.degraded);
    // Causes: per-try timeouts and the breaker on reviews → ratings.
    const rr = edge(res.live, 'reviews', 'ratings');
    expect(
      (rr.failures['per-try-timeout'] ?? 0) +
        (rr.failures['breaker-open'] ?? 0) +
        (rr.failures['route-timeout'] ?? 0),
    ).toBeGreaterThan(0);
    expect(res.live.summary.successRate).toBeGreaterThan(0.95);
  });

  it('leaves nothing running: no child pid alive, every port free', async () => {
    expect(pids.size).toBeGreaterThanOrEqual(12);
    for (const pid of pids) expect(pidAlive(pid), `pid ${pid}`).toBe(false);
    expect(ports.size).toBeGreaterThan(10);
    for (const port of ports) expect(await portFree(port), `port ${port}`).toBe(true);
  });
});
