/**
 * ChaosExperiment ⇄ Chaos Toolkit experiment (chaostoolkit.org, experiment format 1.0.0: title,
 * description, steady-state-hypothesis with probes and tolerances, method, rollbacks).
 *
 * - Steady-state probes become Prometheus queries over Istio's standard metrics
 *   (`chaosprometheus.probes.query`), written as alert expressions: the query returns a series only
 *   while the condition holds (`… >= 0.99`), and the tolerance asks for one (`jsonpath` count 1).
 *   A probe of the entry as the load sees it counts requests from outside the mesh
 *   (`source_workload="unknown"`).
 * - Faults become actions that run in the background from the start of the method, each after a
 *   pause of its `at`: kill → chaosk8s `terminate_pods`; abort → chaosistio `add_abort_fault` (its
 *   end: `remove_abort_fault`); node-down → chaosk8s `drain_nodes` (`uncordon_node`); every other
 *   fault → the Chaos Mesh resource of `export/chaos.ts`, created with chaosk8s
 *   `create_custom_object` (its `duration` ends it; a recurring fault is a `Schedule`).
 * - A fault without a duration lasts until the end of the experiment: its end is a rollback.
 * - What neither the actions nor the queries can say (a kill's restart and cold start, a probe's
 *   window, a latency's direction…) is kept in an `extensions` entry named `meshdojo`, by fault and
 *   probe name, with only the fields the native form does not carry — so an experiment from
 *   elsewhere imports from its native fields alone, and a meshdojo one comes back exactly.
 */
import { parseDocument, LineCounter } from 'yaml';
import { makeLocator } from '../model/load.ts';
import { SpecError, formatPath, type PathSegment, type SpecIssue } from '../model/errors.ts';
import type { ChaosSpec, FaultSpec, ProbeSpec, TargetSelector, TopologySpec } from '../model/types.ts';
import { readDuration } from './neutral.ts';
import {
  CHAOS_MESH_API,
  CHAOS_MESH_KINDS,
  chaosMeshName,
  chaosMeshResource,
  faultFromChaosMesh,
  type FaultBody,
} from './export/chaos.ts';
import { dur, NAMESPACE } from './export/common.ts';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);

export const EXTENSION = 'meshdojo';
const PROM = { type: 'python', module: 'chaosprometheus.probes', func: 'query' } as const;
const END = ':end';

// ───────────────────────────── small helpers ─────────────────────────────

/** Drops keys whose value is undefined, recursively, so that equal things compare equal. */
function clean<T>(v: T): T {
  if (Array.isArray(v)) return v.map(clean) as T;
  if (!isObj(v)) return v;
  const out: Obj = {};
  for (const [k, x] of Object.entries(v)) if (x !== undefined) out[k] = clean(x);
  return out as T;
}
const same = (a: unknown, b: unknown) => JSON.stringify(sorted(a)) === JSON.stringify(sorted(b));
function sorted(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sorted);
  if (!isObj(v)) return v;
  return Object.fromEntries(
    Object.keys(v)
      .filter((k) => v[k] !== undefined)
      .sort()
      .map((k) => [k, sorted(v[k])]),
  );
}
/** The fields of `want` that `got` lacks or has otherwise (`null` = must be absent). */
function leftover(want: Obj, got: Obj): Obj | undefined {
  const out: Obj = {};
  for (const k of new Set([...Object.keys(want), ...Object.keys(got)]))
    if (!same(want[k], got[k])) out[k] = want[k] === undefined ? null : want[k];
  return Object.keys(out).length ? out : undefined;
}
function overlay<T extends Obj>(base: T, extra: unknown): T {
  if (!isObj(extra)) return base;
  const out: Obj = { ...base };
  for (const [k, v] of Object.entries(extra))
    if (v === null) delete out[k];
    else out[k] = v;
  return out as T;
}
const seconds = (ms: number) => ms / 1000;
const labelSelector = (t: TargetSelector) =>
  [t.service && `app=${t.service}`, t.version && `version=${t.version}`].filter(Boolean).join(',');
function fromLabelSelector(s: unknown): TargetSelector {
  const t: TargetSelector = {};
  if (typeof s !== 'string') return t;
  for (const part of s.split(',')) {
    const [k, v] = part.split('=').map((x) => x.trim());
    if (k === 'app' && v) t.service = v;
    if (k === 'version' && v) t.version = v;
  }
  return t;
}

