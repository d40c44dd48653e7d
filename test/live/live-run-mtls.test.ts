/**
 * Acceptance 3 in a live run (child processes on the process backend): a policy with `strict`
 * mTLS makes the run hand every sidecar a workload certificate from its local CA, with no flag;
 * the sidecars speak TLS to each other (strict refuses plain text, so every answer is proof),
 * an allowed identity is served and a denied one gets 403 with cause `denied`. Nothing is left
 * running afterwards.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadFiles } from '../../simulator/cli/files.ts';
import { scenarioFromBundle } from '../../simulator/cli/scenario.ts';
import { ProcessBackend } from '../../simulator/live/backend/process.ts';
import { portFree } from '../../simulator/live/backend/ports.ts';
import type { SidecarConfig } from '../../simulator/live/contract.ts';
import { LiveRun } from '../../simulator/live/run/orchestrator.ts';
import type { MeshPolicySpec, ScenarioSpec } from '../../simulator/model/types.ts';
import type { RunResult } from '../../simulator/telemetry/types.ts';
import { pidAlive } from '../../simulator/live/pid-alive.ts';

const FIXTURE = 'test/live/fixtures/mtls-pair.yaml';
const pids = new Set<number>();
const ports = new Set<number>();
const dirs: string[] = [];

afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function scenario(policies?: (p: MeshPolicySpec) => MeshPolicySpec): ScenarioSpec {
  const s = scenarioFromBundle(loadFiles([FIXTURE]));
  return policies ? { ...s, policies: s.policies.map(policies) } : s;
}

async function live(s: ScenarioSpec): Promise<{ result: RunResult; configs: SidecarConfig[] }> {
  const backend = new ProcessBackend();
  const dir = mkdtempSync(join(tmpdir(), 'meshdojo-live-mtls-'));
  dirs.push(dir);
  const configs: SidecarConfig[] = [];
  const run = new LiveRun({
    scenario: s,
    backend,
    workDir: dir,
    onState: (st) => {
      if (!st.startsWith('running')) return;
      for (const pid of Object.values(backend.pids())) pids.add(pid);
      if (configs.length === 0)
        for (const i of run.describe().instances)
          configs.push(
            JSON.parse(readFileSync(join(dir, `${i.name}.sidecar.json`), 'utf8')) as SidecarConfig,
          );
    },
  });
  const result = await run.run();
  for (const i of run.describe().instances) for (const p of i.ports) ports.add(p);
  return { result, configs };
}

describe('live run under strict mTLS (process backend)', () => {
  it('hands out workload certificates and serves the allowed identity over TLS', async () => {
    const { result, configs } = await live(scenario());
    // Certificates without any flag: every sidecar has its own SPIFFE identity from one CA.
    expect(configs.map((c) => c.service).sort()).toEqual(['api', 'web']);
    for (const c of configs) {
      expect(c.tls?.cert).toContain('-----BEGIN CERTIFICATE');
      expect(c.tls?.caCert).toBe(configs[0].tls?.caCert);
    }
    // Under strict a plain-text try would be refused (503 mtls): every call served means TLS.
    const e = result.edges.find((x) => x.from === 'web' && x.to === 'api')!;
    expect(e.requests).toBeGreaterThan(20);
    expect(e.failures).toEqual({});
    expect(result.summary.successRate).toBe(1);
  });

  it('a denied identity gets 403 (cause denied) through the same TLS hop', async () => {
    const deny = (p: MeshPolicySpec): MeshPolicySpec => ({
      ...p,
      security: { ...p.security, authorization: [{ to: 'api', allow: [{ from: 'nobody' }], deny: [] }] },
    });
    const { result } = await live(scenario(deny));
    const e = result.edges.find((x) => x.from === 'web' && x.to === 'api')!;
    expect(e.requests).toBeGreaterThan(20);
    expect(e.failures.denied).toBe(e.requests - (e.inFlight ?? 0));
    expect(e.failures.mtls).toBeUndefined();
    expect(result.summary.successRate).toBe(0);
  });

  it('leaves nothing running: no child pid alive, every port free', async () => {
    expect(pids.size).toBeGreaterThanOrEqual(4);
    for (const pid of pids) expect(pidAlive(pid), `pid ${pid}`).toBe(false);
    expect(ports.size).toBeGreaterThanOrEqual(8);
    for (const port of ports) expect(await portFree(port), `port ${port}`).toBe(true);
  });
});
