/**
 * Canary releases on a live run: the control plane's own CanaryController (simulator/control), on
 * the wall clock, fed the canary subset's answers as the stubs logged them, and each weight it
 * sets pushed to every sidecar as new policies (`PUT /policy`) — as Flagger or Argo Rollouts
 * rewrite a route's weights. A policy swap starts a new cluster generation in each sidecar, so
 * breaker and outlier state restart at each step.
 */
import { CanaryController, type CanaryAnalysis } from '../../control/canary.ts';
import type { CanarySpec, MeshPolicySpec } from '../../model/types.ts';
import { CanaryWindow } from '../../sim/canary-window.ts';
import type { RunEvent } from '../../telemetry/types.ts';
import { WallClock } from '../wall-clock.ts';

export interface LiveCanaryHooks {
  /** Run time, ms (the events' t). */
  now(): number;
  event(e: RunEvent): void;
  /** Send these policies to every sidecar. */
  push(policies: MeshPolicySpec[]): Promise<void>;
  warn(line: string): void;
}

interface Tally {
  spec: CanarySpec;
  ctl: CanaryController;
  window: CanaryWindow;
}

/**
 * The policies with each canary's weight written into the routes of its destination: every route
 * naming the stable or the canary subset gets `canary: w, stable: 100 − w` (as the simulator's
 * router is set); a destination without routes gets one such split.
 */
export function weightedPolicies(
  policies: readonly MeshPolicySpec[],
  weights: readonly { spec: CanarySpec; weight: number }[],
): MeshPolicySpec[] {
  return policies.map((p) => ({
    ...p,
    destinations: p.destinations.map((d) => {
      const k = weights.find((x) => x.spec.service === d.service);
      if (!k) return d;
      const { stable, canary } = k.spec;
      const split = (s: Record<string, number>) => ({ ...s, [stable]: 100 - k.weight, [canary]: k.weight });
      const routes = d.routes?.length
        ? d.routes.map((r) => (stable in r.split || canary in r.split ? { ...r, split: split(r.split) } : r))
        : [{ split: split({}) }];
      return { ...d, routes };
    }),
  }));
}

export class LiveCanaries {
  private readonly tallies: Tally[];
  private readonly clock = new WallClock();
  private pushed = new Map<string, number>();
  private pushing: Promise<void> = Promise.resolve();

  constructor(
    private readonly policies: readonly MeshPolicySpec[],
    private readonly hooks: LiveCanaryHooks,
  ) {
    this.tallies = policies
      .flatMap((p) => p.canaries)
      .map((spec) => {
        const t: Tally = { spec, ctl: null as unknown as CanaryController, window: new CanaryWindow() };
        // The interval's measurements are read at the controller's tick, then they start again.
        const analysis = (): CanaryAnalysis => t.window.take();
        t.ctl = new CanaryController(spec, this.clock, {
          analysis,
          sink: (_t, e) => {
            this.hooks.event({
              t: this.hooks.now(),
              kind: 'canary',
              subject: e.subject,
              state: e.state,
              reason: e.reason,
            });
            this.sync();
          },
        });
        return t;
      });
  }

  get active(): boolean {
    return this.tallies.length > 0;
  }

  start(): void {
    for (const t of this.tallies) t.ctl.start();
    this.sync();
  }

  /** One answer of an instance of `service` running `version` (from the stubs' logs). */
  served(service: string, version: string, ok: boolean, latencyMs: number): void {
    for (const t of this.tallies) {
      if (t.spec.service !== service || t.spec.canary !== version) continue;
      t.window.record(ok, latencyMs);
    }
  }

  /** Pushes the weights when one changed (one push at a time, in order). */
  private sync(): void {
    const weights = this.tallies.map((t) => ({ spec: t.spec, weight: t.ctl.canaryWeight }));
    if (weights.every((w) => this.pushed.get(w.spec.service) === w.weight)) return;
    for (const w of weights) this.pushed.set(w.spec.service, w.weight);
    const policies = weightedPolicies(this.policies, weights);
    this.pushing = this.pushing
      .then(() => this.hooks.push(policies))
      .catch((err: unknown) => this.hooks.warn(`canary: ${(err as Error).message}`));
  }

  async stop(): Promise<void> {
    for (const t of this.tallies) t.ctl.stop();
    await this.pushing;
  }
}
