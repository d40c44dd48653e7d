/**
 * `meshdojo live run --backend docker`: a missing engine is bad input that says how to start one
 * (exit 2, no stack, no run folder left), and with an engine the CLI runs Bookinfo in containers
 * and prints the live report; afterwards no container of its run is left (found by the owner-pid
 * label), and the node image is removed if this test was the one that built it.
 */
import { execFile } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type Docker from 'dockerode';
import { describe, expect, it } from 'vitest';
import { DockerContainers, LABEL_OWNER, LABEL_RUN } from '../../simulator/live/docker/containers.ts';
import { connectDocker } from '../../simulator/live/docker/engine.ts';
import { ensureNodeImage, nodeImageTag } from '../../simulator/live/docker/node-image.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const BIN = join(ROOT, 'bin/meshdojo.mjs');

let docker: Docker | null = null;
try {
  docker = await connectDocker();
} catch (err) {
  console.log(`skipping the docker CLI run: ${(err as Error).message}`);
}

function meshdojo(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number; stdout: string; stderr: string; pid: number }> {
  return new Promise((done) => {
    const child = execFile(
      process.execPath,
      [BIN, ...args],
      { cwd: ROOT, timeout: 180_000, maxBuffer: 1 << 24, env: { ...process.env, ...env } },
      (err, stdout, stderr) => {
        const code = err ? (err as { code?: unknown }).code : 0;
        done({ code: typeof code === 'number' ? code : 99, stdout, stderr, pid: child.pid! });
      },
    );
  });
}

const liveDirs = (): string[] => readdirSync(tmpdir()).filter((d) => d.startsWith('meshdojo-live-'));

describe('meshdojo live run --backend docker', () => {
  it('no engine: a clear error naming the socket and how to start dockerd, exit 2, no stack', async () => {
    const before = liveDirs();
    const r = await meshdojo(
      ['live', 'run', 'topologies/bookinfo.yaml', '--duration', '5s', '--backend', 'docker'],
      { DOCKER_SOCKET: join(tmpdir(), `no-docker-${process.pid}.sock`) },
    );
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^error: --backend docker: no Docker engine answers at \S+no-docker-\d+\.sock/);
    expect(r.stderr).toContain('dockerd --bridge=none --iptables=false --ip-forward=false');
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(r.stdout).toBe('');
    expect(liveDirs().filter((d) => !before.includes(d))).toEqual([]);
  });

  it.skipIf(!docker)(
    'runs Bookinfo in containers and prints the live report; leaves no container',
    async () => {
      const tag = nodeImageTag();
      const hadImage = (await docker!.listImages({ filters: { reference: [tag] } })).length > 0;
      try {
        const r = await meshdojo([
          'live',
          'run',
          'topologies/bookinfo.yaml',
          '--load',
          'test/live/fixtures/bookinfo-live-load.yaml',
          '--duration',
          '6s',
          '--backend',
          'docker',
        ]);
        if (r.code !== 0) console.log(r.stderr);
        expect(r.code).toBe(0);
        expect(r.stderr).toContain('units started on the docker backend');
        expect(r.stdout).toMatch(/live · seed 1 · 6 s run/);
        for (const svc of ['productpage', 'details', 'reviews', 'ratings']) expect(r.stdout).toContain(svc);
        const sent = Number(/http_reqs\.+: (\d+)/.exec(r.stderr)![1]);
        expect(sent).toBeGreaterThan(100);
        const left = await docker!.listContainers({
          all: true,
          filters: { label: [`${LABEL_OWNER}=${r.pid}`] },
        });
        expect(left).toEqual([]);
      } finally {
        if (!hadImage)
          await docker!
            .getImage(tag)
            .remove({ force: true })
            .catch(() => undefined);
      }
    },
  );

  it.skipIf(!docker)("live down removes a crashed run's containers, and only those", async () => {
    const image = `meshdojo/test-node-${process.pid}:local`;
    const crashed = `dct-${process.pid}-crashed`;
    const owned = `dct-${process.pid}-owned`;
    const count = async (run: string) =>
      (await docker!.listContainers({ all: true, filters: { label: [`${LABEL_RUN}=${run}`] } })).length;
    await ensureNodeImage(docker!, { tag: image, labels: { 'meshdojo.test': String(process.pid) } });
    try {
      const spec = {
        service: 'web',
        instance: 'left',
        image,
        cmd: ['/usr/bin/node', '-e', 'setInterval(() => {}, 1000)'],
      };
      await new DockerContainers(docker!, 2 ** 22 + 4321).start({ ...spec, runId: crashed }); // an owner that cannot exist
      await new DockerContainers(docker!).start({ ...spec, runId: owned }); // owned by this (live) process
      expect([await count(crashed), await count(owned)]).toEqual([1, 1]);
      const r = await meshdojo(['live', 'down']);
      expect(r.code).toBe(0);
      expect(r.stdout).toContain('removed 1 container(s) left by crashed docker-backend runs');
      expect([await count(crashed), await count(owned)]).toEqual([0, 1]);
    } finally {
      await new DockerContainers(docker!).removeRun(owned);
      await new DockerContainers(docker!).removeRun(crashed);
      await docker!.getImage(image).remove({ force: true });
    }
    expect(await docker!.listImages({ filters: { label: [`meshdojo.test=${process.pid}`] } })).toEqual([]);
  });
});
