/**
 * Parameter sweeps: `--vary KEY=VALUES` axes, their cartesian product (the grid of variants) and
 * the application of one variant to a ScenarioSpec. All pure functions; the runner is in main.ts.
 *
 * Key grammar:
 *   <service>.<field path>          a field of the MeshPolicy destination of <service>
 *                                   (e.g. ratings.retries.attempts, ratings.timeout)
 *   topology.<service>.<field>      concurrency, queue, replicas, cpu, errorRate
 *   load.<field>                    rate, vus, timeout
 * Values: `v1,v2,…`; integer ranges `a..b` (inclusive) may appear among them; durations are
 * written with a unit (`250ms`, `1s`); `none` removes an optional duration (a timeout).
 *
 * A policy variant is applied to the destination as written (`raw-policy.ts`) and loaded again
 * through the MeshPolicy loader: it is validated as a document is, and the resolver gives it the
 * same defaults as `meshdojo run` with the equivalent file.
 */
import type { MeshPolicySpec, ScenarioSpec, ServiceSpec } from '../model/types.ts';
import { parseDuration } from '../model/duration.ts';
import { RETRY_ON } from '../model/schemas.ts';
import { UsageError } from './errors.ts';
import { loadDestination, rawDestination, type RawDestination } from './raw-policy.ts';

// ───────────────────────────── field table ─────────────────────────────

type FieldKind =
  | { type: 'duration'; optional?: boolean }
  | { type: 'int'; min: number }
  | { type: 'number'; min: number; max?: number }
  | { type: 'bool' }
  | { type: 'enum'; values: readonly string[] }
  | { type: 'enum-list'; values: readonly string[] }
  | { type: 'int-list' };

const count = (min = 0): FieldKind => ({ type: 'int', min });
const duration: FieldKind = { type: 'duration' };
const pct: FieldKind = { type: 'number', min: 0, max: 100 };

/** Fields of a MeshPolicy destination that a sweep may vary. */
const POLICY_FIELDS: Record<string, FieldKind> = {
  timeout: { type: 'duration', optional: true },
  deadlinePropagation: { type: 'bool' },
  'retries.attempts': count(),
  'retries.perTryTimeout': { type: 'duration', optional: true },
  'retries.retryOn': { type: 'enum-list', values: RETRY_ON },
  'retries.retriableStatusCodes': { type: 'int-list' },
  'retries.backoff.base': duration,
  'retries.backoff.max': duration,
  'retries.otherHost': { type: 'bool' },
  'retryBudget.percent': pct,
  'retryBudget.minRetryConcurrency': count(),
  'retryBudget.ratio': { type: 'number', min: 0 },
  'retryBudget.minRetriesPerSecond': { type: 'number', min: 0 },
  'retryBudget.ttl': duration,
  'circuitBreaker.consecutiveFailures': count(1),
  'circuitBreaker.openFor': duration,
  'circuitBreaker.halfOpenRequests': count(1),
  'circuitBreaker.failureRate.threshold': pct,
  'circuitBreaker.failureRate.window': duration,
  'circuitBreaker.failureRate.minimumRequests': count(),
  'connectionPool.maxConnections': count(1),
  'connectionPool.maxPendingRequests': count(),
  'connectionPool.maxRequests': count(1),
  'connectionPool.maxRetries': count(),
  'outlierDetection.consecutive5xxErrors': count(1),
  'outlierDetection.consecutiveGatewayErrors': count(1),
  'outlierDetection.interval': duration,
  'outlierDetection.baseEjectionTime': duration,
  'outlierDetection.maxEjectionTime': duration,
  'outlierDetection.maxEjectionPercent': pct,
  'outlierDetection.minHealthPercent': pct,
  'loadBalancer.algorithm': { type: 'enum', values: ['round-robin', 'random', 'least-request'] },
  'faults.delay.percent': pct,
  'faults.delay.fixed': duration,
  'faults.abort.percent': pct,
  'faults.abort.status': count(100),
};

/** Fields of a topology service a sweep may vary. */
const TOPOLOGY_FIELDS: Record<string, FieldKind> = {
  concurrency: count(1),
  queue: count(),
  replicas: count(0),
  cpu: { type: 'number', min: 0 },
  errorRate: { type: 'number', min: 0, max: 1 },
};

