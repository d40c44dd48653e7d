/**
 * ChaosExperiment faults ⇄ Chaos Mesh resources (chaos-mesh.org/v1alpha1: NetworkChaos, PodChaos,
 * HTTPChaos, StressChaos, and Schedule for a recurring fault). Chaos Mesh starts a chaos when it
 * is applied: a fault's `at` offset is noted, not scheduled. `faultFromChaosMesh` reads a resource
 * back (the Chaos Toolkit import uses it for the resources its actions create).
 */
import type { ChaosSpec, FaultSpec, TargetSelector } from '../../model/types.ts';
import { readDuration } from '../neutral.ts';
import { dur, NAMESPACE, STUB_PORT, type ExportDocs } from './common.ts';

type Obj = Record<string, unknown>;

export const CHAOS_MESH_API = 'chaos-mesh.org/v1alpha1';
/** A chaos kind → its field in a Schedule's spec (and its plural, for the Kubernetes API). */
export const CHAOS_MESH_KINDS = {
  NetworkChaos: { field: 'networkChaos', plural: 'networkchaos' },
  PodChaos: { field: 'podChaos', plural: 'podchaos' },
  HTTPChaos: { field: 'httpChaos', plural: 'httpchaos' },
  StressChaos: { field: 'stressChaos', plural: 'stresschaos' },
  Schedule: { field: 'schedule', plural: 'schedules' },
} as const;
type ChaosKind = Exclude<keyof typeof CHAOS_MESH_KINDS, 'Schedule'>;

function selector(t: TargetSelector): Obj {
  const labels: Record<string, string> = {};
  if (t.service) labels.app = t.service;
  if (t.version) labels.version = t.version;
  return {
    namespaces: [NAMESPACE],
    ...(Object.keys(labels).length && { labelSelectors: labels }),
    ...(t.node !== undefined && { nodes: [t.node] }),
  };
}
const mode = (t: TargetSelector): Obj =>
  t.count !== undefined
    ? { mode: 'fixed', value: String(t.count) }
    : t.percent !== undefined
      ? { mode: 'fixed-percent', value: String(t.percent) }
      : { mode: 'all' };
export const chaosMeshName = (c: ChaosSpec, f: FaultSpec) =>
  `${c.name}-${f.name}`.toLowerCase().replace(/[^a-z0-9-]/g, '-');
const duration = (f: FaultSpec) => (f.duration !== undefined ? { duration: dur(f.duration) } : {});

/** The chaos kind and spec of one fault, or why it has none. */
function chaosSpecOf(f: FaultSpec): { kind: ChaosKind; spec: Obj; notes: string[] } | { notes: string[] } {
  switch (f.type) {
    case 'latency':
      return {
        kind: 'NetworkChaos',
        spec: {
          action: 'delay',
          ...mode(f.target),
          selector: selector(f.target),
          delay: { latency: dur(f.latency), ...(f.jitter > 0 && { jitter: dur(f.jitter) }) },
          ...duration(f),
        },
        notes: [],
      };
    case 'loss':
      return {
        kind: 'NetworkChaos',
        spec: {
          action: 'loss',
          ...mode(f.target),
          selector: selector(f.target),
          loss: { loss: String(f.percent) },
          ...duration(f),
        },
        notes: [],
      };
    case 'partition': {
      const [a, b] = f.between;
      return {
        kind: 'NetworkChaos',
        spec: {
          action: 'partition',
          ...mode(a),
          selector: selector(a),
          direction: 'both',
          target: { ...mode(b), selector: selector(b) },
          ...duration(f),
        },
        notes: [],
      };
    }
    case 'kill':
      return {
        kind: 'PodChaos',
        spec: { action: 'pod-kill', ...mode(f.target), selector: selector(f.target) },
        notes:
          f.restartAfter !== undefined || f.coldStart > 0
            ? [
                `${f.name}: Kubernetes restarts a killed pod by itself; restartAfter / coldStart are not exported`,
              ]
            : [],
      };
    case 'pause':
      return {
        kind: 'PodChaos',
        spec: { action: 'pod-failure', ...mode(f.target), selector: selector(f.target), ...duration(f) },
        notes: [`${f.name}: pause ≈ pod-failure (the pod stops answering)`],
      };
    case 'abort':
      return {
        kind: 'HTTPChaos',
        spec: {
          ...mode(f.target),
          selector: selector(f.target),
          target: 'Request',
          port: STUB_PORT,
          abort: true,
          ...duration(f),
        },
        notes: [
          `${f.name}: HTTPChaos aborts every request of the selected pods (no per-request percentage, no status ${f.status}): narrow the pods instead`,
        ],
      };
    case 'cpu': {
      const workers = Math.max(1, Math.round(f.multiplier));
      return {
        kind: 'StressChaos',
        spec: {
          ...mode(f.target),
          selector: selector(f.target),
          stressors: { cpu: { workers, load: 100 } },
          ...duration(f),
        },
        notes: [`${f.name}: a CPU slowdown ×${f.multiplier} ≈ ${workers} CPU stress workers`],
      };
    }
    case 'node-down':
      return { notes: [`${f.name}: node-down is not a Chaos Mesh resource (drain or stop the node)`] };
  }
}

