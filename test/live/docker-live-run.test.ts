/**
 * Issue 10, acceptance 2: Bookinfo live on the docker backend, with a kill (a real SIGKILL of a
 * reviews v2 container), a pause (details frozen by the cgroup freezer, longer than productpage's
 * 3 s timeout) and a latency toxic (ratings 1 s late on the fault proxy), and the live report shows
 * each. Afterwards no container of the run, no image built for the test and no unit process is
 * left (checked by the run's label and the processes' command lines). Skips, saying why, where no
 * Docker engine answers.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadFiles } from '../../simulator/cli/files.ts';
import { scenarioFromBundle } from '../../simulator/cli/scenario.ts';
import { DockerBackend } from '../../simulator/live/backend/docker.ts';
import { LABEL_RUN } from '../../simulator/live/docker/containers.ts';
import { connectDocker } from '../../simulator/live/docker/engine.ts';
import { ensureNodeImage } from '../../simulator/live/docker/node-image.ts';
import { LiveRun } from '../../simulator/live/run/orchestrator.ts';
import type { LoadProfileSpec } from '../../simulator/model/types.ts';
import { parseDocuments } from '../../simulator/model/load.ts';
import type { RunResult } from '../../simulator/telemetry/types.ts';

let docker: Docker | null = null;
try {
  docker = await connectDocker();
} catch (err) {
  console.log(`skipping the docker live-run tests: ${(err as Error).message}`);
}

const runId = `dlr-${process.pid}`;
const image = `meshdojo/test-node-${process.pid}:local`;
const TEST_LABEL = 'meshdojo.test';
const LOAD = 'test/live/fixtures/bookinfo-live-load.yaml';

/** Host processes whose command line names `text` (a container's processes are visible from the host). */
function processesNaming(text: string): number[] {
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      if (readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(text)) found.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return found;
}

const runContainers = async (): Promise<number> =>
  (await docker!.listContainers({ all: true, filters: { label: [`${LABEL_RUN}=${runId}`] } })).length;

const edge = (r: RunResult, from: string, to: string) => r.edges.find((e) => e.from === from && e.to === to)!;
const sum = (o: Record<string, number | undefined>): number =>
  Object.values(o).reduce<number>((n, v) => n + (v ?? 0), 0);

describe.skipIf(!docker)('Bookinfo live on the docker backend', () => {
  let workDir: string;
  let result: RunResult;
  let unitsWhileRunning: number[] = [];
  let containersWhileRunning = 0;
  const notes: string[] = [];

  beforeAll(async () => {
    workDir = mkdtempSync(join(tmpdir(), 'meshdojo-dlr-'));
    await ensureNodeImage(docker!, { tag: image, labels: { [TEST_LABEL]: runId } });
  });

  afterAll(async () => {
    if (!docker) return;
    await docker
      .getImage(image)
      .remove({ force: true })
      .catch(() => undefined);
    rmSync(workDir, { recursive: true, force: true });
  });

  it('a kill, a pause and a latency toxic each show in the live report', async () => {
    const bundle = loadFiles([
      'topologies/bookinfo.yaml',
      'topologies/policies/bookinfo-sidecars.yaml',
      'test/live/fixtures/bookinfo-docker-chaos.yaml',
    ]);
    const load = parseDocuments(readFileSync(LOAD, 'utf8'), LOAD)[0].value as LoadProfileSpec;
    const scenario = scenarioFromBundle(bundle, { load, duration: 18_000, stretchLoad: true });
    const backend = await DockerBackend.create({ runId, writable: [workDir], docker: docker!, image });
    const run = new LiveRun({
      scenario,
      backend,
      workDir,
      note: (line) => notes.push(line),
      onState: (st) => {
        if (st.startsWith('running') && unitsWhileRunning.length === 0) {
          unitsWhileRunning = processesNaming(workDir);
          void runContainers().then((n) => (containersWhileRunning = n));
        }
      },
    });
    result = await run.run();
    expect(result.mode).toBe('live');
    const ev = result.events.map((e) => `${e.kind} ${e.subject}`);
    console.log(
      `docker live run: ${result.summary.requests} pages, ${result.summary.degraded} degraded, ` +
        `p99 ${Math.round(result.summary.latencyMs.p99)} ms; events: ${ev.join(', ')}\n${notes.join('\n')}`,
    );
    expect(result.summary.requests).toBeGreaterThan(300);
    for (const svc of ['productpage', 'details', 'reviews', 'ratings'])
      expect(result.services[svc].requests, svc).toBeGreaterThan(30);

    // The kill: the container goes down and comes back; tries to it failed or were retried, and
    // v2 served less than v1 (it was away for about 5 of the 18 s).
    expect(ev).toContain('fault-start kill-reviews-v2');
    expect(ev).toContain('instance-down reviews-v2-0');
    expect(ev).toContain('instance-up reviews-v2-0');
    const pr = edge(result, 'productpage', 'reviews');
    expect(sum(pr.attemptFailures) + sum(pr.failures) + pr.retries).toBeGreaterThan(0);
    const v = result.services.reviews.versions!;
    expect(v.v2).toBeLessThan(v.v1);

    // The pause: details accepts connections and never answers, so productpage's 3 s timeout
    // fires and the page falls back ("product details are unavailable").
    expect(ev).toContain('fault-start pause-details');
    expect(ev).toContain('fault-end pause-details');
    const pd = edge(result, 'productpage', 'details');
    expect(pd.failures.timeout ?? 0).toBeGreaterThan(0);
    expect(pd.latencyMs.max).toBeGreaterThanOrEqual(2900);
    expect(result.summary.degraded).toBeGreaterThan(0);

    // The latency toxic: calls to ratings take at least the added second.
    expect(ev).toContain('fault-start slow-ratings');
    expect(ev).toContain('fault-end slow-ratings');
    expect(edge(result, 'reviews', 'ratings').latencyMs.p99).toBeGreaterThan(900);
  });

  it('leaves no container, no test image and no unit process behind', async () => {
    // Not vacuous: while running, the run's containers and their processes were there.
    expect(containersWhileRunning).toBeGreaterThanOrEqual(12);
    expect(unitsWhileRunning.length).toBeGreaterThanOrEqual(12);
    expect(await runContainers()).toBe(0);
    expect(processesNaming(workDir)).toEqual([]);
    await docker!.getImage(image).remove({ force: true });
    expect(await docker!.listImages({ filters: { label: [`${TEST_LABEL}=${runId}`] } })).toEqual([]);
  });
});
