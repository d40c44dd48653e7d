/**
 * The live shape of a scenario: one instance per replica of every version (named as the
 * simulator names them, `<service>-<version>-<r>`), placed on nodes round-robin as the simulator
 * places them, each with its ports on 127.0.0.1 and, with a mesh, its sidecar.
 */
import type { DataPlaneMode, ScenarioSpec, VersionSpec } from '../../model/types.ts';
import { chooseProfile } from '../../sim/mesh-setup.ts';

export interface LiveInstancePlan {
  name: string;
  service: string;
  version: string;
  node: string;
  versionSpec: VersionSpec;
  /** The app's port, and with a mesh the sidecar's inbound, outbound and admin ports. */
  appPort: number;
  sidecar?: { inbound: number; outbound: number; admin: number };
  /** Whether the instance carries a sidecar (the data plane is on and the service is in the mesh). */
  meshed: boolean;
}

export interface LivePlan {
  mode: DataPlaneMode;
  profile: string;
  instances: LiveInstancePlan[];
  /** Warnings about what the live run cannot do as the scenario says. */
  warnings: string[];
}

/** The data-plane mode a live run uses: `per-node` runs as sidecars here (one proxy per pod). */
export function livePlan(scenario: ScenarioSpec, ports: () => number): LivePlan {
  const profile = chooseProfile(scenario.policies);
  const warnings: string[] = [];
  let mode: DataPlaneMode = profile.mode;
  if (mode === 'per-node') {
    warnings.push(
      `data plane ${profile.name} runs one proxy per node; the live run uses one sidecar per instance instead`,
    );
    mode = 'sidecar';
  }
  const instances: LiveInstancePlan[] = [];
  const nodes = scenario.topology.nodes.map((n) => n.name);
  for (const svc of scenario.topology.services) {
    const placement = svc.placement.length ? svc.placement : nodes;
    let k = 0;
    for (const v of svc.versions)
      for (let r = 0; r < v.replicas; r++) {
        const meshed = mode !== 'none' && svc.inMesh;
        instances.push({
          name: `${svc.name}-${v.name}-${r}`,
          service: svc.name,
          version: v.name,
          node: placement[k++ % placement.length],
          versionSpec: v,
          appPort: ports(),
          ...(meshed ? { sidecar: { inbound: ports(), outbound: ports(), admin: ports() } } : {}),
          meshed,
        });
      }
  }
  for (const c of scenario.chaos)
    for (const f of c.faults)
      if (f.type === 'cpu')
        warnings.push(`${f.name}: a cpu fault has no live form here (stubs compute on timers); skipped`);
  return { mode, profile: profile.name, instances, warnings };
}

/** The edges of the run, in the simulator's order of discovery: the load's entries, then every call site. */
export function liveEdges(scenario: ScenarioSpec): [string, string][] {
  const out: [string, string][] = [];
  const seen = new Set<string>();
  const add = (from: string, to: string): void => {
    const k = `${from}->${to}`;
    if (seen.has(k)) return;
    seen.add(k);
    out.push([from, to]);
  };
  const entry = scenario.load?.entry?.service ?? scenario.topology.entry.service;
  const mix = scenario.load?.requests ?? [];
  if (mix.length) for (const r of mix) add('client', r.service ?? entry);
  else add('client', entry);
  for (const svc of scenario.topology.services)
    for (const v of svc.versions)
      for (const e of v.endpoints)
        for (const step of e.calls)
          for (const c of step.kind === 'call' ? [step.call] : step.calls) add(svc.name, c.service);
  return out;
}
