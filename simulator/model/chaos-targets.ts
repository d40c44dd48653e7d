/**
 * Topology-agnostic chaos targets: `target: { select: leaf }` → `target: { service: ratings }`.
 *
 * A chaos engineer names the *role* a service plays (the entry, a leaf, the busiest service, an
 * optional dependency…) the way Chaos Mesh names pods by selector and Gremlin sizes a blast
 * radius, and the same experiment then fits Bookinfo, Online Boutique or a topology of one's own.
 * This is the one place a role becomes a service: the loader calls `resolveChaosTargets` once the
 * topology is known, and everything after it (the simulator, the live fault map, the exporters)
 * sees concrete `service` names only. Pure and deterministic: the same topology (and load mix)
 * always gives the same service; ties go to the service written first.
 *
 * The figures behind the roles are static estimates from the topology, not a run:
 * - calls: invocations of a service per request of the load (the load's request mix, else the
 *   topology's entry), following every call step with its `probability` and `times`, versions
 *   weighted by their replicas (round-robin over instances);
^ * - load: calls × mean service time (ms) ÷ capacity (replicas × worker slots, or cores when `cpu` is
 *   smaller) — a utilisation per entry request, so the ranking holds whatever the rate;
 * - depth: the longest call path from the entry (the entry is 0).
 */
import type { PathSegment } from './errors.ts';
import type {
  CallSpec,
  ChaosSpec,
  Distribution,
  FaultSpec,
  LoadProfileSpec,
  ProbeSpec,
  ServiceRank,
  ServiceRole,
  ServiceSpec,
  TargetSelector,
  TopologySpec,
} from './types.ts';

export interface ServiceFacts {
  name: string;
  /** Position in the topology (the tie-break). */
  order: number;
  calls: number;
  load: number;
  depth: number;
  instances: number;
  /** Services it calls, in the order its code calls them. */
  callees: string[];
  /** Called by someone with `onError: fallback | ignore` / with `onError: fail`. */
  calledOptional: boolean;
  calledCritical: boolean;
}

export interface RoleDefinition {
  /** What the role means, for docs and errors. */
  means: string;
  /** The rank used when `rank` is not written. */
  rank: ServiceRank;
  matches(f: ServiceFacts, all: ReadonlyMap<string, ServiceFacts>, topo: TopologySpec): boolean;
}

const isLeaf = (f: ServiceFacts) => f.callees.length === 0;

export const ROLES: Record<ServiceRole, RoleDefinition> = {
  entry: {
    means: "the topology's entry service",
    rank: 'first',
    matches: (f, _all, t) => f.name === t.entry.service,
  },
  'entry-dependency': {
    means: "the first service the entry's endpoint calls",
    rank: 'first',
    matches: (f, _all, t) => f.name === firstCallee(t),
  },
  leaf: {
    means: 'a service that calls no other (the most called one)',
    rank: 'most-called',
    matches: (f) => isLeaf(f),
  },
  'deepest-leaf': {
    means: 'the leaf farthest from the entry (the longest call path)',
    rank: 'deepest',
    matches: (f) => isLeaf(f),
  },
  busiest: {
    means: 'the service with the highest estimated utilisation',
    rank: 'busiest',
    matches: () => true,
  },
  'most-called': {
    means: 'the service invoked most often per request',
    rank: 'most-called',
    matches: () => true,
  },
  'optional-dependency': {
    means: 'a service every caller calls with `onError: fallback` or `ignore` (the most called one)',
    rank: 'most-called',
    matches: (f) => f.calledOptional && !f.calledCritical,
  },
  'critical-dependency': {
    means: 'a service some caller calls with `onError: fail` (the most called one)',
    rank: 'most-called',
    matches: (f) => f.calledCritical,
  },
  replicated: {
    means: 'a service with more than one instance (the most called one)',
    rank: 'most-called',
    matches: (f) => f.instances > 1,
  },
  dependency: {
    means: 'any service but the entry (the most called one)',
    rank: 'most-called',
    matches: (f, _all, t) => f.name !== t.entry.service,
  },
};

