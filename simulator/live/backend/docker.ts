/**
 * The docker backend: every unit of a live run is a container on host networking (it binds
 * 127.0.0.1 itself), with an init process, the repository mounted read-only at its own path (so
 * `node --import tsx <entry>` runs the same code as the process backend) and the run folder
 * mounted writable (configs in, access logs out). kill is a real SIGKILL, pause a real freeze
 * (cgroup freezer: connections are accepted, nothing answers), restart starts the same container
 * again. A crashed run's containers (owner process gone) are swept before the first start.
 */
import { existsSync, realpathSync } from 'node:fs';
import { constants as osConstants } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type Docker from 'dockerode';
import type { Backend, UnitExit, UnitSpec } from '../contract.ts';
import { DockerContainers } from '../docker/containers.ts';
import { connectDocker } from '../docker/engine.ts';
import { ensureNodeImage } from '../docker/node-image.ts';

export const LABEL_UNIT = 'meshdojo.unit';
export const LABEL_GROUP = 'meshdojo.group';

export const REPO_ROOT = path.resolve(fileURLToPath(new URL('../../..', import.meta.url)));

export interface DockerBackendOptions {
  runId: string;
  /** Folders the units write to or read from (the run folder): mounted writable at the same path. */
  writable: string[];
  /** The repository mounted read-only (default: this checkout). */
  repoRoot?: string;
  /** An engine already connected (default: the local socket; a missing engine is DockerUnavailable). */
  docker?: Docker;
  /** The image to run (default: the machine's node image, built once and cached by a content tag). */
  image?: string;
  /** Per-unit limits (bytes, CPUs), e.g. from the topology's resources. */
  limits?: (unit: UnitSpec) => { memory?: number; cpus?: number };
}

interface Unit {
  spec: UnitSpec;
  id: string;
  /** Bumped by each start: an exit seen for an older start is not reported twice. */
  generation: number;
}

/** Folders to mount read-only so that the repository and its node_modules resolve inside. */
export function repoMounts(repoRoot: string): string[] {
  const mounts = [repoRoot];
  const modules = path.join(repoRoot, 'node_modules');
  // A worktree's node_modules may be a symlink to another checkout's: mount its target at its own path.
  if (existsSync(modules)) {
    const real = realpathSync(modules);
    if (!real.startsWith(repoRoot + path.sep)) mounts.push(real);
  }
  return mounts;
}

/** A container's exit status as a process's: 128 + n is signal n (tini passes its child's on). */
export function exitOf(name: string, status: number, stderrTail: string): UnitExit {
  const signal =
    status > 128
      ? (Object.entries(osConstants.signals).find(([, n]) => n === status - 128)?.[0] ?? null)
      : null;
  return { name, code: signal ? null : status, signal, stderrTail };
}

/** The text of Docker's multiplexed log stream (8-byte frame headers: stream, 0, 0, 0, size). */
export function demuxLogs(buf: Buffer): string {
  const parts: Buffer[] = [];
  let at = 0;
  while (at + 8 <= buf.length) {
    const size = buf.readUInt32BE(at + 4);
    parts.push(buf.subarray(at + 8, at + 8 + size));
    at += 8 + size;
  }
  return Buffer.concat(parts).toString('utf8');
}

export class DockerBackend implements Backend {
  readonly kind = 'docker' as const;
  private readonly units = new Map<string, Unit>();
  private readonly listeners: ((exit: UnitExit) => void)[] = [];
  private readonly containers: DockerContainers;
  private readonly repoRoot: string;
  private tearingDown = false;

  private constructor(
    private readonly docker: Docker,
    private readonly image: string,
    private readonly opts: DockerBackendOptions,
  ) {
    this.containers = new DockerContainers(docker);
    this.repoRoot = opts.repoRoot ?? REPO_ROOT;
  }

  /** Connects, sweeps a crashed run's leftovers, makes sure the image exists. */
  static async create(opts: DockerBackendOptions): Promise<DockerBackend> {
    const docker = opts.docker ?? (await connectDocker());
    await new DockerContainers(docker).sweepLeftovers();
    const image = opts.image ?? (await ensureNodeImage(docker));
    return new DockerBackend(docker, image, opts);
  }

