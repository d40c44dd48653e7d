/**
 * The pre-built CLI bundle (dist/meshdojo.mjs) runs the same simulation as the tsx path: the same
 * hash for the default Bookinfo run, and a sweep (the worker pool loads the bundle too).
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { BIN, ROOT } from './helpers.ts';

function meshdojo(args: string[], env: Record<string, string> = {}) {
  return spawnSync(process.execPath, [BIN, ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env, ...env },
  });
}

const hashOf = (stdout: string): string => {
  const doc = JSON.parse(stdout) as { hash?: string };
  expect(doc.hash).toMatch(/^[0-9a-f]{64}$/);
  return doc.hash!;
};

describe('pre-built bundle', () => {
  it('is built (npm run build) and gives the same hash as the tsx path', () => {
    const build = spawnSync(process.execPath, ['scripts/build-bundle.mjs'], { cwd: ROOT, encoding: 'utf8' });
    expect(build.status, build.stderr).toBe(0);
    // The entry and the chunks it splits into (scripts/build-bundle.mjs) hold the whole program.
    const built = readdirSync(`${ROOT}dist`).filter((f) => /^(meshdojo|chunk-.*)\.mjs$/.test(f));
    expect(built).toContain('meshdojo.mjs');
    const bytes = built.reduce((sum, f) => sum + statSync(`${ROOT}dist/${f}`).size, 0);
    expect(bytes).toBeGreaterThan(100_000);
    const args = ['run', 'topologies/bookinfo.yaml', '--format', 'json', '--quiet'];
    const viaBundle = meshdojo(args, { MESHDOJO_REQUIRE_BUNDLE: '1' });
    const viaTsx = meshdojo(args, { MESHDOJO_NO_BUNDLE: '1' });
    expect(viaBundle.status, viaBundle.stderr).toBe(0);
    expect(viaTsx.status, viaTsx.stderr).toBe(0);
    expect(hashOf(viaBundle.stdout)).toBe(hashOf(viaTsx.stdout));
  });

  it('loads none of the live machinery for a run (the live commands are split off)', () => {
    // The packages a `run` must not load at start-up; each is imported by a live command.
    const live = ['@peculiar/x509', 'toxiproxy-node-client', 'dockerode'];
    const probe = spawnSync(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `import { createRequire } from 'node:module';
await import(${JSON.stringify(`${ROOT}dist/meshdojo.mjs`)});
const loaded = Object.keys(createRequire(import.meta.url).cache);
process.stdout.write(JSON.stringify({ loaded }));`,
      ],
      { cwd: ROOT, encoding: 'utf8' },
    );
    expect(probe.status, probe.stderr).toBe(0);
    const { loaded } = JSON.parse(probe.stdout) as { loaded: string[] };
    // The probe sees the packages the bundle does load (yaml, commander), so an empty list is no pass.
    expect(loaded.some((f) => f.includes('/node_modules/yaml/'))).toBe(true);
    for (const pkg of live) expect(loaded.filter((f) => f.includes(`/node_modules/${pkg}/`))).toEqual([]);
  });

  it('runs a sweep on worker threads that load the bundle', () => {
    const r = meshdojo(
      [
        'sweep',
        'topologies/bookinfo.yaml',
        '--vary',
        'ratings.timeout=250ms,1s',
        '--duration',
        '5s',
        '--quiet',
      ],
      { MESHDOJO_REQUIRE_BUNDLE: '1' },
    );
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain('250ms');
    expect(r.stdout).toContain('1s');
  });
});