const LOAD_FIELDS: Record<string, FieldKind> = {
  rate: { type: 'number', min: 0 },
  vus: count(1),
  timeout: duration,
};

// ───────────────────────────── axes and grid ─────────────────────────────

export type SweepTarget =
  | { scope: 'policy'; service: string; path: string[] }
  | { scope: 'topology'; service: string; field: string }
  | { scope: 'load'; field: string };

export interface VaryValue {
  /** As written on the command line (`250ms`). */
  raw: string;
  /** Parsed (`250`); `undefined` for `none`. */
  value: unknown;
}

export interface VaryAxis {
  key: string;
  target: SweepTarget;
  values: VaryValue[];
}

export interface Assignment {
  key: string;
  target: SweepTarget;
  raw: string;
  value: unknown;
}

export interface Variant {
  /** `ratings.retries.attempts=2 ratings.timeout=500ms` */
  label: string;
  assignments: Assignment[];
}

/** Parses `KEY=V1,V2,…` (with `a..b` integer ranges) into an axis. Throws UsageError on bad input. */
export function parseVary(spec: string): VaryAxis {
  const eq = spec.indexOf('=');
  if (eq <= 0)
    throw new UsageError(`--vary ${spec}: expected KEY=VALUE[,VALUE…] (e.g. ratings.retries.attempts=0..4)`);
  const key = spec.slice(0, eq).trim();
  const list = spec.slice(eq + 1);
  const { target, kind } = resolveKey(key);
  const raws: string[] = [];
  for (const item of list.split(',')) {
    const text = item.trim();
    if (text === '') throw new UsageError(`--vary ${spec}: empty value`);
    const range = /^(-?\d+)\s*\.\.\s*(-?\d+)$/.exec(text);
    if (range) {
      if (kind.type !== 'int' && kind.type !== 'number') {
        throw new UsageError(`--vary ${key}: a range ${text} needs a numeric field`);
      }
      const a = Number(range[1]);
      const b = Number(range[2]);
      if (a > b) throw new UsageError(`--vary ${key}: empty range ${text} (${a} > ${b})`);
      if (b - a > 10_000) throw new UsageError(`--vary ${key}: range ${text} is too long`);
      for (let v = a; v <= b; v++) raws.push(String(v));
    } else {
      raws.push(text);
    }
  }
  const values = raws.map((raw) => ({ raw, value: parseValue(key, kind, raw) }));
  return { key, target, values };
}

/** The cartesian product of the axes; the first axis varies slowest. No axes → one empty variant. */
export function expandGrid(axes: readonly VaryAxis[]): Variant[] {
  const keys = new Set<string>();
  for (const a of axes) {
    if (keys.has(a.key)) throw new UsageError(`--vary ${a.key} is given twice`);
    keys.add(a.key);
  }
  let rows: Assignment[][] = [[]];
  for (const axis of axes) {
    const next: Assignment[][] = [];
    for (const row of rows) {
      for (const v of axis.values)
        next.push([...row, { key: axis.key, target: axis.target, raw: v.raw, value: v.value }]);
    }
    rows = next;
  }
  return rows.map((assignments) => ({
    label: assignments.map((a) => `${a.key}=${a.raw}`).join(' '),
    assignments,
  }));
}

/** A copy of `scenario` with the variant's assignments applied (the input is not modified). */
export function applyVariant(scenario: ScenarioSpec, variant: Variant): ScenarioSpec {
  const out = structuredClone(scenario);
  for (const a of variant.assignments) applyAssignment(out, a);
  return out;
}

// ───────────────────────────── internals ─────────────────────────────

