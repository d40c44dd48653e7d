/**
 * The service graph as data: a node per service (versions and instances inside), an edge per
 * caller → callee pair the recorder measures (`client->entry` included), mTLS and authorization
 * from the policies. Pure TS: the layout and the views read it.
 */
import type { CallStep, MeshPolicySpec, TopologySpec } from '../../../simulator/model/types.ts';
import { resolvePolicies } from '../../../simulator/mesh/resolve.ts';
import { chooseProfile } from '../../../simulator/sim/mesh-setup.ts';

export interface GraphNode {
  id: string;
  kind: 'client' | 'service';
  versions: { name: string; instances: string[] }[];
  /** Worker slots and queue capacity over all instances. */
  slots: number;
  queueCapacity: number;
}

export interface GraphEdge {
  key: string;
  from: string;
  to: string;
  mtls: 'strict' | 'permissive' | 'disable' | 'none';
  /** Authorization at the callee: allowed, denied, or no rule. */
  authz: 'allowed' | 'denied' | 'none';
}

export interface Graph {
  nodes: GraphNode[];
  edges: GraphEdge[];
  entry: string;
}

function calleesOf(steps: CallStep[]): string[] {
  return steps.flatMap((s) => (s.kind === 'call' ? [s.call.service] : s.calls.map((c) => c.service)));
}

export function buildGraph(topology: TopologySpec, policies: MeshPolicySpec[]): Graph {
  const nodes: GraphNode[] = [{ id: 'client', kind: 'client', versions: [], slots: 0, queueCapacity: 0 }];
  const pairs: [string, string][] = [['client', topology.entry.service]];
  const seen = new Set(['client->' + topology.entry.service]);
  for (const svc of topology.services) {
    const versions = svc.versions.map((v) => ({
      name: v.name,
      instances: Array.from({ length: v.replicas }, (_, r) => `${svc.name}-${v.name}-${r}`),
    }));
    const instances = versions.reduce((n, v) => n + v.instances.length, 0);
    nodes.push({
      id: svc.name,
      kind: 'service',
      versions,
      slots: svc.concurrency * instances,
      queueCapacity: svc.queue * instances,
    });
    for (const v of svc.versions)
      for (const ep of v.endpoints)
        for (const callee of calleesOf(ep.calls)) {
          const key = `${svc.name}->${callee}`;
          if (!seen.has(key)) {
            seen.add(key);
            pairs.push([svc.name, callee]);
          }
        }
  }
  // The mode the simulator enforces: the last written one, else the product's default.
  const profile = chooseProfile(policies);
  const mode = resolvePolicies(policies, profile.defaults).mtls;
  const mtls: GraphEdge['mtls'] = profile.mode === 'none' ? 'none' : mode === 'disable' ? 'none' : mode;
  const rules = policies.flatMap((p) => p.security.authorization);
  const edges = pairs.map(([from, to]): GraphEdge => {
    const mine = rules.filter((r) => r.to === to);
    let authz: GraphEdge['authz'] = 'none';
    if (mine.length) {
      const denied = mine.some((r) => r.deny.some((s) => s.from === from));
      const allowed = mine.some((r) => r.allow.some((s) => s.from === from || s.from === undefined));
      authz = denied || !allowed ? 'denied' : 'allowed';
      if (from === 'client') authz = allowed ? 'allowed' : 'denied';
    }
    return { key: `${from}->${to}`, from, to, mtls: from === 'client' ? 'none' : mtls, authz };
  });
  return { nodes, edges, entry: topology.entry.service };
}

/** Which stacked labels edges show (Kiali's checkbox menu). */
export interface EdgeLabels {
  rps: boolean;
  errors: boolean;
  p99: boolean;
  /** Requested (logical) vs actual (tries) rps: retry amplification. */
  amplification: boolean;
}
