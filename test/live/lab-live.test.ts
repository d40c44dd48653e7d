/**
 * Issue 11, acceptance 4: `meshdojo lab check --backend process|docker` grades a lab step on a
 * live run. Labs 2 (circuit breaker) and 6 (canary): every reference solution passes on live data
 * on the process backend, and one step of each lab on docker (the figures are printed). That a
 * check can fail at all is proven for every lab and step by test/labs/labs.test.ts; live, lab 2's
 * starting files also fail on a measured behaviour check on the process backend. The rest is not
 * run live because of time alone: a lab 6 run is the lab's full 120 s at 200 req/s, and the suite
 * runs its files one at a time on a 2-core machine (CI must end within the hour). The docker runs
 * skip, saying why, where no engine answers; they leave no container of the run (found by the
 * owner-pid label) and remove the node image if they built it.
 */
import { execFile } from 'node:child_process';
import { join, resolve } from 'node:path';
import type Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LABEL_OWNER } from '../../simulator/live/docker/containers.ts';
import { connectDocker } from '../../simulator/live/docker/engine.ts';
import { nodeImageTag } from '../../simulator/live/docker/node-image.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const BIN = join(ROOT, 'bin/meshdojo.mjs');
const LAB2 = 'labs/02-circuit-breaker';

let docker: Docker | null = null;
try {
  docker = await connectDocker();
} catch (err) {
  console.log(`skipping the docker lab checks: ${(err as Error).message}`);
}

interface Grade {
  passed: boolean;
  checks: { name: string; ok: boolean; observed: string; expected: string }[];
}

function meshdojo(args: string[]): Promise<{ code: number; stdout: string; stderr: string; pid: number }> {
  return new Promise((done) => {
    const child = execFile(
      process.execPath,
      [BIN, ...args],
      { cwd: ROOT, timeout: 240_000, maxBuffer: 1 << 24 },
      (err, stdout, stderr) => {
        const code = err ? (err as { code?: unknown }).code : 0;
        done({ code: typeof code === 'number' ? code : 99, stdout, stderr, pid: child.pid! });
      },
    );
  });
}

interface Case {
  step: number;
  start: string;
  solution: string;
  /** Whether the starting files also run live on the process backend (the header says why not all). */
  startLive: boolean;
  /** Whether this step also runs on docker. */
  docker: boolean;
}
const LAB6 = 'labs/06-canary';
const LABS: Record<string, Case[]> = {
  'circuit-breaker': [
    {
      step: 1,
      start: `${LAB2}/start/policy.yaml`,
      solution: `${LAB2}/solution/fail-fast/policy.yaml`,
      startLive: true,
      docker: false,
    },
    {
      step: 2,
      start: `${LAB2}/start/policy.yaml`,
      solution: `${LAB2}/solution/recover/policy.yaml`,
      startLive: true,
      docker: true,
    },
  ],
  canary: [
    {
      step: 1,
      start: `${LAB6}/start/policy.yaml`,
      solution: `${LAB6}/solution/rollout/policy.yaml`,
      startLive: false,
      docker: false,
    },
    {
      step: 2,
      start: `${LAB6}/start/policy.yaml`,
      solution: `${LAB6}/solution/bad-canary/policy.yaml`,
      startLive: false,
      docker: true,
    },
  ],
};

async function liveCheck(backend: string, lab: string, step: number, file: string): Promise<Grade> {
  const args = ['lab', 'check', lab, '--step', String(step), file];
  const r = await meshdojo([...args, '--backend', backend, '--format', 'json']);
  if (r.code !== 0 && r.code !== 1) console.log(r.stderr);
  expect([0, 1]).toContain(r.code);
  expect(r.stderr).toMatch(new RegExp(`live run on the ${backend} backend`));
  const g = JSON.parse(r.stdout) as Grade;
  console.log(
    `${backend} ${lab} step ${step} ${file}: ${g.passed ? 'PASSED' : 'NOT YET'}\n` +
      g.checks
        .map((c) => `  ${c.ok ? '✓' : '✗'} ${c.name}: ${c.observed} (expected ${c.expected})`)
        .join('\n'),
  );
  expect(r.code).toBe(g.passed ? 0 : 1);
  if (docker && backend === 'docker') {
    const left = await docker.listContainers({ all: true, filters: { label: [`${LABEL_OWNER}=${r.pid}`] } });
    expect(left).toEqual([]);
  }
  return g;
}

console.log(
  'lab-live: live runs of the starting files for lab 2 on the process backend only, and on docker one step per lab (why: the header of test/live/lab-live.test.ts)',
);
/** A lab 6 run is 120 s of live traffic plus start-up: past vitest's default bound. */
const LIVE_CHECK_TIMEOUT = 300_000;

function labCases(backend: string, lab: string): void {
  for (const c of LABS[lab]) {
    if (backend === 'docker' && !c.docker) continue;
    if (c.startLive && backend === 'process')
      it(
        `step ${c.step}: the starting files fail on live data`,
        { timeout: LIVE_CHECK_TIMEOUT },
        async () => {
          const g = await liveCheck(backend, lab, c.step, c.start);
          expect(g.passed).toBe(false);
          // Not only the policy check: a behaviour check failed on measured data.
          const behaviour = g.checks.filter((x) => !x.ok && !/\.\S+ is (not )?set$/.test(x.observed));
          expect(behaviour.length).toBeGreaterThan(0);
          for (const x of behaviour) expect(x.observed).not.toMatch(/no data/);
        },
      );
    it(
      `step ${c.step}: the reference solution passes on live data`,
      { timeout: LIVE_CHECK_TIMEOUT },
      async () => {
        const g = await liveCheck(backend, lab, c.step, c.solution);
        expect(g.checks.length).toBeGreaterThan(1);
        for (const x of g.checks) expect(x.ok, `${x.name}: ${x.observed}`).toBe(true);
        expect(g.passed).toBe(true);
      },
    );
  }
}

for (const lab of Object.keys(LABS))
  describe(`lab ${lab} graded live on the process backend`, () => labCases('process', lab));

describe.skipIf(!docker)('labs graded live on the docker backend', () => {
  let hadImage = true;
  const tag = nodeImageTag();
  beforeAll(async () => {
    hadImage = (await docker!.listImages({ filters: { reference: [tag] } })).length > 0;
  });
  afterAll(async () => {
    if (!hadImage)
      await docker!
        .getImage(tag)
        .remove({ force: true })
        .catch(() => undefined);
  });
  for (const lab of Object.keys(LABS)) describe(lab, () => labCases('docker', lab));
});