// ───────────────────────────── probes ─────────────────────────────

const istioLabels = (p: ProbeSpec, entry: string) =>
  `reporter="destination",destination_service_name="${p.service ?? entry}"${p.service === undefined ? ',source_workload="unknown"' : ''}`;
/** The query's range: the probe window's length when it has an end (else one minute). */
const rangeOf = (p: ProbeSpec) => (p.window?.to !== undefined ? dur(p.window.to - p.window.from) : '1m');

function probeQuery(p: ProbeSpec, entry: string): string {
  const l = istioLabels(p, entry);
  const r = rangeOf(p);
  if (p.metric === 'successRate')
    return `sum(rate(istio_requests_total{${l},response_code!~"5.."}[${r}])) / sum(rate(istio_requests_total{${l}}[${r}])) >= ${p.min}`;
  return `histogram_quantile(${(p.percentile ?? 99) / 100}, sum(rate(istio_request_duration_milliseconds_bucket{${l}}[${r}])) by (le)) <= ${p.max}`;
}

const SUCCESS_RX =
  /^sum\(rate\(istio_requests_total\{([^}]*),response_code!~"5\.\."\}\[(\w+)\]\)\) \/ sum\(rate\(istio_requests_total\{[^}]*\}\[\w+\]\)\) >= ([\d.eE+-]+)$/;
const LATENCY_RX =
  /^histogram_quantile\(([\d.eE+-]+), sum\(rate\(istio_request_duration_milliseconds_bucket\{([^}]*)\}\[(\w+)\]\)\) by \(le\)\) <= ([\d.eE+-]+)$/;

function probeFromQuery(name: string, query: unknown): ProbeSpec | undefined {
  if (typeof query !== 'string') return undefined;
  const service = (labels: string) =>
    /source_workload="unknown"/.test(labels)
      ? undefined
      : /destination_service_name="([^"]+)"/.exec(labels)?.[1];
  let m = SUCCESS_RX.exec(query.trim());
  if (m) return clean({ name, service: service(m[1]!), metric: 'successRate', min: Number(m[3]) });
  m = LATENCY_RX.exec(query.trim());
  if (m)
    return clean({
      name,
      service: service(m[2]!),
      metric: 'latency',
      percentile: Math.round(Number(m[1]) * 100 * 1e6) / 1e6,
      max: Number(m[4]),
    });
  return undefined;
}

// ───────────────────────────── faults → actions ─────────────────────────────

interface Actions {
  start: Obj;
  /** Ends the fault: in the method after its duration, else as a rollback. */
  end?: Obj;
  notes: string[];
}

const python = (module: string, func: string, args: Obj) => ({
  type: 'python',
  module,
  func,
  arguments: args,
});

function actionsOf(c: ChaosSpec, f: FaultSpec): Actions | { notes: string[] } {
  if (f.type === 'kill' && f.every === undefined) {
    const t = f.target;
    return {
      start: python('chaosk8s.pod.actions', 'terminate_pods', {
        label_selector: labelSelector(t),
        ns: NAMESPACE,
        ...(t.count !== undefined
          ? { qty: t.count }
          : t.percent !== undefined
            ? { mode: 'percentage', qty: t.percent }
            : { all: true }),
      }),
      notes: [],
    };
  }
  if (f.type === 'abort') {
    const t = f.target;
    const routes = [{ destination: { host: t.service, ...(t.version && { subset: t.version }) } }];
    const vs = { virtual_service_name: t.service, routes, ns: NAMESPACE };
    return {
      start: python('chaosistio.fault.actions', 'add_abort_fault', {
        ...vs,
        http_status: f.status,
        percentage: f.percent,
      }),
      end: python('chaosistio.fault.actions', 'remove_abort_fault', vs),
      notes: [`${f.name}: an Istio abort fault on the callers' side stands in for errors at ${t.service}`],
    };
  }
  if (f.type === 'node-down')
    return {
      start: python('chaosk8s.node.actions', 'drain_nodes', {
        name: f.node,
        delete_pods_with_local_storage: false,
      }),
      end: python('chaosk8s.node.actions', 'uncordon_node', { name: f.node }),
      notes: [`${f.name}: a drained node stands in for a node that is down`],
    };
  const r = chaosMeshResource(c, f);
  if (!r.doc) return { notes: r.notes };
  const kind = r.doc.kind as keyof typeof CHAOS_MESH_KINDS;
  const crd = {
    group: 'chaos-mesh.org',
    version: 'v1alpha1',
    plural: CHAOS_MESH_KINDS[kind].plural,
    ns: NAMESPACE,
  };
  return {
    start: python('chaosk8s.crd.actions', 'create_custom_object', { ...crd, resource: r.doc }),
    // the resource's own `duration` ends the chaos; without one it ends with the experiment
    ...((f.duration === undefined || f.every !== undefined) && {
      end: python('chaosk8s.crd.actions', 'delete_custom_object', { ...crd, name: chaosMeshName(c, f) }),
    }),
    notes: r.notes,
  };
}

