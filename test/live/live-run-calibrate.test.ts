/** `meshdojo live calibrate`: a measured `local` profile the simulator then uses; a clear error without it. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadFiles } from '../../simulator/cli/files.ts';
import { scenarioFromBundle } from '../../simulator/cli/scenario.ts';
import { loadLocalProfile, measureLocalProfile } from '../../simulator/cli/calibrate.ts';
import { runMany } from '../../simulator/cli/pool.ts';
import { getProfile } from '../../simulator/sim/profiles.ts';
import { runScenario } from '../../simulator/sim/run.ts';

describe('live calibrate', () => {
  it('without a calibration file, profile local says to run calibrate', () => {
    const dir = mkdtempSync(join(tmpdir(), 'md-cal-'));
    process.env.MESHDOJO_LOCAL_PROFILE = join(dir, 'none.json');
    try {
      expect(() => loadLocalProfile('a MeshPolicy of x.yaml')).toThrow(/run `meshdojo live calibrate` first/);
    } finally {
      delete process.env.MESHDOJO_LOCAL_PROFILE;
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('measures one sidecar traversal and the simulator runs with the local profile (here and on workers)', async () => {
    const file = await measureLocalProfile({ requests: 100, rounds: 1, note: () => undefined });
    const m = file.measured;
    expect(m.sidecar.p50).toBeGreaterThan(0);
    expect(m.direct.p50).toBeGreaterThan(0);
    expect(m.cpuMsPerRequest).toBeGreaterThan(0);
    expect(m.rssMb).toBeGreaterThan(10);
    expect(file.profile.proxy!.latency.dist).toBe('lognormal');
    console.log(
      `calibrated: +${m.added.p50} ms p50, +${m.added.p99} ms p99 per traversal, ${m.cpuMsPerRequest} ms CPU, ${m.rssMb} MB`,
    );

    const dir = mkdtempSync(join(tmpdir(), 'md-cal-'));
    process.env.MESHDOJO_LOCAL_PROFILE = join(dir, 'profile-local.json');
    try {
      writeFileSync(process.env.MESHDOJO_LOCAL_PROFILE, JSON.stringify(file));
      loadLocalProfile('test');
      expect(getProfile('local').proxy!.cpuMsPerRequest).toBe(m.cpuMsPerRequest);
      const s = scenarioFromBundle(
        loadFiles(['topologies/bookinfo.yaml', 'test/live/fixtures/policy-local.yaml']),
        {
          duration: 2000,
        },
      );
      const here = runScenario(s);
      expect(here.mesh.profile).toBe('local');
      expect(here.mesh.proxies).toBeGreaterThan(0);
      const [there] = await runMany([s], { workers: 1 });
      expect(there.hash).toBe(here.hash);
    } finally {
      delete process.env.MESHDOJO_LOCAL_PROFILE;
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
