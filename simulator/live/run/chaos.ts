/**
 * Chaos on the live system, on the wall clock: each fault of the scenario's experiments is
 * planned by the chaos map (`toxiproxy/chaos-map.ts`) and performed at its time — kill, pause and
 * node-down through the Backend, latency and loss as toxics on the fault proxy in front of the
 * target instances, abort at the target app — and reverted at its end. A killed instance with
 * `restartAfter` is started again and rejoins the endpoints once healthy.
 */
import type { FaultSpec, ScenarioSpec } from '../../model/types.ts';
import { describeFault } from '../../sim/chaos.ts';
import { planFault, toxiproxyOps, type FaultPlan, type LiveLayout } from '../toxiproxy/chaos-map.ts';
import type { RunEvent } from '../../telemetry/types.ts';

export interface ChaosHooks {
  now(): number;
  event(e: RunEvent): void;
  kill(instance: string): Promise<void>;
  pause(instance: string): Promise<void>;
  resume(instance: string): Promise<void>;
  /** Start a killed instance again; resolves once it is healthy and in the endpoints again. */
  restart(instance: string): Promise<void>;
  /** Abort a share of an instance's inbound requests (null: stop). */
  abort(instance: string, abort: { percent: number; status: number } | null): Promise<void>;
  /** Toxiproxy API call on the fault proxy server. */
  toxiproxy(method: 'POST' | 'DELETE', path: string, body?: unknown): Promise<void>;
  /** How long a restarted unit takes to come up here (subtracted from the cold start). */
  startupMs: number;
  warn(line: string): void;
  onActive(active: number): void;
}

export class LiveChaos {
  private readonly timers = new Set<ReturnType<typeof setTimeout>>();
  private active = 0;
  private stopped = false;
  /** Restarts and reverts under way (awaited before teardown). */
  private readonly work = new Set<Promise<void>>();
  readonly warnings: string[] = [];

  constructor(
    private readonly scenario: ScenarioSpec,
    private readonly layout: LiveLayout,
    private readonly durationMs: number,
    private readonly hooks: ChaosHooks,
  ) {}

  start(): void {
    for (const exp of this.scenario.chaos)
      for (const f of exp.faults) {
        const plan = planFault(f, this.layout);
        for (const w of plan.warnings) this.hooks.warn(w);
        if (f.type === 'partition')
          this.hooks.warn(`${f.name}: partitions need a fault proxy per caller and callee; not applied live`);
        if (f.type === 'cpu') continue;
        if (f.at >= this.durationMs) continue;
        this.at(f.at, () => this.apply(f, plan));
        if (plan.until !== undefined && plan.until < this.durationMs && f.type !== 'kill')
          this.at(plan.until, () => this.revert(f, plan));
      }
  }

  private at(t: number, fn: () => Promise<void>): void {
    const timer = setTimeout(
      () => {
        this.timers.delete(timer);
        if (this.stopped) return;
        const p = fn().catch((err: unknown) => this.hooks.warn(`chaos: ${(err as Error).message}`));
        this.work.add(p);
        void p.finally(() => this.work.delete(p));
      },
      Math.max(0, t - this.hooks.now()),
    );
    this.timers.add(timer);
  }

  private async apply(f: FaultSpec, plan: FaultPlan): Promise<void> {
    const h = this.hooks;
    h.event({ t: h.now(), kind: 'fault-start', subject: f.name, reason: describeFault(f) });
    h.onActive(++this.active);
    for (const a of plan.actions) {
      switch (a.kind) {
        case 'kill':
          for (const i of a.instances) {
            await h.kill(i);
            if (a.restartAfter !== undefined) {
              const wait = a.restartAfter + Math.max(0, a.coldStart - h.startupMs);
              this.at(h.now() + wait, async () => {
                await h.restart(i);
              });
            }
          }
          if (a.restartAfter === undefined) h.onActive(this.active); // a kill for good stays active
          break;
        case 'pause':
          for (const i of a.instances) await h.pause(i);
          break;
        case 'node-down':
          for (const i of a.instances) await h.kill(i);
          break;
        case 'sidecar-abort':
          for (const i of a.instances) await h.abort(i, { percent: a.percent, status: a.status });
          break;
        case 'toxic':
        case 'disable':
          break;
        case 'cpu':
          break;
      }
    }
    for (const op of toxiproxyOps(plan, 'apply')) await h.toxiproxy(op.method, op.path, op.body);
    if (f.type === 'kill') {
      // The kill itself is instantaneous: the fault is over once it is done (the restart is its own event).
      h.onActive(--this.active);
    }
  }

  private async revert(f: FaultSpec, plan: FaultPlan): Promise<void> {
    const h = this.hooks;
    for (const op of toxiproxyOps(plan, 'revert')) await h.toxiproxy(op.method, op.path, op.body);
    for (const a of plan.actions) {
      if (a.kind === 'pause') for (const i of a.instances) await h.resume(i);
      if (a.kind === 'sidecar-abort') for (const i of a.instances) await h.abort(i, null);
      if (a.kind === 'node-down') for (const i of a.instances) await h.restart(i);
    }
    h.event({ t: h.now(), kind: 'fault-end', subject: f.name, reason: describeFault(f) });
    h.onActive(--this.active);
  }

  /** No more chaos; resume anything paused (so teardown can stop it) and wait for work under way. */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    await Promise.allSettled([...this.work]);
  }
}