  async start(spec: UnitSpec): Promise<void> {
    if (this.units.has(spec.name)) throw new Error(`unit ${spec.name} is already started`);
    const mounts = [
      ...repoMounts(this.repoRoot).map((p) => ({ path: p, readOnly: true })),
      ...this.opts.writable.map((p) => ({ path: path.resolve(p), readOnly: false })),
    ];
    const id = await this.containers.start({
      runId: this.opts.runId,
      service: spec.service,
      instance: spec.instance,
      name: `meshdojo-${this.opts.runId}-${spec.name}`,
      labels: { [LABEL_UNIT]: spec.name, [LABEL_GROUP]: spec.group },
      image: this.image,
      cmd: ['/usr/bin/node', '--import', 'tsx', path.join(this.repoRoot, spec.entry), ...spec.args],
      env: spec.env,
      mounts,
      workingDir: this.repoRoot,
      ...this.opts.limits?.(spec),
    });
    const unit: Unit = { spec, id, generation: 0 };
    this.units.set(spec.name, unit);
    this.watch(unit);
  }

  /** Reports the container's next exit to the listeners (unless the run is being torn down). */
  private watch(unit: Unit): void {
    const generation = ++unit.generation;
    const container = this.docker.getContainer(unit.id);
    container
      .wait()
      .then(async (res: { StatusCode: number }) => {
        if (this.tearingDown || generation !== unit.generation) return;
        const tail = await container
          .logs({ stdout: false, stderr: true, follow: false, tail: 20 })
          .then((b) => demuxLogs(b as unknown as Buffer))
          .catch(() => '');
        const exit = exitOf(unit.spec.name, res.StatusCode, tail);
        for (const l of this.listeners) l(exit);
      })
      .catch(() => undefined); // the container was removed while waited on
  }

  private group(group: string): Unit[] {
    const units = [...this.units.values()].filter((u) => u.spec.group === group);
    if (units.length === 0) throw new Error(`no unit in group ${group}`);
    return units;
  }

  private async state(unit: Unit) {
    return (await this.docker.getContainer(unit.id).inspect()).State;
  }

  async kill(group: string): Promise<void> {
    for (const u of this.group(group)) {
      const s = await this.state(u);
      if (s.Running) await this.containers.kill(u.id); // a paused container takes SIGKILL too
    }
  }

  async pause(group: string): Promise<void> {
    for (const u of this.group(group)) {
      const s = await this.state(u);
      if (s.Running && !s.Paused) await this.containers.pause(u.id);
    }
  }

  async resume(group: string): Promise<void> {
    for (const u of this.group(group)) if ((await this.state(u)).Paused) await this.containers.unpause(u.id);
  }

  async restart(group: string): Promise<void> {
    for (const u of this.group(group)) {
      const s = await this.state(u);
      if (s.Paused) await this.containers.unpause(u.id);
      if (s.Running) {
        await this.containers.kill(u.id);
        await this.docker.getContainer(u.id).wait();
      }
      await this.docker.getContainer(u.id).start();
      this.watch(u);
    }
  }

  onExit(listener: (exit: UnitExit) => void): void {
    this.listeners.push(listener);
  }

  /** Stops every container of the run (SIGTERM through init, 2 s), then removes them by the run's label. */
  async teardown(): Promise<void> {
    this.tearingDown = true;
    await Promise.all(
      [...this.units.values()].map(async (u) => {
        const c = this.docker.getContainer(u.id);
        try {
          const s = (await c.inspect()).State;
          if (s.Paused) await c.unpause();
          if (s.Running) await c.stop({ t: 2 });
        } catch {
          // already gone: the label sweep below finds whatever is left
        }
      }),
    );
    await this.containers.removeRun(this.opts.runId);
    this.units.clear();
  }

  /** The container id of a unit (tests and `live ps`). */
  containerId(name: string): string | undefined {
    return this.units.get(name)?.id;
  }
}

/** Removes every container of a run, or of every run when `runId` is omitted (`meshdojo live down`). */
export async function removeRunContainers(docker: Docker, runId?: string): Promise<number> {
  const containers = new DockerContainers(docker);
  if (runId !== undefined) return containers.removeRun(runId);
  const all = await docker.listContainers({ all: true, filters: { label: ['meshdojo.run'] } });
  for (const c of all) await docker.getContainer(c.Id).remove({ force: true });
  return all.length;
}
