/**
 * The `process` backend, the embedded default: every unit a child process on 127.0.0.1,
 * `node --import tsx <entry> <args>` (a pre-built `.mjs` entry: plain `node <entry>`) from the
 * repository root, in its own process group (so a
 * kill takes the whole unit). kill = SIGKILL, pause = SIGSTOP, resume = SIGCONT, restart = spawn
 * again with the original spec. stdout/stderr are kept as a short tail for the errors a user sees.
 * A process-exit hook kills whatever is left, so a Ctrl-C or a crash of the parent leaves nothing.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Backend, UnitExit, UnitSpec } from '../contract.ts';

export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

const TAIL_LINES = 20;

/** `node` arguments that run `entry`: a pre-built bundle as it is, TypeScript through tsx. */
export function nodeArgs(entry: string): string[] {
  return entry.endsWith('.mjs') ? [entry] : ['--import', 'tsx', entry];
}

class Tail {
  private lines: string[] = [];
  private partial = '';
  push(chunk: Buffer): void {
    const parts = (this.partial + chunk.toString('utf8')).split('\n');
    this.partial = parts.pop() ?? '';
    this.lines.push(...parts);
    if (this.lines.length > TAIL_LINES) this.lines.splice(0, this.lines.length - TAIL_LINES);
  }
  text(): string {
    return [...this.lines, this.partial].filter((l) => l !== '').join('\n');
  }
}

interface Running {
  spec: UnitSpec;
  child: ChildProcess;
  stdout: Tail;
  stderr: Tail;
  exited: Promise<void>;
  alive: boolean;
}

/** Resource use of a unit, read from /proc (Linux). */
export interface UnitUsage {
  name: string;
  pid: number;
  /** CPU time (user + system) in ms since the process started. */
  cpuMs: number;
  rssMb: number;
}

const live = new Set<number>();
let hooked = false;
/** On exit, SIGKILL every process group still alive (synchronous: `exit` handlers cannot wait). */
function hookExit(): void {
  if (hooked) return;
  hooked = true;
  process.on('exit', () => {
    for (const pid of live) {
      try {
        process.kill(-pid, 'SIGKILL');
      } catch {
        /* already gone */
      }
    }
  });
}

export class ProcessBackend implements Backend {
  readonly kind = 'process' as const;
  private readonly units = new Map<string, Running>();
  private readonly listeners: ((e: UnitExit) => void)[] = [];
  private tornDown = false;

  async start(unit: UnitSpec): Promise<void> {
    if (this.tornDown) throw new Error('process backend: already torn down');
    const prev = this.units.get(unit.name);
    if (prev?.alive) throw new Error(`process backend: unit ${unit.name} is already running`);
    hookExit();
    const child = spawn(process.execPath, [...nodeArgs(unit.entry), ...unit.args], {
      cwd: REPO_ROOT,
      env: { ...process.env, ...unit.env, MESHDOJO_PARENT_PID: String(process.pid) },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    const stdout = new Tail();
    const stderr = new Tail();
    child.stdout?.on('data', (c: Buffer) => stdout.push(c));
    child.stderr?.on('data', (c: Buffer) => stderr.push(c));
    const running: Running = { spec: unit, child, stdout, stderr, alive: true, exited: Promise.resolve() };
    running.exited = new Promise<void>((resolve) => {
      child.once('exit', (code, signal) => {
        running.alive = false;
        if (child.pid !== undefined) live.delete(child.pid);
        const exit: UnitExit = { name: unit.name, code, signal, stderrTail: stderr.text() };
        for (const l of this.listeners) l(exit);
        resolve();
      });
    });
    await new Promise<void>((resolve, reject) => {
      child.once('spawn', () => resolve());
      child.once('error', (err) => reject(new Error(`cannot start ${unit.name}: ${err.message}`)));
    });
    if (child.pid !== undefined) live.add(child.pid);
    this.units.set(unit.name, running);
  }

  private group(group: string): Running[] {
    return [...this.units.values()].filter((u) => u.spec.group === group);
  }

  private signal(group: string, sig: NodeJS.Signals): void {
    for (const u of this.group(group)) {
      if (!u.alive || u.child.pid === undefined) continue;
      try {
        process.kill(-u.child.pid, sig);
      } catch {
        /* exited meanwhile */
      }
    }
  }

  async kill(group: string): Promise<void> {
    this.signal(group, 'SIGKILL');
    await Promise.all(this.group(group).map((u) => u.exited));
  }

  async pause(group: string): Promise<void> {
    this.signal(group, 'SIGSTOP');
  }

  async resume(group: string): Promise<void> {
    this.signal(group, 'SIGCONT');
  }

  async restart(group: string): Promise<void> {
    const specs = this.group(group).map((u) => u.spec);
    await this.kill(group);
    for (const spec of specs) await this.start(spec);
  }

  onExit(listener: (exit: UnitExit) => void): void {
    this.listeners.push(listener);
  }

  /** The tails of a unit's output (for errors: a failed health check shows its stderr). */
  output(name: string): { stdout: string; stderr: string } {
    const u = this.units.get(name);
    return { stdout: u?.stdout.text() ?? '', stderr: u?.stderr.text() ?? '' };
  }

  /** Pids of the units alive now. */
  pids(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [name, u] of this.units) if (u.alive && u.child.pid !== undefined) out[name] = u.child.pid;
    return out;
  }

  isAlive(name: string): boolean {
    return this.units.get(name)?.alive === true;
  }

  /** CPU and resident memory of every live unit (from /proc; empty where /proc is not there). */
  usage(): UnitUsage[] {
    const out: UnitUsage[] = [];
    for (const [name, u] of this.units) {
      const pid = u.child.pid;
      if (!u.alive || pid === undefined) continue;
      const got = procUsage(pid);
      if (got) out.push({ name, pid, ...got });
    }
    return out;
  }

  async teardown(): Promise<void> {
    this.tornDown = true;
    const all = [...this.units.values()].filter((u) => u.alive);
    // Graceful first (a stopped process needs SIGCONT to see SIGTERM), then forced.
    for (const u of all) {
      if (u.child.pid === undefined) continue;
      try {
        process.kill(-u.child.pid, 'SIGCONT');
        process.kill(-u.child.pid, 'SIGTERM');
      } catch {
        /* gone */
      }
    }
    const grace = new Promise<void>((r) => setTimeout(r, 1500).unref());
    await Promise.race([Promise.all(all.map((u) => u.exited)), grace]);
    for (const u of all) {
      if (!u.alive || u.child.pid === undefined) continue;
      try {
        process.kill(-u.child.pid, 'SIGKILL');
      } catch {
        /* gone */
      }
    }
    await Promise.all(all.map((u) => u.exited));
  }
}

const CLK_TCK = 100;

function procUsage(pid: number): { cpuMs: number; rssMb: number } | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // Fields after the command: state(0) … utime(11) stime(12) … rss(21) in pages.
    const cpuMs = ((Number(fields[11]) + Number(fields[12])) * 1000) / CLK_TCK;
    const rssMb = (Number(fields[21]) * 4096) / (1024 * 1024);
    return { cpuMs, rssMb };
  } catch {
    return null;
  }
}