/**
 * One fault as a Chaos Mesh resource: its chaos kind, or a `Schedule` (cron `@every`) embedding it
 * when the fault recurs. `undefined` when Chaos Mesh has no resource for it (node-down).
 */
export function chaosMeshResource(c: ChaosSpec, f: FaultSpec): { doc?: Obj; notes: string[] } {
  const made = chaosSpecOf(f);
  if (!('kind' in made)) return { notes: made.notes };
  const metadata = { name: chaosMeshName(c, f), namespace: NAMESPACE };
  if (f.every === undefined)
    return {
      doc: { apiVersion: CHAOS_MESH_API, kind: made.kind, metadata, spec: made.spec },
      notes: made.notes,
    };
  return {
    doc: {
      apiVersion: CHAOS_MESH_API,
      kind: 'Schedule',
      metadata,
      spec: {
        schedule: `@every ${dur(f.every)}`,
        type: made.kind,
        historyLimit: 1,
        concurrencyPolicy: 'Forbid',
        [CHAOS_MESH_KINDS[made.kind].field]: made.spec,
      },
    },
    notes: [
      ...made.notes,
      `${f.name}: recurs every ${dur(f.every)} — a Schedule starts the first one when applied, then on the cron \`@every ${dur(f.every)}\``,
    ],
  };
}

export function exportChaosMesh(chaos: readonly ChaosSpec[]): ExportDocs {
  const docs: Obj[] = [];
  const notes: string[] = [];
  for (const c of chaos) {
    for (const f of c.faults) {
      if (f.at > 0)
        notes.push(
          `${f.name}: apply it ${dur(f.at)} into the run (Chaos Mesh starts a chaos when it is applied)`,
        );
      if (f.duration === undefined && f.type !== 'kill')
        notes.push(`${f.name}: no duration — the chaos lasts until deleted`);
      const r = chaosMeshResource(c, f);
      if (r.doc) docs.push(r.doc);
      notes.push(...r.notes);
    }
    if (c.steadyState.length)
      notes.push(`${c.name}: steady-state probes are not Chaos Mesh resources (use --to chaos-toolkit)`);
  }
  return { docs, notes };
}

// ───────────────────────────── reading a resource back ─────────────────────────────

const isObj = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);

function targetOf(spec: Obj): TargetSelector {
  const sel = isObj(spec.selector) ? spec.selector : {};
  const labels = isObj(sel.labelSelectors) ? sel.labelSelectors : {};
  const t: TargetSelector = {};
  if (typeof labels.app === 'string') t.service = labels.app;
  if (typeof labels.version === 'string') t.version = labels.version;
  if (Array.isArray(sel.nodes) && typeof sel.nodes[0] === 'string') t.node = sel.nodes[0];
  const value = Number(spec.value);
  if (spec.mode === 'fixed' && Number.isFinite(value)) t.count = value;
  if (spec.mode === 'fixed-percent' && Number.isFinite(value)) t.percent = value;
  if (spec.mode === 'one') t.count = 1;
  return t;
}