function resolveKey(key: string): { target: SweepTarget; kind: FieldKind } {
  const parts = key.split('.');
  if (parts.some((p) => p === '')) throw new UsageError(`--vary ${key}: malformed key`);
  if (parts[0] === 'topology') {
    if (parts.length !== 3) {
      throw new UsageError(`--vary ${key}: expected topology.<service>.<field>`);
    }
    const kind = TOPOLOGY_FIELDS[parts[2]];
    if (!kind) {
      throw new UsageError(
        `--vary ${key}: unknown topology field ${parts[2]} (one of ${Object.keys(TOPOLOGY_FIELDS).join(', ')})`,
      );
    }
    return { target: { scope: 'topology', service: parts[1], field: parts[2] }, kind };
  }
  if (parts[0] === 'load') {
    const kind = parts.length === 2 ? LOAD_FIELDS[parts[1]] : undefined;
    if (!kind) {
      throw new UsageError(
        `--vary ${key}: expected load.<field>, one of ${Object.keys(LOAD_FIELDS).join(', ')}`,
      );
    }
    return { target: { scope: 'load', field: parts[1] }, kind };
  }
  if (parts.length < 2) {
    throw new UsageError(
      `--vary ${key}: expected <service>.<policy field>, topology.<service>.<field> or load.<field>`,
    );
  }
  const path = parts.slice(1);
  const kind = POLICY_FIELDS[path.join('.')];
  if (!kind) {
    throw new UsageError(
      `--vary ${key}: unknown policy field ${path.join('.')} (one of ${Object.keys(POLICY_FIELDS).join(', ')})`,
    );
  }
  return { target: { scope: 'policy', service: parts[0], path }, kind };
}

function parseValue(key: string, kind: FieldKind, raw: string): unknown {
  const bad = (what: string): never => {
    throw new UsageError(`--vary ${key}: expected ${what}, got ${raw}`);
  };
  switch (kind.type) {
    case 'duration': {
      if (kind.optional && raw === 'none') return undefined;
      let ms: number;
      try {
        ms = parseDuration(raw);
      } catch {
        return bad('a duration with a unit (250us, 10ms, 1.5s, 2m)');
      }
      if (!Number.isFinite(ms) || ms < 0) bad('a non-negative duration');
      return ms;
    }
    case 'int': {
      const n = Number(raw);
      if (!/^-?\d+$/.test(raw) || !Number.isSafeInteger(n)) bad('an integer');
      if (n < kind.min) bad(`an integer ≥ ${kind.min}`);
      return n;
    }
    case 'number': {
      const n = Number(raw);
      if (!/^-?(\d+(\.\d*)?|\.\d+)(e-?\d+)?$/i.test(raw) || !Number.isFinite(n)) bad('a number');
      if (n < kind.min || (kind.max !== undefined && n > kind.max)) {
        bad(`a number in ${kind.min}..${kind.max ?? '∞'}`);
      }
      return n;
    }
    case 'bool':
      if (raw === 'true') return true;
      if (raw === 'false') return false;
      return bad('true or false');
    case 'enum':
      if (!kind.values.includes(raw)) bad(`one of ${kind.values.join(', ')}`);
      return raw;
    case 'enum-list': {
      // Values are separated by commas, so a list value joins its items with `+`.
      const items = raw === 'none' ? [] : raw.split('+');
      for (const item of items)
        if (!kind.values.includes(item)) bad(`items (joined with +) among ${kind.values.join(', ')}`);
      return items;
    }
    case 'int-list': {
      const items = raw === 'none' ? [] : raw.split('+');
      return items.map((item) => {
        if (!/^\d+$/.test(item)) bad('integers joined with + (e.g. 502+503)');
        return Number(item);
      });
    }
  }
}