function firstCallee(t: TopologySpec): string | undefined {
  const svc = t.services.find((s) => s.name === t.entry.service);
  for (const v of svc?.versions ?? []) {
    const ep = v.endpoints.find((e) => e.name === t.entry.endpoint);
    const step = ep?.calls[0];
    if (step) return step.kind === 'call' ? step.call.service : step.calls[0]?.service;
  }
  return undefined;
}

function meanMs(d: Distribution): number {
  switch (d.dist) {
    case 'constant':
      return d.value;
    case 'exponential':
    case 'normal':
      return d.mean;
    case 'uniform':
      return (d.min + d.max) / 2;
    case 'lognormal': {
      const sigma = Math.log(d.p99 / d.median) / 2.3263478740408408;
      return d.median * Math.exp((sigma * sigma) / 2);
    }
  }
}

const callsOf = (steps: ServiceSpec['versions'][number]['endpoints'][number]['calls']): CallSpec[] =>
  steps.flatMap((s) => (s.kind === 'call' ? [s.call] : s.calls));

/** Calls, load and depth of every service reached by the load (or the entry). */
export function serviceFacts(topo: TopologySpec, load?: LoadProfileSpec): Map<string, ServiceFacts> {
  const byName = new Map(topo.services.map((s) => [s.name, s]));
  const calls = new Map<string, number>();
  const work = new Map<string, number>();
  const depth = new Map<string, number>();
  const MAX_DEPTH = 32; // the loader refuses call cycles; this only bounds a malformed input

  const visit = (service: string, endpoint: string, rate: number, d: number): void => {
    const svc = byName.get(service);
    if (!svc || rate <= 0 || d > MAX_DEPTH) return;
    calls.set(service, (calls.get(service) ?? 0) + rate);
    depth.set(service, Math.max(depth.get(service) ?? 0, d));
    const replicas = svc.versions.reduce((n, v) => n + v.replicas, 0);
    for (const v of svc.versions) {
      const share = replicas > 0 ? v.replicas / replicas : 0;
      const ep = v.endpoints.find((e) => e.name === endpoint);
      if (!ep || share === 0) continue;
      work.set(service, (work.get(service) ?? 0) + rate * share * meanMs(ep.serviceTime));
      for (const c of callsOf(ep.calls))
        visit(c.service, c.endpoint, rate * share * c.probability * c.times, d + 1);
    }
  };
  const entry = load?.entry ?? topo.entry;
  const mix = load?.requests ?? [];
  if (mix.length) {
    const total = mix.reduce((n, r) => n + r.weight, 0);
    for (const r of mix) visit(r.service ?? entry.service, r.endpoint, r.weight / total, 0);
  } else visit(entry.service, entry.endpoint, 1, 0);

  const out = new Map<string, ServiceFacts>();
  topo.services.forEach((s, order) => {
    if (!calls.has(s.name)) return; // no request reaches it: nothing to learn from faulting it
    const callees: string[] = [];
    for (const v of s.versions)
      for (const e of v.endpoints)
        for (const c of callsOf(e.calls)) if (!callees.includes(c.service)) callees.push(c.service);
    const instances = s.versions.reduce((n, v) => n + v.replicas, 0);
    const slots = s.cpu !== undefined ? Math.min(s.concurrency, s.cpu) : s.concurrency;
    out.set(s.name, {
      name: s.name,
      order,
      calls: calls.get(s.name)!,
      load: (work.get(s.name) ?? 0) / Math.max(1e-9, Math.max(1, instances) * slots),
      depth: depth.get(s.name) ?? 0,
      instances,
      callees,
      calledOptional: false,
      calledCritical: false,
    });
  });
  for (const s of topo.services) {
    if (!out.has(s.name)) continue;
    for (const v of s.versions)
      for (const e of v.endpoints)
        for (const c of callsOf(e.calls)) {
          const f = out.get(c.service);
          if (!f) continue;
          if (c.onError === 'fail') f.calledCritical = true;
          else f.calledOptional = true;
        }
  }
  return out;
}

