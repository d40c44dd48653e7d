/**
 * A ChaosExperiment fault, as live operations: toxics on the fault proxies of the right edges and
 * direction, or what is not a toxic at all (abort → the sidecar's fault filter; kill, pause,
 * node-down, cpu → the backend). Pure: no I/O, so it is tested on its own and the live runner
 * performs the plan (apply at `at`, revert at `at + duration`).
 *
 * Directions follow Toxiproxy: a proxy sits between a caller (its client) and a callee (its
 * upstream); `upstream` is caller → callee (requests), `downstream` callee → caller (responses).
 */
import type { FaultSpec, Ms, TargetSelector } from '../../model/types.ts';

export interface LiveInstance {
  id: string;
  service: string;
  version?: string;
  node?: string;
}

/** One fault proxy of the live topology: `from` calls `to` through it (`from` null = the load). */
export interface LiveEdge {
  proxy: string;
  from: string | null;
  to: string;
  /** Set when the topology has a proxy per callee instance (then subsets can be faulted). */
  toInstance?: string;
}

export interface LiveLayout {
  instances: LiveInstance[];
  edges: LiveEdge[];
  /** The topology's connect timeout: a partition closes a connection after it, as the sim fails a connect. */
  connectTimeout: Ms;
}

export type Stream = 'upstream' | 'downstream';

export interface ToxicBody {
  name: string;
  type: 'latency' | 'timeout' | 'reset_peer' | 'bandwidth' | 'slow_close' | 'slicer' | 'limit_data';
  stream: Stream;
  toxicity: number;
  attributes: Record<string, number>;
}

export type LiveAction =
  | { kind: 'toxic'; proxy: string; toxic: ToxicBody }
  | { kind: 'disable'; proxy: string }
  | { kind: 'sidecar-abort'; instances: string[]; percent: number; status: number }
  | { kind: 'kill'; instances: string[]; restartAfter?: Ms; coldStart: Ms }
  | { kind: 'pause'; instances: string[] }
  | { kind: 'node-down'; node: string; instances: string[] }
  | { kind: 'cpu'; instances: string[]; multiplier: number };

export interface FaultPlan {
  fault: string;
  at: Ms;
  /** Undefined = until the end of the run. */
  until?: Ms;
  actions: LiveAction[];
  /** What the live topology cannot express exactly (said in the report, never silently dropped). */
  warnings: string[];
}

export interface MapOptions {
  /** `blackhole` (default): a timeout toxic (data dropped, closed after connectTimeout); `refuse`: enabled:false. */
  partition?: 'blackhole' | 'refuse';
}

/** The instances a selector picks, in instance order (service/version/node, then count or percent). */
export function selectInstances(layout: LiveLayout, sel: TargetSelector): LiveInstance[] {
  const all = layout.instances.filter(
    (i) =>
      (sel.service === undefined || i.service === sel.service) &&
      (sel.version === undefined || i.version === sel.version) &&
      (sel.node === undefined || i.node === sel.node),
  );
  if (sel.count !== undefined) return all.slice(0, sel.count);
  if (sel.percent !== undefined) return all.slice(0, Math.ceil((all.length * sel.percent) / 100));
  return all;
}

/**
 * The edges whose callee is one of `targets`. A per-service edge counts only when every instance
 * of its callee is selected; otherwise a warning says the subset needs per-instance edges.
 */
function edgesInto(
  layout: LiveLayout,
  targets: LiveInstance[],
  warnings: string[],
  what: string,
): LiveEdge[] {
  const ids = new Set(targets.map((t) => t.id));
  const services = new Set(targets.map((t) => t.service));
  const out: LiveEdge[] = [];
  for (const e of layout.edges) {
    if (e.toInstance !== undefined) {
      if (ids.has(e.toInstance)) out.push(e);
      continue;
    }
    if (!services.has(e.to)) continue;
    const whole = layout.instances.filter((i) => i.service === e.to).every((i) => ids.has(i.id));
    if (whole) out.push(e);
    else
      warnings.push(
        `${what}: only some instances of ${e.to} are selected, but edge ${e.proxy} serves them all; not faulted`,
      );
  }
  return out;
}

/** The stream(s) of a latency or loss fault: a `direction` field when given, else the fault's `stream`. */
function streamsOf(fault: FaultSpec, dflt: Stream): Stream[] {
  const d = (fault as { direction?: string }).direction ?? (fault as { stream?: string }).stream;
  switch (d) {
    case 'upstream':
    case 'request':
      return ['upstream'];
    case 'downstream':
    case 'response':
      return ['downstream'];
    case 'both':
      return ['upstream', 'downstream'];
    default:
      return [dflt];
  }
}