/** A fault without its `name` and `at` (the caller knows them). */
export type FaultBody = FaultSpec extends infer F
  ? F extends FaultSpec
    ? Omit<F, 'name' | 'at'>
    : never
  : never;
/** What a resource injects, or why it is not a fault. */
export type ReadFault = { fault: FaultBody } | { problem: string };

/** A Chaos Mesh resource (as `chaosMeshResource` writes it, or by hand) → the fault it injects. */
export function faultFromChaosMesh(doc: unknown): ReadFault {
  if (!isObj(doc) || !isObj(doc.spec)) return { problem: 'not a Chaos Mesh resource (no `spec`)' };
  let kind = doc.kind;
  let spec = doc.spec;
  let every: number | undefined;
  if (kind === 'Schedule') {
    const cron = typeof spec.schedule === 'string' ? /^@every\s+(\S+)$/.exec(spec.schedule.trim()) : null;
    every = cron ? readDuration(cron[1]) : undefined;
    if (every === undefined)
      return {
        problem: `Schedule \`${String(spec.schedule)}\`: only \`@every <duration>\` maps to a recurring fault`,
      };
    const inner = CHAOS_MESH_KINDS[spec.type as ChaosKind]?.field;
    if (!inner || !isObj(spec[inner]))
      return { problem: `Schedule of type \`${String(spec.type)}\` is not mapped` };
    kind = spec.type;
    spec = spec[inner] as Obj;
  }
  const base = {
    ...(typeof spec.duration === 'string' && { duration: readDuration(spec.duration) }),
    ...(every !== undefined && { every }),
  };
  const target = targetOf(spec);
  switch (kind) {
    case 'NetworkChaos': {
      if (spec.action === 'delay' && isObj(spec.delay)) {
        const latency = readDuration(spec.delay.latency);
        if (latency === undefined) return { problem: 'NetworkChaos delay without a readable `latency`' };
        const jitter = spec.delay.jitter === undefined ? 0 : (readDuration(spec.delay.jitter) ?? 0);
        return { fault: { type: 'latency', target, latency, jitter, stream: 'upstream', ...base } };
      }
      if (spec.action === 'loss' && isObj(spec.loss))
        return {
          fault: { type: 'loss', target, percent: Number(spec.loss.loss), stream: 'upstream', ...base },
        };
      if (spec.action === 'partition' && isObj(spec.target))
        return { fault: { type: 'partition', between: [target, targetOf(spec.target)], ...base } };
      return { problem: `NetworkChaos action \`${String(spec.action)}\` is not mapped` };
    }
    case 'PodChaos':
      if (spec.action === 'pod-kill') return { fault: { type: 'kill', target, coldStart: 0, ...base } };
      if (spec.action === 'pod-failure') return { fault: { type: 'pause', target, ...base } };
      return { problem: `PodChaos action \`${String(spec.action)}\` is not mapped` };
    case 'HTTPChaos':
      if (spec.abort === true)
        return { fault: { type: 'abort', target, percent: 100, status: 503, ...base } };
      return { problem: 'HTTPChaos without `abort: true` is not mapped' };
    case 'StressChaos': {
      const cpu = isObj(spec.stressors) && isObj(spec.stressors.cpu) ? spec.stressors.cpu : undefined;
      const workers = Number(cpu?.workers);
      if (!Number.isFinite(workers) || workers <= 0) return { problem: 'StressChaos without CPU `workers`' };
      return { fault: { type: 'cpu', target, multiplier: workers, ...base } };
    }
    default:
      return { problem: `Chaos Mesh kind \`${String(kind)}\` is not mapped` };
  }
}