function applyAssignment(s: ScenarioSpec, a: Assignment): void {
  const t = a.target;
  switch (t.scope) {
    case 'policy': {
      findService(s, t.service, a.key);
      const { doc, index } = destinationFor(s, t.service);
      const raw = rawDestination(doc.destinations[index]!);
      setRawField(raw, t.path, a);
      try {
        doc.destinations[index] = loadDestination(raw);
      } catch (e) {
        throw new UsageError(`--vary ${a.key}=${a.raw}: ${e instanceof Error ? e.message : String(e)}`);
      }
      return;
    }
    case 'topology': {
      const svc = findService(s, t.service, a.key);
      const v = a.value as number;
      switch (t.field) {
        case 'concurrency':
          svc.concurrency = v;
          return;
        case 'queue':
          svc.queue = v;
          return;
        case 'cpu':
          svc.cpu = v;
          return;
        case 'replicas':
          for (const version of svc.versions) version.replicas = v;
          return;
        case 'errorRate':
          for (const version of svc.versions) for (const ep of version.endpoints) ep.errorRate = v;
          return;
      }
      throw new UsageError(`--vary ${a.key}: unknown topology field`);
    }
    case 'load': {
      const load = s.load;
      if (!load) throw new UsageError(`--vary ${a.key}: the scenario has no load profile`);
      if (t.field === 'timeout') {
        load.timeout = a.value as number;
      } else if (t.field === 'rate') {
        if (load.executor !== 'constant-arrival-rate') {
          throw new UsageError(
            `--vary ${a.key}: load.rate needs a constant-arrival-rate load (this one is ${load.executor})`,
          );
        }
        load.rate = a.value as number;
      } else if (t.field === 'vus') {
        if (load.executor !== 'constant-vus') {
          throw new UsageError(
            `--vary ${a.key}: load.vus needs a constant-vus load (this one is ${load.executor})`,
          );
        }
        load.vus = a.value as number;
      }
      return;
    }
  }
}

function findService(s: ScenarioSpec, name: string, key: string): ServiceSpec {
  const svc = s.topology.services.find((x) => x.name === name);
  if (!svc) {
    throw new UsageError(
      `--vary ${key}: no service ${name} in topology ${s.topology.name} (services: ${s.topology.services.map((x) => x.name).join(', ')})`,
    );
  }
  return svc;
}

/** The destination entry for `service`: the first policy that has one, else a new one in the first policy. */
function destinationFor(s: ScenarioSpec, service: string): { doc: MeshPolicySpec; index: number } {
  for (const p of s.policies) {
    const index = p.destinations.findIndex((x) => x.service === service);
    if (index >= 0) return { doc: p, index };
  }
  if (s.policies.length === 0) s.policies.push(newPolicy());
  const doc = s.policies[0];
  doc.destinations.push({ service });
  return { doc, index: doc.destinations.length - 1 };
}

/** A policy document with nothing written but its name (every default comes from the resolver). */
function newPolicy(): MeshPolicySpec {
  return {
    name: 'sweep',
    dataPlane: { mode: 'sidecar' },
    destinations: [],
    security: { authorization: [] },
    canaries: [],
  };
}

/**
 * Writes the variant's value into the raw destination, as a user would write it in the YAML
 * (durations with their unit, lists of tokens, status codes inside `retryOn`); `none` removes it.
 */
function setRawField(dest: RawDestination, path: readonly string[], a: Assignment): void {
  const key = path.join('.');
  let obj = dest as Record<string, unknown>;
  for (let i = 0; i < path.length - 1; i++) {
    const seg = path[i];
    let child = obj[seg] as Record<string, unknown> | string | undefined;
    if (key.startsWith('retryBudget.')) {
      // Two budget forms: the varied field decides which one is meant; the other form's fields go.
      const linkerd = ['ratio', 'minRetriesPerSecond', 'ttl'];
      const wantsLinkerd = linkerd.includes(path[1]);
      if (
        child &&
        typeof child === 'object' &&
        Object.keys(child).some((k) => linkerd.includes(k) !== wantsLinkerd)
      )
        child = {};
    }
    if (child === undefined || child === null || typeof child !== 'object') child = {};
    obj[seg] = child;
    obj = child;
  }
  const leaf = path[path.length - 1];
  const retries = (): Record<string, unknown> => obj;
  if (key === 'retries.retriableStatusCodes') {
    const tokens = ((retries().retryOn as unknown[] | undefined) ?? []).filter((t) => typeof t === 'string');
    retries().retryOn = [...tokens, ...(a.value as number[])];
    return;
  }
  if (key === 'retries.retryOn') {
    const codes = ((retries().retryOn as unknown[] | undefined) ?? []).filter((t) => typeof t === 'number');
    retries().retryOn = [...(a.value as string[]), ...codes];
    return;
  }
  if (a.value === undefined) delete obj[leaf];
  else obj[leaf] = typeof a.value === 'number' && isDurationKey(key) ? a.raw : a.value;
}

function isDurationKey(key: string): boolean {
  const k = POLICY_FIELDS[key];
  return k !== undefined && k.type === 'duration';
}