export function planFault(fault: FaultSpec, layout: LiveLayout, opts: MapOptions = {}): FaultPlan {
  const warnings: string[] = [];
  const plan = (actions: LiveAction[]): FaultPlan => ({
    fault: fault.name,
    at: fault.at,
    until: fault.duration === undefined ? undefined : fault.at + fault.duration,
    actions,
    warnings,
  });
  const ids = (sel: TargetSelector) => selectInstances(layout, sel).map((i) => i.id);
  const toxic = (e: LiveEdge, body: Omit<ToxicBody, 'name'>): LiveAction => ({
    kind: 'toxic',
    proxy: e.proxy,
    toxic: { name: `${fault.name}_${body.stream}`, ...body },
  });

  switch (fault.type) {
    case 'latency': {
      const edges = edgesInto(layout, selectInstances(layout, fault.target), warnings, fault.name);
      // The sim adds the delay once per attempt; one stream carries it (downstream: the answer is late).
      return plan(
        edges.flatMap((e) =>
          streamsOf(fault, 'downstream').map((stream) =>
            toxic(e, {
              type: 'latency',
              stream,
              toxicity: 1,
              attributes: { latency: Math.round(fault.latency), jitter: Math.round(fault.jitter) },
            }),
          ),
        ),
      );
    }
    case 'loss': {
      // The sim fails that share of connection attempts at once (refused / reset): a reset_peer
      // toxic on that share of connections. Toxiproxy rolls toxicity per connection, not per request.
      const edges = edgesInto(layout, selectInstances(layout, fault.target), warnings, fault.name);
      warnings.push(
        `${fault.name}: loss is rolled per connection (Toxiproxy toxicity); a keep-alive connection carries many requests`,
      );
      return plan(
        edges.flatMap((e) =>
          streamsOf(fault, 'upstream').map((stream) =>
            toxic(e, {
              type: 'reset_peer',
              stream,
              toxicity: fault.percent / 100,
              attributes: { timeout: 0 },
            }),
          ),
        ),
      );
    }
    case 'partition': {
      const [a, b] = fault.between.map((s) => selectInstances(layout, s));
      const aServices = new Set(a.map((i) => i.service));
      const bServices = new Set(b.map((i) => i.service));
      const into = [
        ...edgesInto(layout, b, warnings, fault.name).filter((e) => e.from !== null && aServices.has(e.from)),
        ...edgesInto(layout, a, warnings, fault.name).filter((e) => e.from !== null && bServices.has(e.from)),
      ];
      if (opts.partition === 'refuse') return plan(into.map((e) => ({ kind: 'disable', proxy: e.proxy })));
      return plan(
        into.flatMap((e) =>
          (['upstream', 'downstream'] as const).map((stream) =>
            toxic(e, {
              type: 'timeout',
              stream,
              toxicity: 1,
              attributes: { timeout: Math.round(layout.connectTimeout) },
            }),
          ),
        ),
      );
    }
    case 'abort':
      return plan([
        { kind: 'sidecar-abort', instances: ids(fault.target), percent: fault.percent, status: fault.status },
      ]);
    case 'kill':
      return plan([
        {
          kind: 'kill',
          instances: ids(fault.target),
          restartAfter: fault.restartAfter,
          coldStart: fault.coldStart,
        },
      ]);
    case 'pause':
      return plan([{ kind: 'pause', instances: ids(fault.target) }]);
    case 'cpu':
      return plan([{ kind: 'cpu', instances: ids(fault.target), multiplier: fault.multiplier }]);
    case 'node-down':
      return plan([{ kind: 'node-down', node: fault.node, instances: ids({ node: fault.node }) }]);
  }
}

/** A Toxiproxy HTTP call (POST/DELETE on /proxies/…), for a real Toxiproxy or ours alike. */
export interface ToxiproxyOp {
  method: 'POST' | 'DELETE';
  path: string;
  body?: unknown;
}

/** The Toxiproxy calls that apply (or revert) a plan's toxic actions; other actions are not ours. */
export function toxiproxyOps(plan: FaultPlan, phase: 'apply' | 'revert'): ToxiproxyOp[] {
  const ops: ToxiproxyOp[] = [];
  for (const a of plan.actions) {
    const p = `/proxies/${encodeURIComponent(a.kind === 'toxic' || a.kind === 'disable' ? a.proxy : '')}`;
    if (a.kind === 'toxic') {
      ops.push(
        phase === 'apply'
          ? { method: 'POST', path: `${p}/toxics`, body: a.toxic }
          : { method: 'DELETE', path: `${p}/toxics/${encodeURIComponent(a.toxic.name)}` },
      );
    } else if (a.kind === 'disable') {
      ops.push({ method: 'POST', path: p, body: { enabled: phase === 'revert' } });
    }
  }
  return ops;
}
