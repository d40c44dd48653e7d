/**
 * Chaos faults on the virtual clock: each fault is applied at `at` and reverted after `duration`.
 * Faults act on instances (kill, pause, latency, abort, cpu, loss), on pairs of instance groups
 * (partition) or on nodes (node-down), and each start and end is a RunEvent.
 */
import type { ChaosSpec, FaultSpec, TargetSelector } from '../model/types.ts';
import type { DataPlane } from './dataplane.ts';
import type { Sink } from './sink.ts';
import type { SimInstance, World } from './world.ts';
import { humanDuration } from '../model/duration.ts';

/** Time between a process crash and its removal from the service's endpoints (readiness). */
export const ENDPOINT_REMOVAL_MS = 1000;

interface Partition {
  name: string;
  a: Uint8Array;
  b: Uint8Array;
}

export class ChaosController {
  private readonly partitions: Partition[] = [];

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
    for (const exp of experiments) for (const f of exp.faults) this.scheduleFault(f);
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
        for (const inst of this.select(f.target)) {
          if (on) this.dp.pause(inst);
          else this.dp.resume(inst);
        }
        return;
      case 'latency':
        for (const inst of this.select(f.target)) {
          inst.faultLatency = on ? f.latency : 0;
          inst.faultJitter = on ? f.jitter : 0;
        }
        return;
      case 'abort':
        for (const inst of this.select(f.target)) {
          inst.faultAbortPct = on ? f.percent : 0;
          inst.faultAbortStatus = f.status;
        }
        return;
      case 'cpu':
        for (const inst of this.select(f.target)) inst.cpuMultiplier = on ? f.multiplier : 1;
        return;
      case 'loss':
        for (const inst of this.select(f.target)) inst.faultLossPct = on ? f.percent : 0;
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

function describeFault(f: FaultSpec): string {
  const target =
    'target' in f
      ? selectorText(f.target)
      : f.type === 'partition'
        ? `${selectorText(f.between[0])} ⟷ ${selectorText(f.between[1])}`
        : `node ${f.node}`;
  switch (f.type) {
    case 'latency':
      return `latency +${humanDuration(f.latency)}${f.jitter ? ` ±${humanDuration(f.jitter)}` : ''} on ${target}`;
    case 'abort':
      return `abort ${f.percent}% with ${f.status} on ${target}`;
    case 'cpu':
      return `cpu ×${f.multiplier} on ${target}`;
    case 'loss':
      return `${f.percent}% connection loss on ${target}`;
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
