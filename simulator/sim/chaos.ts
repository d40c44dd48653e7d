/**
 * Chaos faults on the virtual clock: each fault is applied at `at` and reverted after `duration`.
 * Faults on one target stack (simulator/mesh/toxics.ts): two latency faults add up, and the end of
 * one leaves the others in force; overlapping pauses and CPU slow-downs stack the same way.
 * Faults act on instances (kill, pause, latency, abort, cpu, loss), on pairs of instance groups
 * (partition) or on nodes (node-down), and each start and end is a RunEvent.
 */
import type { ChaosSpec, FaultSpec, TargetSelector } from '../model/types.ts';
import type { Toxic } from '../mesh/toxics.ts';
import type { DataPlane } from './dataplane.ts';
import type { Sink } from './sink.ts';
import type { SimInstance, World } from './world.ts';
import { humanDuration } from '../model/duration.ts';
import { faultOccurrences } from '../model/recurrence.ts';

/** Time between a process crash and its removal from the service's endpoints (readiness). */
export const ENDPOINT_REMOVAL_MS = 1000;

interface Partition {
  name: string;
  a: Uint8Array;
  b: Uint8Array;
}

export class ChaosController {
  private readonly partitions: Partition[] = [];
  /** The toxic each latency / abort / loss fault put on its targets, removed at its end. */
  /** The toxic each fault in force added, by fault name (an injected fault is stopped by name). */
  private readonly toxics = new Map<string, Toxic>();
  /** Pauses in force per instance id. */
  private readonly pauses: number[] = [];
  /** CPU slow-downs in force per instance id. */
  private readonly cpu: number[][] = [];

  constructor(
    private readonly world: World,
    private readonly dp: DataPlane,
    private readonly sink: Sink,
    private readonly endMs: number,
  ) {}

  /** True when a partition separates the two instances (the load generator is never partitioned). */
  readonly partitioned = (from: SimInstance | null, to: SimInstance): boolean => {
    if (from === null) return false;
    const ps = this.partitions;
    for (let i = 0; i < ps.length; i++) {
      const p = ps[i];
      if ((p.a[from.id] && p.b[to.id]) || (p.b[from.id] && p.a[to.id])) return true;
    }
    return false;
  };

  select(sel: TargetSelector): SimInstance[] {
    let list = this.world.instances.filter(
      (i) =>
        (sel.service === undefined || i.svc.name === sel.service) &&
        (sel.version === undefined || i.version.name === sel.version) &&
        (sel.node === undefined || i.node.name === sel.node),
    );
    if (sel.count !== undefined) list = list.slice(0, sel.count);
    else if (sel.percent !== undefined) list = list.slice(0, Math.ceil((list.length * sel.percent) / 100));
    return list;
  }

  schedule(experiments: ChaosSpec[]): void {
    for (const exp of experiments)
      for (const f of exp.faults)
        for (const once of faultOccurrences(f, this.endMs)) this.scheduleFault(once);
  }

  /**
   * Break it now: a fault that starts at `f.at` (at or after the clock's now) and lasts until
   * `stop` — the same scheduling as a fault of an experiment, so a run that replays the kept
   * ChaosExperiment (`at`, `duration`) takes exactly the same steps.
   */
  inject(f: FaultSpec): void {
    this.scheduleFault({ ...f, duration: undefined } as FaultSpec);
  }

  /** End an injected fault at `t` (a kill ends by restarting its instances). */
  stop(f: FaultSpec, t: number): void {
    const clock = this.dp.clock;
    if (f.type === 'kill') {
      const targets = this.select(f.target);
      clock.at(t + f.coldStart, () => targets.forEach((i) => this.up(i)), null);
      return;
    }
    const describe = describeFault(f);
    clock.at(
      t,
      () => {
        this.sink.event({ t: clock.now(), kind: 'fault-end', subject: f.name, reason: describe });
        this.apply(f, false);
      },
      null,
    );
  }

  private scheduleFault(f: FaultSpec): void {
    const clock = this.dp.clock;
    const end = f.duration !== undefined ? f.at + f.duration : Infinity;
    const describe = describeFault(f);
    clock.at(
      f.at,
      () => {
        this.sink.event({ t: clock.now(), kind: 'fault-start', subject: f.name, reason: describe });
        this.apply(f, true);
      },
      null,
    );
    if (end < this.endMs && f.type !== 'kill') {
      clock.at(
        end,
        () => {
          this.sink.event({ t: clock.now(), kind: 'fault-end', subject: f.name, reason: describe });
          this.apply(f, false);
        },
        null,
      );
    }
  }

