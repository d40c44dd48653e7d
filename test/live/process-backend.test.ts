/** The process backend: start, pause, resume, kill, restart, teardown — and nothing left behind. */
import http from 'node:http';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ProcessBackend } from '../../simulator/live/backend/process.ts';
import { freePort, portFree } from '../../simulator/live/backend/ports.ts';
import type { UnitExit } from '../../simulator/live/contract.ts';
import type { StubConfig } from '../../simulator/live/stub/config.ts';
import { pidAlive } from '../../simulator/live/pid-alive.ts';

const backend = new ProcessBackend();
afterAll(() => backend.teardown());

function get(port: number, timeoutMs: number): Promise<number> {
  return new Promise((resolve) => {
    const req = http.get(
      { host: '127.0.0.1', port, path: '/healthz', agent: false, timeout: timeoutMs },
      (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      },
    );
    req.on('timeout', () => {
      req.destroy();
      resolve(-1);
    });
    req.on('error', () => resolve(0));
  });
}

async function healthy(port: number): Promise<void> {
  for (let i = 0; i < 300; i++) {
    if ((await get(port, 1000)) === 200) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`port ${port} never answered /healthz`);
}

describe('process backend', () => {
  it('runs a stub, pauses it (connections hang), resumes, kills (exit reported), restarts, tears down', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'meshdojo-pb-'));
    const port = await freePort();
    const cfg: StubConfig = {
      runId: 't',
      service: 'svc',
      instance: 'svc-v1-0',
      version: 'v1',
      port,
      concurrency: 1,
      queue: 1,
      endpoints: [],
      seed: 1,
      downstream: { mode: 'direct', endpoints: {} },
      log: join(dir, 'svc.jsonl'),
      epochMs: Date.now(),
    };
    writeFileSync(join(dir, 'svc.json'), JSON.stringify(cfg));
    const exits: UnitExit[] = [];
    backend.onExit((e) => exits.push(e));
    await backend.start({
      name: 'svc-v1-0.app',
      role: 'app',
      service: 'svc',
      instance: 'svc-v1-0',
      entry: 'simulator/live/stub/main.ts',
      args: [join(dir, 'svc.json')],
      env: {},
      healthUrl: `http://127.0.0.1:${port}/healthz`,
      group: 'svc-v1-0',
    });
    await healthy(port);
    const pid1 = backend.pids()['svc-v1-0.app'];
    expect(pidAlive(pid1)).toBe(true);

    await backend.pause('svc-v1-0');
    expect(await get(port, 500)).toBe(-1); // accepted by the kernel, never answered
    await backend.resume('svc-v1-0');
    expect(await get(port, 5000)).toBe(200);

    await backend.kill('svc-v1-0');
    expect(exits.map((e) => [e.name, e.signal])).toEqual([['svc-v1-0.app', 'SIGKILL']]);
    expect(await get(port, 1000)).toBe(0); // refused at once
    expect(pidAlive(pid1)).toBe(false);

    await backend.restart('svc-v1-0');
    await healthy(port);
    const pid2 = backend.pids()['svc-v1-0.app'];
    expect(pid2).not.toBe(pid1);
    expect(backend.usage().find((u) => u.name === 'svc-v1-0.app')?.rssMb).toBeGreaterThan(1);

    await backend.teardown();
    expect(pidAlive(pid2)).toBe(false);
    expect(await portFree(port)).toBe(true);
    expect(Object.keys(backend.pids())).toEqual([]);
  });

  it('a unit that cannot start reports its exit with its stderr tail', async () => {
    const b = new ProcessBackend();
    const exits: UnitExit[] = [];
    b.onExit((e) => exits.push(e));
    await b.start({
      name: 'bad.app',
      role: 'app',
      service: 'bad',
      instance: 'bad-0',
      entry: 'simulator/live/stub/main.ts',
      args: ['/nonexistent/config.json'],
      env: {},
      healthUrl: 'http://127.0.0.1:1/healthz',
      group: 'bad-0',
    });
    for (let i = 0; i < 200 && exits.length === 0; i++) await new Promise((r) => setTimeout(r, 50));
    await b.teardown();
    expect(exits[0].code).toBe(1);
    expect(exits[0].stderrTail).toContain('ENOENT');
  });
});