const pauses = (ms: number) => (ms > 0 ? { pauses: { before: seconds(ms) } } : {});

/** A Chaos Toolkit experiment (JSON) per ChaosExperiment. */
export function exportChaosToolkit(
  chaos: readonly ChaosSpec[],
  topo: TopologySpec,
): { experiments: { name: string; json: Obj }[]; notes: string[] } {
  const notes: string[] = [];
  const experiments = chaos.map((c) => {
    const probes = c.steadyState.map((p) => ({
      type: 'probe',
      name: p.name,
      tolerance: { type: 'jsonpath', path: '$.data.result[*]', count: 1 },
      provider: { ...PROM, arguments: { query: probeQuery(p, topo.entry.service) } },
    }));
    const method: Obj[] = [];
    const rollbacks: Obj[] = [];
    for (const f of c.faults) {
      const a = actionsOf(c, f);
      notes.push(...a.notes);
      if (!('start' in a)) continue;
      method.push({ type: 'action', name: f.name, provider: a.start, background: true, ...pauses(f.at) });
      if (!a.end) continue;
      const timed = f.duration !== undefined && f.every === undefined;
      if (timed)
        method.push({
          type: 'action',
          name: `${f.name}${END}`,
          provider: a.end,
          background: true,
          ...pauses(f.at + f.duration!),
        });
      else rollbacks.push({ type: 'action', name: `${f.name}${END}`, provider: a.end });
    }
    const json: Obj = {
      version: '1.0.0',
      title: c.name,
      description: `meshdojo ChaosExperiment ${c.name}: ${c.faults.length} fault(s), ${c.steadyState.length} steady-state probe(s)`,
      tags: ['meshdojo'],
      'steady-state-hypothesis': { title: `${c.name} steady state`, probes },
      method,
      rollbacks,
    };
    // what the native form lost, by name
    const back = chaosFromToolkit(json, { file: '(export)' });
    const faults: Obj = {};
    const probesLeft: Obj = {};
    for (const f of c.faults) {
      const got = back.chaos.faults.find((g) => g.name === f.name);
      const left = got
        ? leftover(clean(f) as unknown as Obj, got as unknown as Obj)
        : (clean(f) as unknown as Obj);
      if (left) faults[f.name] = left;
    }
    for (const p of c.steadyState) {
      const got = back.chaos.steadyState.find((g) => g.name === p.name);
      const left = got
        ? leftover(clean(p) as unknown as Obj, got as unknown as Obj)
        : (clean(p) as unknown as Obj);
      if (left) probesLeft[p.name] = left;
    }
    if (Object.keys(faults).length || Object.keys(probesLeft).length)
      json.extensions = [
        {
          name: EXTENSION,
          ...(Object.keys(faults).length && { faults }),
          ...(Object.keys(probesLeft).length && { probes: probesLeft }),
        },
      ];
    return { name: c.name, json };
  });
  return { experiments, notes };
}

// ───────────────────────────── import ─────────────────────────────

export interface ToolkitImport {
  chaos: ChaosSpec;
  /** Activities and probes that have no meshdojo equivalent, by path (never dropped silently). */
  notes: string[];
  /** Malformed input, by path (the caller turns them into file:line errors). */
  issues: { path: PathSegment[]; message: string }[];
}

interface Timed {
  name: string;
  startMs: number;
  fault?: FaultBody;
  path: PathSegment[];
}

