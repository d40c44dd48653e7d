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
 */
import type {
  DestinationPolicySpec,
  MeshPolicySpec,
  RetrySpec,
  ScenarioSpec,
  ServiceSpec,
} from '../model/types.ts';
import { parseDuration } from '../model/duration.ts';
import { RETRY_ON } from '../model/schemas.ts';
import { UsageError } from './errors.ts';

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

/** Starting points for a policy feature a variant switches on (normalised defaults). */
export const DEFAULT_RETRIES: RetrySpec = {
  attempts: 2,
  retryOn: ['connect-failure', 'refused-stream', 'unavailable', 'cancelled'],
  retriableStatusCodes: [],
  backoff: { base: 25, max: 250 },
  otherHost: true,
};

/**
 * What a destination gets for a policy feature it does not have yet, as if the user had written the
 * feature with only the varied field (the loader's normalised defaults). `field` is the rest of the
 * key's path below the feature.
 */
const FEATURE_DEFAULTS: Record<string, (field: string) => Record<string, unknown>> = {
  retries: () => structuredClone(DEFAULT_RETRIES) as unknown as Record<string, unknown>,
  // Thresholds the block leaves out take the product's defaults at run time.
  connectionPool: () => ({}),
  // Istio's outlier-detection defaults; `consecutive5xxErrors: 5` only when no other detector is set.
  outlierDetection: (field) => ({
    ...(field === 'consecutiveGatewayErrors' ? {} : { consecutive5xxErrors: 5 }),
    interval: 10_000,
    baseEjectionTime: 30_000,
    maxEjectionTime: 300_000,
    maxEjectionPercent: 10,
  }),
  // A breaker needs a trigger: `consecutiveFailures: 5` unless the failure-rate one is being set.
  circuitBreaker: (field) => ({
    ...(field.startsWith('failureRate.') ? {} : { consecutiveFailures: 5 }),
    openFor: 30_000,
    halfOpenRequests: 1,
  }),
  'circuitBreaker.failureRate': () => ({ threshold: 50, window: 10_000, minimumRequests: 20 }),
  loadBalancer: () => ({ algorithm: 'round-robin' }),
  faults: () => ({}),
  'faults.delay': () => ({ percent: 100, fixed: 0 }),
  'faults.abort': () => ({ percent: 100, status: 503 }),
};

const ENVOY_BUDGET = () => ({ kind: 'envoy', percent: 20, minRetryConcurrency: 3 });
const LINKERD_BUDGET = () => ({ kind: 'linkerd', ratio: 0.2, minRetriesPerSecond: 10, ttl: 10_000 });

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
      setPolicyField(destinationFor(s, t.service), t.path, a.value);
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
function destinationFor(s: ScenarioSpec, service: string): DestinationPolicySpec {
  for (const p of s.policies) {
    const d = p.destinations.find((x) => x.service === service);
    if (d) return d;
  }
  if (s.policies.length === 0) s.policies.push(newPolicy());
  const dest: DestinationPolicySpec = { service, routes: [], deadlinePropagation: false };
  s.policies[0].destinations.push(dest);
  return dest;
}

function newPolicy(): MeshPolicySpec {
  return {
    name: 'sweep',
    dataPlane: { mode: 'sidecar' },
    destinations: [],
    security: { mtls: 'permissive', authorization: [] },
    canaries: [],
  };
}

function setPolicyField(dest: DestinationPolicySpec, path: readonly string[], value: unknown): void {
  let obj = dest as unknown as Record<string, unknown>;
  for (let i = 0; i < path.length - 1; i++) {
    const prefix = path.slice(0, i + 1).join('.');
    const seg = path[i];
    let child = obj[seg] as Record<string, unknown> | undefined;
    if (prefix === 'retryBudget') {
      // Two budget kinds: the field decides which one is meant.
      const wantsLinkerd = ['ratio', 'minRetriesPerSecond', 'ttl'].includes(path[i + 1]);
      const kind = wantsLinkerd ? 'linkerd' : 'envoy';
      if (!child || child.kind !== kind) child = (wantsLinkerd ? LINKERD_BUDGET : ENVOY_BUDGET)();
    } else if (child === undefined || child === null) {
      const make = FEATURE_DEFAULTS[prefix];
      child = make ? make(path.slice(i + 1).join('.')) : {};
    }
    obj[seg] = child;
    obj = child;
  }
  const leaf = path[path.length - 1];
  if (value === undefined) delete obj[leaf];
  else obj[leaf] = value;
  // As the loader does: status codes to retry on imply the `retriable-status-codes` condition.
  if (path.join('.') === 'retries.retriableStatusCodes') {
    const retries = obj as unknown as RetrySpec;
    if (retries.retriableStatusCodes.length > 0 && !retries.retryOn.includes('retriable-status-codes')) {
      retries.retryOn = [...retries.retryOn, 'retriable-status-codes'];
    }
  }
}
