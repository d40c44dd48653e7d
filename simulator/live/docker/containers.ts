/**
 * Containers of a live run, behind the interface the docker backend uses: host networking (the
 * app binds 127.0.0.1 itself), an init process (Node as PID 1 ignores SIGTERM), memory and CPU
 * limits, labels naming the run and its owner process. pause is a real freeze (the kernel still
 * completes TCP handshakes, nothing answers), kill a real crash, restart starts it again.
 */
import type Docker from 'dockerode';
import { pidAlive } from '../pid-alive.ts';

export const LABEL_RUN = 'meshdojo.run';
export const LABEL_SERVICE = 'meshdojo.service';
export const LABEL_INSTANCE = 'meshdojo.instance';
/** The PID of the meshdojo process that owns the run: a run whose owner is gone is a leftover. */
export const LABEL_OWNER = 'meshdojo.owner-pid';

export interface ContainerSpec {
  runId: string;
  service: string;
  instance: string;
  image: string;
  cmd: string[];
  env?: Record<string, string>;
  /** Bytes. */
  memory?: number;
  /** CPUs (0.5 = half a core). */
  cpus?: number;
  /** Container name (default `meshdojo-<run>-<instance>`; needed when an instance has several units). */
  name?: string;
  /** More labels (the run's, service's, instance's and owner's are always set). */
  labels?: Record<string, string>;
  /** Host folders mounted at the same path inside (the repository read-only, a run folder writable). */
  mounts?: { path: string; readOnly: boolean }[];
  workingDir?: string;
}

export interface ContainerBackend {
  start(spec: ContainerSpec): Promise<string>;
  pause(id: string): Promise<void>;
  unpause(id: string): Promise<void>;
  kill(id: string): Promise<void>;
  restart(id: string): Promise<void>;
  /** The ids of the run's containers (running or not). */
  list(runId: string): Promise<string[]>;
  /** Removes every container of the run; resolves to how many. */
  removeRun(runId: string): Promise<number>;
  /** Removes the containers of runs whose owner process is gone (a crashed run); resolves to how many. */
  sweepLeftovers(): Promise<number>;
}

export class DockerContainers implements ContainerBackend {
  constructor(
    private readonly docker: Docker,
    private readonly owner = process.pid,
  ) {}

  async start(spec: ContainerSpec): Promise<string> {
    const c = await this.docker.createContainer({
      name: (spec.name ?? `meshdojo-${spec.runId}-${spec.instance}`).replace(/[^a-zA-Z0-9_.-]/g, '-'),
      Image: spec.image,
      Cmd: spec.cmd,
      Env: Object.entries({ HOST: '127.0.0.1', ...spec.env }).map(([k, v]) => `${k}=${v}`),
      ...(spec.workingDir !== undefined && { WorkingDir: spec.workingDir }),
      Labels: {
        ...spec.labels,
        [LABEL_RUN]: spec.runId,
        [LABEL_SERVICE]: spec.service,
        [LABEL_INSTANCE]: spec.instance,
        [LABEL_OWNER]: String(this.owner),
      },
      HostConfig: {
        NetworkMode: 'host',
        Init: true,
        ...(spec.mounts && {
          Binds: spec.mounts.map((m) => `${m.path}:${m.path}:${m.readOnly ? 'ro' : 'rw'}`),
        }),
        ...(spec.memory !== undefined && { Memory: spec.memory }),
        ...(spec.cpus !== undefined && { NanoCpus: Math.round(spec.cpus * 1e9) }),
      },
    });
    await c.start();
    return c.id;
  }

  pause = (id: string) => this.docker.getContainer(id).pause();
  unpause = (id: string) => this.docker.getContainer(id).unpause();
  kill = async (id: string) => {
    await this.docker.getContainer(id).kill({ signal: 'SIGKILL' });
  };
  restart = async (id: string) => {
    const c = this.docker.getContainer(id);
    const state = (await c.inspect()).State;
    if (state.Paused) await c.unpause();
    if (state.Running) await c.restart({ t: 1 });
    else await c.start();
  };

  async list(runId: string): Promise<string[]> {
    const cs = await this.docker.listContainers({ all: true, filters: { label: [`${LABEL_RUN}=${runId}`] } });
    return cs.map((c) => c.Id);
  }

  private async remove(ids: string[]): Promise<number> {
    for (const id of ids) await this.docker.getContainer(id).remove({ force: true });
    return ids.length;
  }

  removeRun = async (runId: string) => this.remove(await this.list(runId));

  async sweepLeftovers(): Promise<number> {
    // Only containers meshdojo labelled with an owner: anything else on the engine is not ours to judge.
    const cs = await this.docker.listContainers({ all: true, filters: { label: [LABEL_RUN, LABEL_OWNER] } });
    const stale = cs.filter((c) => {
      const pid = Number(c.Labels[LABEL_OWNER]);
      return !(Number.isInteger(pid) && pid > 0 && pidAlive(pid));
    });
    return this.remove(stale.map((c) => c.Id));
  }
}