function faultOfAction(provider: Obj): {
  fault?: FaultBody;
  problem?: string;
  end?: true;
} {
  const args = isObj(provider.arguments) ? provider.arguments : {};
  const fn = `${String(provider.module)}.${String(provider.func)}`;
  switch (fn) {
    case 'chaosk8s.pod.actions.terminate_pods': {
      const target = fromLabelSelector(args.label_selector);
      if (args.mode === 'percentage' && typeof args.qty === 'number') target.percent = args.qty;
      else if (args.all !== true) target.count = typeof args.qty === 'number' ? args.qty : 1; // chaosk8s' default qty 1
      return { fault: { type: 'kill', target, coldStart: 0 } };
    }
    case 'chaosistio.fault.actions.add_abort_fault':
    case 'chaosistio.fault.actions.add_delay_fault': {
      const route = Array.isArray(args.routes) && isObj(args.routes[0]) ? args.routes[0] : {};
      const d = isObj(route.destination) ? route.destination : {};
      const service = typeof d.host === 'string' ? d.host : String(args.virtual_service_name);
      const target: TargetSelector = { service, ...(typeof d.subset === 'string' && { version: d.subset }) };
      if (provider.func === 'add_abort_fault')
        return {
          fault: {
            type: 'abort',
            target,
            percent: typeof args.percentage === 'number' ? args.percentage : 100,
            status: typeof args.http_status === 'number' ? args.http_status : 503,
          },
        };
      const latency = readDuration(args.fixed_delay);
      if (latency === undefined) return { problem: '`fixed_delay` is not a duration' };
      return { fault: { type: 'latency', target, latency, jitter: 0, stream: 'upstream' } };
    }
    case 'chaosk8s.node.actions.drain_nodes':
      if (typeof args.name !== 'string') return { problem: 'drain_nodes without a node `name`' };
      return { fault: { type: 'node-down', node: args.name } };
    case 'chaosk8s.crd.actions.create_custom_object': {
      if (args.group !== 'chaos-mesh.org')
        return { problem: `custom objects of \`${String(args.group)}\` are not chaos` };
      const r = faultFromChaosMesh(args.resource);
      return 'fault' in r ? { fault: clean(r.fault) } : { problem: r.problem };
    }
    case 'chaosistio.fault.actions.remove_abort_fault':
    case 'chaosistio.fault.actions.remove_delay_fault':
    case 'chaosk8s.node.actions.uncordon_node':
    case 'chaosk8s.crd.actions.delete_custom_object':
      return { end: true };
    default:
      return { problem: `no meshdojo fault for \`${fn}\`` };
  }
}

