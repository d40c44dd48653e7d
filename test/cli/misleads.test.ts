/**
 * Issue #7 "what misleads today", through the real CLI: each item's new behaviour — exit codes, the
 * message, the files left on disk.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BIN, MM1_YAML, ROOT, runCli } from './helpers.ts';

const dir = mkdtempSync(join(tmpdir(), 'meshdojo-misleads-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const file = (name: string, text: string): string => {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
};
const mm1 = file('mm1.yaml', MM1_YAML);

describe('no PASSED without evidence', () => {
  it('a probe whose window the run never reaches is "no data" and does not hold (exit 1)', () => {
    const r = runCli([
      'run',
      'topologies/bookinfo.yaml',
      'chaos/bookinfo-ratings-slow.yaml',
      '--duration',
      '20s',
    ]);
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/verdict FAILED \(0\/2 checks held; 2 no data\)/);
    expect(r.stdout).not.toMatch(/PASSED/);
    expect(r.stdout).toMatch(/\?\s+page-ok .* no data/);
    expect(r.stderr).toMatch(/probe page-ok: .*no data/);
  });

  it('a run with nothing to check says so, with a hint, and is never PASSED (text, JSON, HTML)', () => {
    const text = runCli(['run', mm1, '--duration', '5s']);
    expect(text.status).toBe(0);
    expect(text.stdout).toMatch(/verdict NO CHECKS/);
    expect(text.stdout).toMatch(/add `thresholds`.*`steadyState`/);
    expect(text.stderr).toMatch(/note: nothing was checked/);
    const json = JSON.parse(runCli(['run', mm1, '--duration', '5s', '--format', 'json', '--quiet']).stdout);
    expect(json.verdict).toBe('no-checks');
    expect(json.passed).toBe(false);
    const html = runCli(['run', mm1, '--duration', '5s', '--format', 'html', '--quiet']).stdout;
    expect(html).toMatch(/class="verdict neutral"[^>]*>NO CHECKS</);
    expect(html).not.toMatch(/>PASSED</);
  });

  it('compare and sweep show "no checks", not passed', () => {
    const cmp = runCli([
      'compare',
      mm1,
      '--duration',
      '5s',
      '--vary',
      'load.rate=20,40',
      '--quiet',
      '--workers',
      '1',
    ]);
    expect(cmp.status).toBe(0);
    expect(cmp.stdout).toMatch(/verdict\s+no checks\s+no checks/);
    const sw = runCli([
      'sweep',
      mm1,
      '--duration',
      '5s',
      '--vary',
      'load.rate=20,40',
      '--quiet',
      '--workers',
      '1',
    ]);
    expect(sw.stdout).toMatch(/no checks/);
    expect(sw.stdout).not.toMatch(/\byes\b|passed/);
  });
});

describe('inputs that cannot do what they say', () => {
  it('warns, naming file:line, about a fault after the end, a probe window outside the run and a kill of too many', () => {
    const chaos = file(
      'chaos.yaml',
      `apiVersion: meshdojo/v1
kind: ChaosExperiment
metadata: { name: too-late }
spec:
  steadyState:
    - { name: late-probe, metric: successRate, min: 0.9, window: { from: 30s, to: 40s } }
  faults:
    - name: kill-all
      type: kill
      target: { service: server, count: 5 }
      at: 2s
      duration: 1s
    - { name: late, type: pause, target: { service: server }, at: 10s, duration: 1s }
`,
    );
    const r = runCli(['run', mm1, chaos, '--duration', '5s']);
    expect(r.stderr).toMatch(
      new RegExp(
        `warning: ${chaos}:13:\\d+ spec\\.faults\\[1\\]\\.at: fault late starts at 10 s, when the run \\(5 s\\) is over`,
      ),
    );
    expect(r.stderr).toMatch(
      new RegExp(
        `warning: ${chaos}:6:\\d+ spec\\.steadyState\\[0\\]\\.window\\.from: probe late-probe .* no data`,
      ),
    );
    expect(r.stderr).toMatch(
      new RegExp(
        `warning: ${chaos}:10:\\d+ spec\\.faults\\[0\\]\\.target\\.count: fault kill-all kills 5 instances, but the target has 1`,
      ),
    );
    expect(r.status).toBe(1); // the probe saw nothing
  });

  it('sweep without --vary is an error (exit 2), and an axis that changes nothing is a warning', () => {
    const none = runCli(['sweep', mm1, '--duration', '5s']);
    expect(none.status).toBe(2);
    expect(none.stderr).toMatch(/error: sweep: give at least one --vary/);
    // the M/M/1 never fails: retries can never fire, whatever their count
    const inert = runCli([
      'sweep',
      mm1,
      '--duration',
      '5s',
      '--vary',
      'server.retries.attempts=0..2',
      '--quiet',
      '--workers',
      '1',
    ]);
    expect(inert.status).toBe(0);
    expect(inert.stderr).toMatch(
      /warning: --vary server\.retries\.attempts: every value \(0, 1, 2\) gave an identical result/,
    );
    const live = runCli([
      'sweep',
      mm1,
      '--duration',
      '5s',
      '--vary',
      'load.rate=20,60',
      '--quiet',
      '--workers',
      '1',
    ]);
    expect(live.stderr).not.toMatch(/identical result/);
  });
});

describe('output files', () => {
  it('refuses to write over an input (exit 2) and leaves it as it was', () => {
    const copy = file('scenario.yaml', MM1_YAML);
    const r = runCli(['run', copy, '--duration', '5s', '--format', 'json', '--out', copy]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/--out .*scenario\.yaml: that is an input file/);
    expect(readFileSync(copy, 'utf8')).toBe(MM1_YAML);
    const pol = runCli(['run', mm1, '--duration', '5s', '--policy', copy, '--prometheus', copy]);
    expect(pol.status).toBe(2);
    expect(readFileSync(copy, 'utf8')).toBe(MM1_YAML);
  });

  it('refuses the same path for two outputs, and an unwritable one, before the run (nothing written)', () => {
    const out = join(dir, 'same.json');
    const r = runCli(['run', mm1, '--duration', '5s', '--out', out, '--traces-out', out]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/--traces-out .*same\.json: the same file as --out/);
    expect(existsSync(out)).toBe(false);
    const bad = runCli([
      'run',
      mm1,
      '--duration',
      '1h',
      '--out',
      join(dir, 'report.txt'),
      '--access-log',
      join(dir, 'nope', 'a.log'),
    ]);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/cannot write .*a\.log \(--access-log\): no such directory/);
    expect(existsSync(join(dir, 'report.txt'))).toBe(false);
  });
});

describe('huge runs', () => {
  it('estimates from a short calibration and refuses above the limit unless --yes', () => {
    const huge = file('huge.yaml', MM1_YAML.replace(/rate: \d+/, 'rate: 10000000'));
    const t0 = Date.now();
    const r = runCli(['run', huge, '--duration', '1h']);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/estimate: ~3\.\d·10¹⁰ requests, ~\d\.\d·10¹¹ events, ~\d+h.* of wall time/);
    expect(r.stderr).toMatch(/pass --yes to run it anyway\. Nothing was written/);
    expect(Date.now() - t0).toBeLessThan(30_000);
  });

  it('prints a heartbeat line without a terminal, and Ctrl-C stops with one line and nothing written', async () => {
    const out = join(dir, 'interrupted.txt');
    const child = spawn(process.execPath, [BIN, 'run', mm1, '--duration', '200h', '--yes', '--out', out], {
      cwd: ROOT,
      env: { ...process.env, MESHDOJO_HEARTBEAT_MS: '300', NO_COLOR: '1' },
    });
    let stderr = '';
    child.stderr.on('data', (b: Buffer) => {
      stderr += b.toString();
    });
    await new Promise<void>((resolve) => {
      const poll = setInterval(() => {
        if (/meshdojo: simulated .* of 200h/.test(stderr)) {
          clearInterval(poll);
          resolve();
        }
      }, 50);
    });
    child.kill('SIGINT');
    const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
    expect(code).toBe(130);
    expect(stderr).toMatch(/meshdojo: simulated \S+ of 200h00m00s \(\d+\.\d%\), wall/);
    expect(stderr).toMatch(/interrupted at .* simulated — nothing written\n$/);
    expect(existsSync(out)).toBe(false);
  }, 60_000);
});

describe('in-flight work', () => {
  it('shows sent / completed / in flight and flags a service stuck at the end', () => {
    const chaos = file(
      'pause.yaml',
      `apiVersion: meshdojo/v1
kind: ChaosExperiment
metadata: { name: pause-late }
spec:
  faults:
    - { name: freeze, type: pause, target: { service: server }, at: 10s }
`,
    );
    const r = runCli(['run', mm1, chaos, '--duration', '20s', '--format', 'json', '--quiet']);
    const j = JSON.parse(r.stdout);
    expect(j.summary.arrived).toBeGreaterThan(j.summary.requests);
    expect(j.summary.inFlight).toBe(j.summary.arrived - j.summary.requests);
    expect(j.summary.inFlight).toBeGreaterThan(300); // ~50/s for 10 s
    expect(j.services.server.inFlight).toBeGreaterThan(0);
    expect(j.services.server.stuckSinceMs).toBeGreaterThanOrEqual(9_000);
    expect(j.services.server.stuckSinceMs).toBeLessThanOrEqual(11_000);
    const text = runCli(['run', mm1, chaos, '--duration', '20s', '--quiet']).stdout;
    expect(text).toMatch(/⚠ server: [\d,]+ requests stuck in flight at the end, none completed since 00:1\d/);
    expect(text).toMatch(/server was stuck at the end/);
  });

  it('common-random-number variants send the same entry requests', () => {
    const r = runCli([
      'compare',
      mm1,
      '--duration',
      '10s',
      '--vary',
      'topology.server.concurrency=1,2',
      '--format',
      'json',
      '--quiet',
      '--workers',
      '1',
    ]);
    const j = JSON.parse(r.stdout);
    expect(j.variants[0].metrics.arrived).toBe(j.variants[1].metrics.arrived);
  });
});

describe('formatting for a projector', () => {
  it('fits 100 columns, humanises, shows "-" for none, and has no float noise in JSON deltas', () => {
    const r = runCli([
      'run',
      'topologies/bookinfo.yaml',
      'chaos/bookinfo-ratings-slow.yaml',
      '--policy',
      'topologies/policies/bookinfo-resilient.yaml',
      '--quiet',
    ]);
    for (const line of r.stdout.split('\n')) expect(line.length).toBeLessThanOrEqual(100);
    expect(r.stdout).not.toMatch(/\d{5,}\.\d+ ms|every \d{4,} ms|of -1|\b0 DC\b/);
    expect(r.stdout).toMatch(/half-open after 5 s/);
    const wide = runCli(['run', 'topologies/bookinfo.yaml', '--duration', '10s', '--wide', '--quiet']);
    expect(wide.stdout).toMatch(/side effects \(dup\)/);
    const cmp = runCli([
      'compare',
      mm1,
      '--duration',
      '5s',
      '--vary',
      'load.rate=20,37',
      '--format',
      'json',
      '--quiet',
      '--workers',
      '1',
    ]);
    const deltas = JSON.parse(cmp.stdout).variants[1].delta as Record<string, number>;
    for (const v of Object.values(deltas)) expect(String(v)).not.toMatch(/\d\.\d{7,}/);
  });

  it('colours on request (FORCE_COLOR) and never with NO_COLOR', () => {
    const run = (env: Record<string, string>) =>
      spawnSync(process.execPath, [BIN, 'run', mm1, '--duration', '2s', '--quiet'], {
        cwd: ROOT,
        encoding: 'utf8',
        env: { ...process.env, NO_COLOR: '', FORCE_COLOR: '', ...env },
      }).stdout;
    expect(run({ FORCE_COLOR: '1' })).toContain('\x1b[');
    expect(run({ FORCE_COLOR: '1', NO_COLOR: '1' })).not.toContain('\x1b[');
  });
});