const RANKERS: Record<ServiceRank, (a: ServiceFacts, b: ServiceFacts) => number> = {
  'most-called': (a, b) => b.calls - a.calls,
  busiest: (a, b) => b.load - a.load,
  deepest: (a, b) => b.depth - a.depth || b.calls - a.calls,
  first: () => 0,
};

/** The services a role matches, best first (its rank, then topology order). */
export function rankedMatches(
  role: ServiceRole,
  rank: ServiceRank | undefined,
  topo: TopologySpec,
  facts: ReadonlyMap<string, ServiceFacts>,
): ServiceFacts[] {
  const def = ROLES[role];
  const by = RANKERS[rank ?? def.rank];
  return [...facts.values()]
    .filter((f) => def.matches(f, facts, topo))
    .sort((a, b) => by(a, b) || a.order - b.order);
}

export interface TargetIssue {
  /** From the document root, e.g. `['spec', 'faults', 0, 'target', 'select']`. */
  path: PathSegment[];
  message: string;
}

/** One `select` and the service it became (for reports and docs). */
export interface TargetResolution {
  path: PathSegment[];
  select: ServiceRole;
  rank: ServiceRank;
  service: string;
}

export interface ResolvedChaos {
  chaos: ChaosSpec;
  issues: TargetIssue[];
  resolutions: TargetResolution[];
}

/**
 * Replaces every `select` (and its `rank`) of an experiment's targets and probes with the service
 * it names in `topo`. A `select` that matches nothing is an issue at its path; the target is then
 * left without a service (the caller reports the issues and does not run).
 */
export function resolveChaosTargets(c: ChaosSpec, topo: TopologySpec, load?: LoadProfileSpec): ResolvedChaos {
  const issues: TargetIssue[] = [];
  const resolutions: TargetResolution[] = [];
  let facts: Map<string, ServiceFacts> | undefined;

  const pick = <T extends TargetSelector | ProbeSpec>(t: T, base: PathSegment[]): T => {
    if (t.select === undefined) return t;
    const { select, rank, ...rest } = t;
    facts ??= serviceFacts(topo, load);
    const [best] = rankedMatches(select, rank, topo, facts);
    if (!best) {
      issues.push({ path: [...base, 'select'], message: noMatch(select, topo, facts) });
      return rest as T;
    }
    resolutions.push({
      path: [...base, 'select'],
      select,
      rank: rank ?? ROLES[select].rank,
      service: best.name,
    });
    return { ...rest, service: best.name } as T;
  };

  const faults = c.faults.map((f, i): FaultSpec => {
    const base: PathSegment[] = ['spec', 'faults', i];
    if (f.type === 'node-down') return f;
    if (f.type === 'partition')
      return {
        ...f,
        between: [pick(f.between[0], [...base, 'between', 0]), pick(f.between[1], [...base, 'between', 1])],
      };
    return { ...f, target: pick(f.target, [...base, 'target']) };
  });
  const steadyState = c.steadyState.map((p, i) => pick(p, ['spec', 'steadyState', i]));
  return { chaos: { ...c, faults, steadyState }, issues, resolutions };
}

function noMatch(role: ServiceRole, topo: TopologySpec, facts: ReadonlyMap<string, ServiceFacts>): string {
  const reached = [...facts.keys()];
  const why =
    role === 'replicated'
      ? 'every service reached by the load has one instance'
      : role === 'critical-dependency'
        ? 'every call is made with `onError: fallback` or `ignore`'
        : role === 'optional-dependency'
          ? 'every dependency is called with `onError: fail` by some caller'
          : role === 'entry-dependency'
            ? `the entry's endpoint \`${topo.entry.endpoint}\` calls nothing`
            : `no service reached by the load is one (reached: ${reached.map((n) => `\`${n}\``).join(', ') || 'none'})`;
  return `\`select: ${role}\` (${ROLES[role].means}) matches no service of topology \`${topo.name}\`: ${why}; name a \`service\` or choose another role`;
}
