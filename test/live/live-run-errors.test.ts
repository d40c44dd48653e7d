/** A live run fails clearly, never hangs: a unit that exits at start, one that never gets healthy; nothing is left behind. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadFiles } from '../../simulator/cli/files.ts';
import { scenarioFromBundle } from '../../simulator/cli/scenario.ts';
import { ProcessBackend } from '../../simulator/live/backend/process.ts';
import { LiveRun, LiveRunError } from '../../simulator/live/run/orchestrator.ts';
import { pidAlive } from '../../simulator/live/pid-alive.ts';

function scenario() {
  const s = scenarioFromBundle(loadFiles(['topologies/mm1.yaml']), { duration: 3000 });
  return {
    ...s,
    policies: [
      {
        name: 'mesh',
        dataPlane: { mode: 'sidecar' as const },
        destinations: [],
        security: { authorization: [] },
        canaries: [],
      },
    ],
  };
}

async function failing(
  sidecarEntry: string,
  startTimeoutMs: number,
): Promise<{ err: LiveRunError; states: string[]; pids: number[] }> {
  const backend = new ProcessBackend();
  const dir = mkdtempSync(join(tmpdir(), 'meshdojo-live-err-'));
  const states: string[] = [];
  const pids: number[] = [];
  const run = new LiveRun({
    scenario: scenario(),
    backend,
    workDir: dir,
    sidecarEntry,
    startTimeoutMs,
    onState: (s) => {
      states.push(s);
      pids.push(...Object.values(backend.pids()));
    },
  });
  try {
    await run.run();
    throw new Error('the run should have failed');
  } catch (err) {
    pids.push(...Object.values(backend.pids()));
    return { err: err as LiveRunError, states, pids };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('live run errors', () => {
  it('a unit exiting at start: the error names it and shows its stderr tail (port in use)', async () => {
    const { err, states, pids } = await failing('test/live/fixtures/crash-unit.ts', 60_000);
    expect(err).toBeInstanceOf(LiveRunError);
    expect(err.message).toMatch(/\.sidecar exited with code 2 while starting \(a port it needs is in use\)/);
    expect(err.message).toContain('EADDRINUSE');
    expect(states).toContain('starting');
    expect(states.at(-1)).toBe('failed');
    for (const pid of pids) expect(pidAlive(pid)).toBe(false);
  });

  it('a unit that never answers its health check fails the run within its bound', async () => {
    const t0 = Date.now();
    const { err, pids } = await failing('test/live/fixtures/silent-unit.ts', 4000);
    expect(err.message).toMatch(/did not pass its health check .* within \d+ s/);
    expect(err.message).toContain('silent unit: up, not listening');
    expect(Date.now() - t0).toBeLessThan(60_000); // bounded (generous: the machine is shared)
    for (const pid of pids) expect(pidAlive(pid)).toBe(false);
  });
});