/** A parsed Chaos Toolkit experiment → a ChaosExperiment. Pure. */
export function chaosFromToolkit(json: unknown, opts: { file: string; name?: string }): ToolkitImport {
  const notes: string[] = [];
  const issues: ToolkitImport['issues'] = [];
  const exp = isObj(json) ? json : {};
  if (!isObj(json)) issues.push({ path: [], message: 'expected a Chaos Toolkit experiment (a JSON object)' });
  else if (typeof exp.title !== 'string' || !exp.title.trim())
    issues.push({ path: ['title'], message: 'a Chaos Toolkit experiment needs a `title`' });
  if (isObj(json) && !Array.isArray(exp.method))
    issues.push({
      path: ['method'],
      message: 'a Chaos Toolkit experiment needs a `method` (a list of activities)',
    });
  const ext = (Array.isArray(exp.extensions) ? exp.extensions : []).find(
    (e): e is Obj => isObj(e) && e.name === EXTENSION,
  );
  const extFaults = isObj(ext?.faults) ? ext.faults : {};
  const extProbes = isObj(ext?.probes) ? ext.probes : {};

  const hypo = isObj(exp['steady-state-hypothesis']) ? exp['steady-state-hypothesis'] : {};
  const steadyState: ProbeSpec[] = [];
  (Array.isArray(hypo.probes) ? hypo.probes : []).forEach((p: unknown, i) => {
    const path = ['steady-state-hypothesis', 'probes', i];
    const name = isObj(p) && typeof p.name === 'string' ? p.name : `probe-${i + 1}`;
    const provider = isObj(p) && isObj(p.provider) ? p.provider : {};
    const args = isObj(provider.arguments) ? provider.arguments : {};
    const native =
      provider.module === PROM.module && provider.func === PROM.func
        ? probeFromQuery(name, args.query)
        : undefined;
    const probe = native ?? (isObj(extProbes[name]) ? ({ name } as ProbeSpec) : undefined);
    if (!probe) {
      notes.push(
        `${formatPath(path)} (${name}): not mapped — only the Prometheus alert queries meshdojo writes are read`,
      );
      return;
    }
    steadyState.push(overlay(probe as unknown as Obj, extProbes[name]) as unknown as ProbeSpec);
  });

  const starts: Timed[] = [];
  const ends = new Map<string, number>();
  (Array.isArray(exp.method) ? exp.method : []).forEach((a: unknown, i) => {
    const path = ['method', i];
    if (!isObj(a) || !isObj(a.provider)) {
      issues.push({ path, message: 'an activity needs `type`, `name` and `provider`' });
      return;
    }
    const name = typeof a.name === 'string' ? a.name : `activity-${i + 1}`;
    if (a.type === 'probe') {
      notes.push(`${formatPath(path)} (${name}): a probe inside the method is not mapped`);
      return;
    }
    const before = isObj(a.pauses) && typeof a.pauses.before === 'number' ? a.pauses.before * 1000 : 0;
    if (a.background !== true && before > 0 && i > 0)
      notes.push(
        `${formatPath(path)} (${name}): not a background action: its pause is read from the start of the method`,
      );
    const got = faultOfAction(a.provider);
    if (got.end) {
      ends.set(name.endsWith(END) ? name.slice(0, -END.length) : name, before);
      return;
    }
    if (got.problem) {
      notes.push(`${formatPath(path)} (${name}): not mapped — ${got.problem}`);
      return;
    }
    starts.push({ name, startMs: before, fault: got.fault, path });
  });

  const faults: FaultSpec[] = starts.map((s) => {
    const end = ends.get(s.name);
    const fault = {
      ...s.fault,
      name: s.name,
      at: s.startMs,
      ...(end !== undefined && end > s.startMs && { duration: end - s.startMs }),
    } as Obj;
    return overlay(fault, extFaults[s.name]) as unknown as FaultSpec;
  });
  const name = opts.name ?? (typeof exp.title === 'string' ? exp.title : 'chaos-toolkit');
  return { chaos: { name, steadyState, faults }, notes, issues };
}

/** A Chaos Toolkit experiment file (JSON; YAML also reads) → a ChaosExperiment, or a file:line SpecError. */
export function importChaosToolkit(text: string, file: string): { chaos: ChaosSpec; notes: string[] } {
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, prettyErrors: false });
  const locate = makeLocator(doc, lc);
  const fail = (list: { path: PathSegment[]; message: string }[]): never => {
    throw new SpecError(
      list.map((i): SpecIssue => ({ file, ...locate(i.path), path: formatPath(i.path), message: i.message })),
    );
  };
  if (doc.errors.length) fail([{ path: [], message: `JSON: ${doc.errors[0]!.message.split('\n')[0]}` }]);
  const r = chaosFromToolkit(doc.toJS(), { file });
  if (r.issues.length) fail(r.issues);
  return { chaos: r.chaos, notes: r.notes };
}

/** The YAML of a ChaosExperiment document (what `meshdojo import` writes for a Chaos Toolkit file). */
export function chaosExperimentDocument(c: ChaosSpec): Obj {
  const ms = (v: number | undefined) => (v === undefined ? undefined : dur(v));
  const target = (t: TargetSelector) => clean({ ...t });
  return clean({
    apiVersion: 'meshdojo/v1',
    kind: 'ChaosExperiment',
    metadata: { name: c.name },
    spec: {
      steadyState: c.steadyState.map((p) =>
        clean({
          ...p,
          max: ms(p.max),
          window: p.window && clean({ from: dur(p.window.from), to: ms(p.window.to) }),
        }),
      ),
      faults: c.faults.map((f) => {
        const o: Obj = { ...f, at: dur(f.at), duration: ms(f.duration), every: ms(f.every) };
        for (const k of ['latency', 'jitter', 'restartAfter', 'coldStart'] as const)
          if (typeof o[k] === 'number') o[k] = dur(o[k]);
        if ('target' in f) o.target = target(f.target);
        return clean(o);
      }),
    },
  });
}

export { CHAOS_MESH_API };
