import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { MM1_YAML, runCli } from './helpers.ts';

const dir = mkdtempSync(join(tmpdir(), 'meshdojo-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const mm1 = join(dir, 'mm1.yaml');
writeFileSync(mm1, MM1_YAML);
const bad = join(dir, 'bad.yaml');
writeFileSync(bad, MM1_YAML.replace('concurrency: 1', 'concurrency: -1'));
const topologyOnly = join(dir, 'topology-only.yaml');
writeFileSync(topologyOnly, MM1_YAML.split('---')[0]);

const STACK_LINE = /^\s{4}at /m;

describe('meshdojo (no simulator needed)', () => {
  it('--help exits 0 and lists the commands', () => {
    const r = runCli(['--help']);
    expect(r.status).toBe(0);
    for (const cmd of ['run', 'validate', 'compare', 'sweep']) expect(r.stdout).toContain(cmd);
  });

  it('run --help lists the flags', () => {
    const r = runCli(['run', '--help']);
    expect(r.status).toBe(0);
    for (const flag of [
      '--seed',
      '--duration',
      '--policy',
      '--format',
      '--out',
      '--traces',
      '--access-log',
      '--prometheus',
      '--quiet',
    ]) {
      expect(r.stdout).toContain(flag);
    }
  });

  it('validate: a good file exits 0 with its kinds', () => {
    const r = runCli(['validate', mm1]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^ok {2}.*mm1\.yaml: .*Topology.*LoadProfile/m);
  });

  it('validate: a bad file exits 2 with file:line and no stack trace', () => {
    const r = runCli(['validate', bad]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^error: /);
    expect(r.stderr).toMatch(/bad\.yaml:\d+/);
    expect(r.stderr).toMatch(/concurrency/);
    expect(r.stderr).not.toMatch(STACK_LINE);
  });

  it('a missing file exits 2 with "cannot read"', () => {
    for (const cmd of ['validate', 'run']) {
      const r = runCli([cmd, join(dir, 'nope.yaml')]);
      expect(r.status).toBe(2);
      expect(r.stderr).toBe(`error: cannot read ${join(dir, 'nope.yaml')}: no such file\n`);
    }
  });

  it('run without a load profile exits 2', () => {
    const r = runCli(['run', topologyOnly, '--quiet']);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^error: no load profile/);
    expect(r.stderr).not.toMatch(STACK_LINE);
  });

  it('bad flags exit 2', () => {
    expect(runCli(['run', mm1, '--format', 'pdf']).status).toBe(2);
    expect(runCli(['run', mm1, '--no-such-flag']).status).toBe(2);
    const seed = runCli(['run', mm1, '--seed', 'abc']);
    expect(seed.status).toBe(2);
    expect(seed.stderr).toMatch(/--seed/);
    const dur = runCli(['run', mm1, '--duration', '10']);
    expect(dur.status).toBe(2);
    expect(dur.stderr).toMatch(/--duration/);
  });

  it('sweep with an unknown key exits 2 before running anything', () => {
    const r = runCli(['sweep', mm1, '--vary', 'server.retries.attemps=1,2', '--quiet']);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/unknown policy field retries\.attemps/);
    const svc = runCli(['sweep', mm1, '--vary', 'ratings.retries.attempts=1,2', '--quiet']);
    expect(svc.status).toBe(2);
    expect(svc.stderr).toMatch(/no service ratings/);
  });
});

describe('meshdojo run (simulator)', () => {
  it('run --format json prints the RunResult', () => {
    const r = runCli(['run', mm1, '--format', 'json', '--quiet']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const result = JSON.parse(r.stdout) as Record<string, unknown> & {
      summary: { latencyMs: { p99: number } };
    };
    expect(result.seed).toBe(1);
    expect(result.durationMs).toBe(20_000);
    expect(result.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(result.summary.latencyMs.p99).toBeGreaterThan(0);
    expect(result.services).toHaveProperty('server');
    expect(Array.isArray(result.edges)).toBe(true);
    expect(result).not.toHaveProperty('wall');
  });

  it('is deterministic and honours --seed and --duration', () => {
    const a = JSON.parse(runCli(['run', mm1, '--format', 'json', '--seed', '7', '--duration', '5s']).stdout);
    const b = JSON.parse(runCli(['run', mm1, '--format', 'json', '--seed', '7', '--duration', '5s']).stdout);
    expect(a.seed).toBe(7);
    expect(a.durationMs).toBe(5000);
    expect(a.hash).toBe(b.hash);
  });

  it('--out writes the report atomically (no temp file left) and text goes to stdout', () => {
    const out = join(dir, 'report.html');
    const r = runCli(['run', mm1, '--format', 'html', '--out', out, '--duration', '5s']);
    expect(r.status).toBe(0);
    expect(r.stdout).toBe('');
    expect(readFileSync(out, 'utf8')).toMatch(/<html/i);
    expect(readdirSync(dir).filter((f) => f.includes('.tmp-'))).toEqual([]);
    const text = runCli(['run', mm1, '--duration', '5s']);
    expect(text.status).toBe(0);
    expect(text.stdout.length).toBeGreaterThan(0);
  });

  it('writes traces, access log and Prometheus text', () => {
    const traces = join(dir, 'traces.json');
    const log = join(dir, 'access.log');
    const prom = join(dir, 'metrics.prom');
    const r = runCli([
      'run',
      mm1,
      '--duration',
      '5s',
      '--sampling',
      '1',
      '--quiet',
      '--traces',
      'jaeger',
      '--traces-out',
      traces,
      '--access-log',
      log,
      '--prometheus',
      prom,
    ]);
    expect(r.status).toBe(0);
    expect(() => JSON.parse(readFileSync(traces, 'utf8'))).not.toThrow();
    expect(existsSync(log)).toBe(true);
    expect(readFileSync(prom, 'utf8')).toMatch(/^# (HELP|TYPE) /m);
  });

  it('compare and sweep run variants on workers', () => {
    const cmp = runCli([
      'compare',
      mm1,
      '--duration',
      '5s',
      '--quiet',
      '--vary',
      'topology.server.concurrency=1,2',
    ]);
    expect(cmp.status).toBe(0);
    expect(cmp.stdout).toMatch(/success rate/);
    const sw = runCli([
      'sweep',
      mm1,
      '--duration',
      '5s',
      '--quiet',
      '--format',
      'json',
      '--workers',
      '2',
      '--vary',
      'server.retries.attempts=0..1',
      '--vary',
      'server.timeout=250ms,1s',
    ]);
    expect(sw.status).toBe(0);
    const json = JSON.parse(sw.stdout) as { variants: { values: Record<string, string> }[] };
    expect(json.variants).toHaveLength(4);
    expect(json.variants[3].values).toEqual({ 'server.retries.attempts': '1', 'server.timeout': '1s' });
  });
});
