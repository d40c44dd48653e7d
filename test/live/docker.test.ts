/**
 * Docker primitives on a real engine: an image built with no registry, a container on host
 * networking answering on 127.0.0.1, pause (a real hang), kill (refused), restart, and cleanup
 * that leaves no container and no test image. Skips, saying why, where no engine answers.
 */
import http from 'node:http';
import net from 'node:net';
import type Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectDocker } from '../../simulator/live/docker/engine.ts';
import { buildNodeImage, sharedLibraries } from '../../simulator/live/docker/image.ts';
import { DockerContainers, LABEL_RUN } from '../../simulator/live/docker/containers.ts';

let docker: Docker | null = null;
let why = '';
try {
  docker = await connectDocker();
} catch (err) {
  why = (err as Error).message;
  console.log(`skipping the Docker tests: ${why}`);
}

const runId = `test-${process.pid}`;
const tag = `meshdojo/test-${process.pid}:local`;

async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

/** GET / on 127.0.0.1:port within `ms`: the body, 'refused', or 'hang'. */
function get(port: number, ms: number): Promise<string> {
  return new Promise((resolve) => {
    const req = http.get({ host: '127.0.0.1', port, path: '/', timeout: ms, agent: false }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve(body));
    });
    req.on('timeout', () => {
      req.destroy();
      resolve('hang');
    });
    req.on('error', (e: NodeJS.ErrnoException) =>
      resolve(e.code === 'ECONNREFUSED' ? 'refused' : (e.code ?? 'error')),
    );
  });
}

async function answers(port: number, withinMs: number): Promise<string> {
  const end = Date.now() + withinMs;
  for (;;) {
    const r = await get(port, 500);
    if (r.startsWith('ok') || Date.now() > end) return r;
    await new Promise((x) => setTimeout(x, 100));
  }
}

describe.skipIf(!docker)('docker backend primitives', () => {
  let ct: DockerContainers;
  beforeAll(async () => {
    ct = new DockerContainers(docker!);
    await buildNodeImage(docker!, {
      tag,
      entries: { server: 'test/live/docker-app/server.ts' },
      labels: { 'meshdojo.test': runId },
    });
  });
  afterAll(async () => {
    if (!docker) return;
    await ct.removeRun(runId);
    await docker
      .getImage(tag)
      .remove({ force: true })
      .catch(() => undefined);
  });

  it('the rootfs takes node and the libraries ldd lists', () => {
    const libs = sharedLibraries(process.execPath);
    expect(libs.some((l) => /libc\.so/.test(l))).toBe(true);
    expect(libs.some((l) => /ld-linux/.test(l))).toBe(true);
  });

  it('runs, freezes on pause, crashes on kill, answers again after restart; removeRun leaves nothing', async () => {
    const port = await freePort();
    const id = await ct.start({
      runId,
      service: 'web',
      instance: 'web-0',
      image: tag,
      cmd: ['/usr/bin/node', '/app/server.mjs'],
      env: { PORT: String(port) },
      memory: 128 * 1024 * 1024,
      cpus: 0.5,
    });
    const info = await docker!.getContainer(id).inspect();
    expect(info.HostConfig).toMatchObject({
      NetworkMode: 'host',
      Init: true,
      Memory: 128 * 1024 * 1024,
      NanoCpus: 5e8,
    });
    expect(info.Config.Labels[LABEL_RUN]).toBe(runId);
    expect(await answers(port, 10_000)).toMatch(/^ok \d+$/);

    await ct.pause(id);
    expect(await get(port, 400)).toBe('hang'); // the handshake completes, nothing answers
    await ct.unpause(id);
    expect(await answers(port, 5000)).toMatch(/^ok/);

    await ct.kill(id);
    expect(await get(port, 1000)).toBe('refused');
    await ct.restart(id);
    expect(await answers(port, 10_000)).toMatch(/^ok/);

    expect(await ct.list(runId)).toEqual([id]);
    expect(await ct.removeRun(runId)).toBe(1);
    expect(await ct.list(runId)).toEqual([]);
  });

  it("a crashed run's leftovers (owner process gone) are swept; a live owner's are kept", async () => {
    const port = await freePort();
    const dead = new DockerContainers(docker!, 2 ** 22 + 12345); // no such PID (above pid_max's default)
    const orphan = await dead.start({
      runId,
      service: 'web',
      instance: 'orphan',
      image: tag,
      cmd: ['/usr/bin/node', '/app/server.mjs'],
      env: { PORT: String(port) },
    });
    const mine = await ct.start({
      runId,
      service: 'web',
      instance: 'mine',
      image: tag,
      cmd: ['/usr/bin/node', '/app/server.mjs'],
      env: { PORT: String(await freePort()) },
    });
    expect(await ct.sweepLeftovers()).toBeGreaterThanOrEqual(1);
    const left = await ct.list(runId);
    expect(left).toContain(mine);
    expect(left).not.toContain(orphan);
    await ct.removeRun(runId);
  });

  it('cleanup check: no container of the run, and the test image is removable', async () => {
    expect(await ct.list(runId)).toEqual([]);
    await docker!.getImage(tag).remove({ force: true });
    const images = await docker!.listImages({ filters: { reference: [tag] } });
    expect(images).toEqual([]);
  });
});

it.runIf(!docker)('Docker absent: the error says how to start an engine', () => {
  expect(why).toMatch(/dockerd --bridge=none/);
});
