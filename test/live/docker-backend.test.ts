/**
 * The docker backend on a real engine: units as containers on host networking with an init, the
 * repository mounted read-only and the run folder writable; pause freezes (the handshake completes,
 * nothing answers), kill crashes (refused, reported as SIGKILL), a unit's own exit is reported with
 * its stderr, restart rejoins, teardown leaves no container of the run; a crashed run's containers
 * are swept at the next start. Skips, saying why, where no engine answers.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { UnitExit, UnitSpec } from '../../simulator/live/contract.ts';
import { DockerBackend, REPO_ROOT, repoMounts } from '../../simulator/live/backend/docker.ts';
import { DockerContainers, LABEL_RUN } from '../../simulator/live/docker/containers.ts';
import { connectDocker } from '../../simulator/live/docker/engine.ts';
import { ensureNodeImage } from '../../simulator/live/docker/node-image.ts';
import { answers, freePort, get, tcpAccepts } from './http-probe.ts';

let docker: Docker | null = null;
try {
  docker = await connectDocker();
} catch (err) {
  console.log(`skipping the docker-backend tests: ${(err as Error).message}`);
}

const runId = `dbt-${process.pid}`;
const image = `meshdojo/test-node-${process.pid}:local`;
const TEST_LABEL = 'meshdojo.test';

const runContainers = async (run: string) =>
  (await docker!.listContainers({ all: true, filters: { label: [`${LABEL_RUN}=${run}`] } })).length;

describe.skipIf(!docker)('docker backend', () => {
  let runDir: string;
  let backend: DockerBackend;
  const exits: UnitExit[] = [];
  const ports: Record<string, number> = {};

  const unit = async (name: string, group: string): Promise<UnitSpec> => {
    ports[name] = await freePort();
    return {
      name,
      role: name.endsWith('.app') ? 'app' : 'sidecar',
      service: 'web',
      instance: group,
      entry: 'test/live/docker-unit/unit.ts',
      args: [],
      env: { PORT: String(ports[name]), LOG: path.join(runDir, `${name}.log`) },
      healthUrl: `http://127.0.0.1:${ports[name]}/`,
      group,
    };
  };

  const exitsOf = async (name: string, n: number, withinMs: number) => {
    const end = Date.now() + withinMs;
    while (exits.filter((e) => e.name === name).length < n && Date.now() < end)
      await new Promise((r) => setTimeout(r, 100));
    return exits.filter((e) => e.name === name);
  };

  beforeAll(async () => {
    runDir = mkdtempSync(path.join(os.tmpdir(), 'meshdojo-dbt-'));
    await ensureNodeImage(docker!, { tag: image, labels: { [TEST_LABEL]: runId } });
  });

  afterAll(async () => {
    if (!docker) return;
    await backend?.teardown();
    await docker
      .getImage(image)
      .remove({ force: true })
      .catch(() => undefined);
    rmSync(runDir, { recursive: true, force: true });
  });

  it("sweeps a crashed run's containers before it starts", async () => {
    const crashed = new DockerContainers(docker!, 2 ** 22 + 4321); // an owner PID that cannot exist
    await crashed.start({
      runId: `${runId}-crashed`,
      service: 'web',
      instance: 'left',
      image,
      cmd: ['/usr/bin/node', '-e', 'setInterval(() => {}, 1000)'],
    });
    expect(await runContainers(`${runId}-crashed`)).toBe(1);
    backend = await DockerBackend.create({ runId, writable: [runDir], docker: docker!, image });
    backend.onExit((e) => exits.push(e));
    expect(await runContainers(`${runId}-crashed`)).toBe(0);
  });

  it('starts a group as containers: host network, init, repo read-only, run folder writable, labels', async () => {
    await backend.start(await unit('pod-0.app', 'pod-0'));
    await backend.start(await unit('pod-0.sidecar', 'pod-0'));
    await backend.start(await unit('pod-1.app', 'pod-1'));
    for (const name of ['pod-0.app', 'pod-0.sidecar', 'pod-1.app'])
      expect(await answers(ports[name], 30_000)).toMatch(/^ok \d+$/);

    const info = await docker!.getContainer(backend.containerId('pod-0.sidecar')!).inspect();
    expect(info.HostConfig.NetworkMode).toBe('host');
    expect(info.HostConfig.Init).toBe(true);
    expect(info.HostConfig.Binds).toEqual(
      expect.arrayContaining([...repoMounts(REPO_ROOT).map((p) => `${p}:${p}:ro`), `${runDir}:${runDir}:rw`]),
    );
    expect(info.Config.Labels).toMatchObject({
      [LABEL_RUN]: runId,
      'meshdojo.service': 'web',
      'meshdojo.instance': 'pod-0',
      'meshdojo.unit': 'pod-0.sidecar',
      'meshdojo.group': 'pod-0',
      'meshdojo.owner-pid': String(process.pid),
    });
    // The unit wrote into the run folder through the writable mount.
    expect(readFileSync(path.join(runDir, 'pod-0.app.log'), 'utf8')).toContain('/');
  });

  it('pause freezes the whole group (connections accepted, no answer); resume answers again', async () => {
    await backend.pause('pod-0');
    expect(await tcpAccepts(ports['pod-0.app'], 2000)).toBe(true);
    expect(await get(ports['pod-0.app'], 600)).toBe('hang');
    expect(await get(ports['pod-0.sidecar'], 600)).toBe('hang');
    expect(await get(ports['pod-1.app'], 2000)).toMatch(/^ok/); // another group is untouched
    await backend.resume('pod-0');
    expect(await answers(ports['pod-0.app'], 10_000)).toMatch(/^ok/);
    expect(exits).toEqual([]);
  });

  it('kill is a crash of the group (refused, reported as SIGKILL); restart rejoins', async () => {
    await backend.kill('pod-0');
    expect(await get(ports['pod-0.app'], 2000)).toBe('refused');
    expect(await get(ports['pod-0.sidecar'], 2000)).toBe('refused');
    expect((await exitsOf('pod-0.app', 1, 10_000))[0]).toMatchObject({ code: null, signal: 'SIGKILL' });
    expect((await exitsOf('pod-0.sidecar', 1, 10_000))[0]).toMatchObject({ signal: 'SIGKILL' });
    await backend.restart('pod-0');
    expect(await answers(ports['pod-0.app'], 30_000)).toMatch(/^ok/);
    expect(await answers(ports['pod-0.sidecar'], 30_000)).toMatch(/^ok/);
  });

  it('a paused group can be killed, and restarted', async () => {
    await backend.pause('pod-1');
    await backend.kill('pod-1');
    expect(await get(ports['pod-1.app'], 2000)).toBe('refused');
    expect((await exitsOf('pod-1.app', 1, 10_000))[0]).toMatchObject({ signal: 'SIGKILL' });
    await backend.restart('pod-1');
    expect(await answers(ports['pod-1.app'], 30_000)).toMatch(/^ok/);
  });

  it("a unit's own exit is reported with its code and the tail of its stderr", async () => {
    expect(await get(ports['pod-1.app'], 5000, '/crash')).toBe('bye');
    const [, own] = await exitsOf('pod-1.app', 2, 10_000);
    expect(own).toMatchObject({ name: 'pod-1.app', code: 3, signal: null });
    expect(own.stderrTail).toContain('unit: crashing as asked');
  });

  it('teardown removes every container of the run, reports no exits, and is idempotent', async () => {
    const before = exits.length;
    expect(await runContainers(runId)).toBe(3);
    await backend.teardown();
    expect(await runContainers(runId)).toBe(0);
    expect(await get(ports['pod-0.app'], 2000)).toBe('refused');
    await backend.teardown();
    expect(exits.length).toBe(before);
  });

  it('leaves no image built for the test', async () => {
    await docker!.getImage(image).remove({ force: true });
    expect(await docker!.listImages({ filters: { label: [`${TEST_LABEL}=${runId}`] } })).toEqual([]);
  });
});
