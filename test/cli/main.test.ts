/** main() in-process with a stubbed simulator: exit codes 1 and 3, and what goes to stdout/stderr. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { fakeResult, MM1_YAML } from './helpers.ts';

const stub = vi.hoisted(() => ({ mode: 'pass' as 'pass' | 'fail' | 'crash' }));

vi.mock('../../simulator/sim/run.ts', () => {
  const runScenario = (s: { name: string; seed: number }) => {
    if (stub.mode === 'crash')
      throw new TypeError('cannot read properties of undefined (the simulator broke)');
    const r = fakeResult({ name: s.name, seed: s.seed });
    if (stub.mode === 'fail') {
      return {
        ...r,
        passed: false,
        verdict: 'failed',
        thresholds: [
          {
            metric: 'http_req_duration',
            source: 'p(99)<10',
            ok: false,
            status: 'violated',
            observed: 40,
            unit: 'ms',
          },
        ],
      };
    }
    return { ...r, wall: { elapsedMs: 1, eventsPerSecond: 1, callsPerSecond: 1 } };
  };
  return {
    runScenario,
    scenarioDuration: () => 20_000,
    // The CLI drives a run in slices: a stepper whose finish() is the stubbed run.
    startScenario: (s: { name: string; seed: number }) => ({
      durationMs: 20_000,
      now: 20_000,
      events: 0,
      requestsSent: 0,
      advance() {},
      finish: () => runScenario(s),
    }),
  };
});

const { main } = await import('../../simulator/cli/main.ts');

const dir = mkdtempSync(join(tmpdir(), 'meshdojo-main-'));
const mm1 = join(dir, 'mm1.yaml');
writeFileSync(mm1, MM1_YAML);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let out = '';
let err = '';
beforeEach(() => {
  out = '';
  err = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    out += String(chunk);
    return true;
  });
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    err += String(chunk);
    return true;
  });
});
afterEach(() => vi.restoreAllMocks());

const cli = (...args: string[]) => main(['node', 'meshdojo', ...args]);

describe('main (stubbed simulator)', () => {
  it('exits 0 and prints the JSON without `wall` unless --wall', async () => {
    stub.mode = 'pass';
    expect(await cli('run', mm1, '--format', 'json', '--quiet')).toBe(0);
    expect(JSON.parse(out)).not.toHaveProperty('wall');
    out = '';
    expect(await cli('run', mm1, '--format', 'json', '--quiet', '--wall')).toBe(0);
    expect(JSON.parse(out)).toHaveProperty('wall');
  });

  it('exits 1 when a threshold failed, naming it on stderr', async () => {
    stub.mode = 'fail';
    expect(await cli('run', mm1, '--format', 'json')).toBe(1);
    expect(err).toMatch(/failed: threshold http_req_duration p\(99\)<10 \(observed 40.0 ms\)/);
  });

  it('exits 3 with the stack on an internal error', async () => {
    stub.mode = 'crash';
    expect(await cli('run', mm1)).toBe(3);
    expect(err).toMatch(/^internal error/);
    expect(err).toMatch(/TypeError: cannot read properties of undefined/);
    expect(err).toMatch(/^\s{4}at /m);
  });

  it('exits 2 when --traces has no --traces-out, and when the output directory does not exist', async () => {
    stub.mode = 'pass';
    expect(await cli('run', mm1, '--traces', 'otlp', '--quiet')).toBe(2);
    expect(err).toMatch(/--traces needs --traces-out/);
    expect(await cli('run', mm1, '--quiet', '--out', join(dir, 'no', 'such', 'dir', 'r.txt'))).toBe(2);
    expect(err).toMatch(/cannot write .*r\.txt \(--out\): no such directory/);
  });

  it('compare needs variants and refuses both kinds at once', async () => {
    expect(await cli('compare', mm1)).toBe(2);
    expect(err).toMatch(/at least one --variant/);
    expect(await cli('compare', mm1, '--variant', 'a=', '--vary', 'load.rate=1,2')).toBe(2);
    expect(err).toMatch(/either --variant or --vary/);
  });
});