  private apply(f: FaultSpec, on: boolean): void {
    switch (f.type) {
      case 'kill':
        for (const inst of this.select(f.target)) this.kill(inst, f.restartAfter ?? f.duration, f.coldStart);
        return;
      case 'pause':
        // Overlapping pauses: the instance resumes when the last one ends.
        for (const inst of this.select(f.target)) {
          const n = (this.pauses[inst.id] ?? 0) + (on ? 1 : -1);
          this.pauses[inst.id] = n;
          if (on && n === 1) this.dp.pause(inst);
          else if (!on && n === 0) this.dp.resume(inst);
        }
        return;
      case 'latency':
      case 'abort':
      case 'loss': {
        // One toxic per fault, stacked on each target with the others in force (Toxiproxy).
        if (on) {
          const t = toxicOf(f);
          this.toxics.set(f.name, t);
          for (const inst of this.select(f.target)) inst.toxics.add(t);
        } else {
          const t = this.toxics.get(f.name);
          if (t) for (const inst of this.select(f.target)) inst.toxics.remove(t);
          this.toxics.delete(f.name);
        }
        return;
      }
      case 'cpu':
        // Slow-downs multiply; the end of one leaves the others.
        for (const inst of this.select(f.target)) {
          const list = (this.cpu[inst.id] ??= []);
          if (on) list.push(f.multiplier);
          else {
            const i = list.indexOf(f.multiplier);
            if (i >= 0) list.splice(i, 1);
          }
          inst.cpuMultiplier = list.reduce((a, m) => a * m, 1);
        }
        return;
      case 'partition': {
        if (on) {
          const n = this.world.instances.length;
          const p: Partition & { name: string } = {
            a: new Uint8Array(n),
            b: new Uint8Array(n),
            name: f.name,
          };
          for (const i of this.select(f.between[0])) p.a[i.id] = 1;
          for (const i of this.select(f.between[1])) p.b[i.id] = 1;
          this.partitions.push(p);
        } else {
          const idx = this.partitions.findIndex((p) => p.name === f.name);
          if (idx >= 0) this.partitions.splice(idx, 1);
        }
        return;
      }
      case 'node-down': {
        const node = this.world.nodes.find((n) => n.name === f.node)!;
        node.up = !on;
        if (node.proxy) node.proxy.up = !on;
        for (const inst of this.world.instances) {
          if (inst.node !== node) continue;
          if (on) this.down(inst);
          else this.up(inst);
        }
        return;
      }
    }
  }

  private kill(inst: SimInstance, restartAfter: number | undefined, coldStart: number): void {
    this.down(inst);
    if (restartAfter !== undefined) {
      const clock = this.dp.clock;
      clock.at(clock.now() + restartAfter + coldStart, () => this.up(inst), null);
    }
  }

  private down(inst: SimInstance): void {
    if (!inst.up) return;
    const clock = this.dp.clock;
    this.dp.crash(inst);
    this.sink.event({ t: clock.now(), kind: 'instance-down', subject: inst.name, reason: 'process killed' });
    const epoch = inst.epoch;
    clock.at(
      clock.now() + ENDPOINT_REMOVAL_MS,
      () => {
        if (!inst.up && inst.epoch === epoch) {
          inst.ready = false;
          inst.svc.readinessEpoch++;
        }
      },
      null,
    );
  }

  private up(inst: SimInstance): void {
    if (inst.up || !inst.node.up) return;
    inst.up = true;
    inst.ready = true;
    inst.svc.readinessEpoch++;
    this.sink.event({
      t: this.dp.clock.now(),
      kind: 'instance-up',
      subject: inst.name,
      reason: 'restarted and ready',
    });
  }
}

function toxicOf(f: Extract<FaultSpec, { type: 'latency' | 'abort' | 'loss' }>): Toxic {
  switch (f.type) {
    case 'latency':
      return { type: 'latency', name: f.name, stream: f.stream, latency: f.latency, jitter: f.jitter };
    case 'loss':
      return { type: 'loss', name: f.name, stream: f.stream, percent: f.percent };
    case 'abort':
      return { type: 'abort', name: f.name, percent: f.percent, status: f.status };
  }
}

export function describeFault(f: FaultSpec): string {
  const target =
    'target' in f
      ? selectorText(f.target)
      : f.type === 'partition'
        ? `${selectorText(f.between[0])} ⟷ ${selectorText(f.between[1])}`
        : `node ${f.node}`;
  switch (f.type) {
    case 'latency':
      return `latency +${humanDuration(f.latency)}${f.jitter ? ` ±${humanDuration(f.jitter)}` : ''}${f.stream === 'downstream' ? ' on responses' : ''} on ${target}`;
    case 'abort':
      return `abort ${f.percent}% with ${f.status} on ${target}`;
    case 'cpu':
      return `cpu ×${f.multiplier} on ${target}`;
    case 'loss':
      return `${f.percent}% connection loss${f.stream === 'downstream' ? ' on responses' : ''} on ${target}`;
    case 'kill':
      return `kill ${target}${f.restartAfter !== undefined ? `, restart after ${humanDuration(f.restartAfter)} + cold start ${humanDuration(f.coldStart)}` : ''}`;
    default:
      return `${f.type} ${target}`;
  }
}

function selectorText(s: TargetSelector): string {
  const parts = [
    s.service ?? 'all',
    s.version ? `version ${s.version}` : '',
    s.node ? `on ${s.node}` : '',
  ].filter(Boolean);
  if (s.count !== undefined) parts.push(`(${s.count} instance${s.count === 1 ? '' : 's'})`);
  if (s.percent !== undefined) parts.push(`(${s.percent}%)`);
  return parts.join(' ');
}
