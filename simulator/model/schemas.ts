/**
 * zod 4 schemas of meshdojo's input documents. Each document schema's *output* is exactly the
 * normalised type of `types.ts`: durations in milliseconds, defaults filled in, and the checks that
 * only need the document itself (names unique, calls resolve, no call cycle, …) already done.
 *
 * Parse with `PARSE_PARAMS` (or `parseWith`) so that messages read `expected a positive integer`
 * and issues carry their input; `load.ts` turns issues into positioned `SpecIssue`s.
 *
 * Isomorphic (no `node:` imports).
 */
import { z } from 'zod';
import type * as T from './types.ts';
import { DEFAULTS_KEYS, RETRY_ON_TOKENS, SERVICE_RANKS, SERVICE_ROLES } from './types.ts';
import { tryParseDuration } from './duration.ts';
import { didYouMean, type PathSegment } from './errors.ts';

export const API_VERSION = 'meshdojo/v1';
export const KINDS = ['Topology', 'LoadProfile', 'ChaosExperiment', 'MeshPolicy', 'Scenario'] as const;
export type Kind = (typeof KINDS)[number];

// ───────────────────────────── messages ─────────────────────────────

/** Known keys of objects that had unknown keys, so the loader can say "did you mean …". */
const knownKeysByInput = new WeakMap<object, readonly string[]>();

/** The keys the schema accepted at the object `input` (after an `unrecognized_keys` issue). */
export function knownKeysOf(input: unknown): readonly string[] | undefined {
  return input !== null && typeof input === 'object' ? knownKeysByInput.get(input) : undefined;
}

function noteKnownKeys(input: unknown, keys: readonly string[]): void {
  if (input !== null && typeof input === 'object') knownKeysByInput.set(input, keys);
}

const TYPE_NAMES: Record<string, string> = {
  string: 'a string',
  number: 'a number',
  int: 'an integer',
  boolean: '`true` or `false`',
  object: 'a mapping',
  record: 'a mapping',
  array: 'a list',
  tuple: 'a list',
  nonoptional: 'a value',
  null: 'an empty value',
};

const quoteList = (values: readonly unknown[]): string => values.map((v) => `\`${String(v)}\``).join(', ');

/**
 * The per-parse error map: every message is phrased as `expected …`; the loader appends
 * `, got <value>` and suggestions. Schema-level `error`s (e.g. `expected a positive integer`) win over it.
 */
export const errorMap: z.core.$ZodErrorMap = (iss) => {
  switch (iss.code) {
    case 'invalid_type':
      return `expected ${TYPE_NAMES[iss.expected] ?? iss.expected}`;
    case 'too_small': {
      const n = Number(iss.minimum);
      if (iss.origin === 'array' || iss.origin === 'set')
        return iss.exact
          ? `expected exactly ${n} item${n === 1 ? '' : 's'}`
          : `expected at least ${n} item${n === 1 ? '' : 's'}`;
      if (iss.origin === 'string')
        return n <= 1 ? 'expected a non-empty string' : `expected at least ${n} characters`;
      return `expected a number ${iss.inclusive ? '≥' : '>'} ${n}`;
    }
    case 'too_big': {
      const n = Number(iss.maximum);
      if (iss.origin === 'array' || iss.origin === 'set')
        return iss.exact
          ? `expected exactly ${n} item${n === 1 ? '' : 's'}`
          : `expected at most ${n} item${n === 1 ? '' : 's'}`;
      if (iss.origin === 'string') return `expected at most ${n} characters`;
      return `expected a number ${iss.inclusive ? '≤' : '<'} ${n}`;
    }
    case 'invalid_value':
      return iss.values.length === 1
        ? `expected \`${String(iss.values[0])}\``
        : `expected one of ${quoteList(iss.values)}`;
    case 'unrecognized_keys': {
      const def = (iss.inst as { _zod?: { def?: Record<string, unknown> } } | undefined)?._zod?.def;
      if (def?.type === 'object' && def.shape && typeof def.shape === 'object')
        noteKnownKeys(iss.input, Object.keys(def.shape));
      else if (def?.type === 'record') {
        const values = (def.keyType as { _zod?: { values?: Set<unknown> } } | undefined)?._zod?.values;
        if (values) noteKnownKeys(iss.input, [...values].map(String));
      }
      return 'unknown field';
    }
    case 'invalid_union':
      if (iss.discriminator) {
        const options = (iss as { options?: unknown[] }).options;
        return options?.length
          ? `expected \`${iss.discriminator}\` to be one of ${quoteList(options)}`
          : `expected a valid \`${iss.discriminator}\``;
      }
      return 'expected one of the accepted forms';
    case 'invalid_format':
      return `expected ${iss.format === 'regex' ? 'a value of the right form' : iss.format}`;
    case 'invalid_key':
      return 'expected a valid key';
    case 'not_multiple_of':
      return `expected a multiple of ${iss.divisor}`;
    default:
      return undefined;
  }
};

/** Parse parameters: our messages, and the offending input kept in each issue. */
export const PARSE_PARAMS = { error: errorMap, reportInput: true } as const;

export function parseWith<S extends z.ZodType>(schema: S, data: unknown): z.ZodSafeParseResult<z.output<S>> {
  return schema.safeParse(data, PARSE_PARAMS);
}

// ───────────────────────────── building blocks ─────────────────────────────

type DistributiveOmit<U, K extends PropertyKey> = U extends unknown ? Omit<U, K> : never;

const isObj = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === 'object' && !Array.isArray(v);
const isStr = (v: unknown): v is string => typeof v === 'string';
const isScalar = (v: unknown) => typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean';

/** `{ error }` for every check of a schema: one clear expectation instead of zod's generic texts. */
const expect = (what: string) => ({
  error: (iss: { code?: string }) =>
    // unknown keys and a bad discriminator get their own messages (see errorMap)
    iss.code === 'unrecognized_keys' || iss.code === 'invalid_union' ? undefined : `expected ${what}`,
});

/** Like `expect`, with a separate explanation when the field is missing altogether. */
const expectOrMissing = (what: string, missing: string) => ({
  error: (iss: { input?: unknown }): string => (iss.input === undefined ? missing : `expected ${what}`),
});

const int = (min: number, what: string) => {
  const e = expect(what);
  return z.number(e).int(e).min(min, e);
};
const posInt = (what = 'a positive integer') => int(1, what);
const nonNegInt = (what = 'a whole number ≥ 0') => int(0, what);
const posNumber = (what = 'a number > 0') => {
  const e = expect(what);
  return z.number(e).positive(e);
};
const nonNegNumber = (what = 'a number ≥ 0') => {
  const e = expect(what);
  return z.number(e).min(0, e);
};
const percent = (what = 'a percentage 0..100', missing?: string) => {
  const e = missing ? expectOrMissing(what, missing) : expect(what);
  return z.number(e).min(0, e).max(100, e);
};
const probability = (what = 'a probability 0..1') => {
  const e = expect(what);
  return z.number(e).min(0, e).max(1, e);
};
const bool = () => z.boolean(expect('`true` or `false`'));
const text = (what = 'a non-empty string') => {
  const e = expect(what);
  return z.string(e).min(1, e);
};
const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
/** Service, version and node names: letters, digits, `.`, `_` and `-`, starting with a letter or digit. */
const name = (what: string) =>
  z
    .string(expect(what))
    .regex(NAME_RE, expect(`${what} (letters, digits, '.', '_' and '-', starting with a letter or digit)`));
const httpStatus = () =>
  int(100, 'an HTTP status code 100..599').max(599, expect('an HTTP status code 100..599'));

/** A YAML scalar read as a string: `version: 2` and `canary: true` are accepted as labels. */
const scalarString = (what = 'a string') =>
  z.unknown().transform((v, ctx): string => {
    if (typeof v === 'string') return v;
    if (typeof v === 'number' || typeof v === 'boolean') return String(v);
    ctx.issues.push(
      v === undefined
        ? { code: 'invalid_type', expected: 'nonoptional', input: v, message: `expected ${what}` }
        : { code: 'custom', input: v, message: `expected ${what}` },
    );
    return z.NEVER;
  });
const labelsSchema = z.record(
  z.string(),
  scalarString('a label value (a string)'),
  expect('a mapping of labels'),
);

/** A duration (see duration.ts) read as milliseconds. */
export function duration(opts: { positive?: boolean; missing?: string } = {}) {
  return z.unknown().transform((v, ctx): number => {
    if (v === undefined) {
      ctx.issues.push(
        opts.missing
          ? { code: 'custom', input: v, message: opts.missing }
          : {
              code: 'invalid_type',
              expected: 'nonoptional',
              input: v,
              message: 'expected a duration such as `10ms` or `1.5s`',
            },
      );
      return z.NEVER;
    }
    const r = tryParseDuration(v);
    if (!r.ok) {
      ctx.issues.push({ code: 'custom', input: v, message: r.message });
      return z.NEVER;
    }
    if (opts.positive && r.ms <= 0) {
      ctx.issues.push({ code: 'custom', input: v, message: 'expected a duration greater than 0' });
      return z.NEVER;
    }
    return r.ms;
  });
}

/**
 * A value that takes one of several forms, chosen by looking at it (a string or a mapping; a call or
 * a `parallel` group). Unlike `z.union`, errors come from the one form that applies.
 */
type Form<Out> = readonly [test: (v: unknown) => boolean, schema: z.ZodType<Out>];

function oneOf<Out>(expected: string, forms: readonly Form<Out>[]): z.ZodType<Out> {
  return z.unknown().transform((v, ctx): Out => {
    if (v === undefined) {
      ctx.issues.push({
        code: 'invalid_type',
        expected: 'nonoptional',
        input: v,
        message: `expected ${expected}`,
      });
      return z.NEVER;
    }
    const schema = forms.find(([test]) => test(v))?.[1];
    if (!schema) {
      ctx.issues.push({ code: 'custom', input: v, message: `expected ${expected}` });
      return z.NEVER;
    }
    const r = schema.safeParse(v, PARSE_PARAMS);
    if (r.success) return r.data;
    for (const iss of r.error.issues) ctx.issues.push(iss as unknown as z.core.$ZodRawIssue);
    return z.NEVER;
  }) as unknown as z.ZodType<Out>;
}

// ───────────────────────────── distributions ─────────────────────────────

const constantDist = duration().transform((value): T.Distribution => ({ dist: 'constant', value }));

const distObject = z.discriminatedUnion(
  'dist',
  [
    z.strictObject({ dist: z.literal('constant'), value: duration() }),
    z.strictObject({ dist: z.literal('exponential'), mean: duration({ positive: true }) }),
    z.strictObject({ dist: z.literal('uniform'), min: duration(), max: duration() }).superRefine((d, ctx) => {
      if (d.max < d.min)
        ctx.addIssue({
          code: 'custom',
          path: ['max'],
          input: undefined,
          message: '`max` is less than `min`',
        });
    }),
    z.strictObject({ dist: z.literal('normal'), mean: duration(), stddev: duration() }),
    z
      .strictObject({
        dist: z.literal('lognormal'),
        median: duration({ positive: true }),
        p99: duration({ positive: true }),
      })
      .superRefine((d, ctx) => {
        if (d.p99 <= d.median)
          ctx.addIssue({
            code: 'custom',
            path: ['p99'],
            input: undefined,
            message: '`p99` must be greater than `median`',
          });
      }),
  ],
  expect('a mapping with `dist`'),
);

export const distributionSchema: z.ZodType<T.Distribution> = oneOf<T.Distribution>(
  'a distribution: a duration such as `10ms`, or a mapping such as `{ dist: exponential, mean: 10ms }`',
  [
    [(v) => typeof v === 'string' || typeof v === 'number', constantDist],
    [isObj, distObject],
  ],
);

// ───────────────────────────── metadata, documents ─────────────────────────────

const metadataSchema = z.strictObject(
  {
    name: text('a name'),
    description: z.string(expect('a string')).optional(),
    source: z.string(expect('a string')).optional(),
    labels: labelsSchema.optional(),
  },
  expect('a mapping with at least `name`'),
);

function documentSchema<K extends Kind, S extends z.ZodType>(kind: K, spec: S) {
  return z.strictObject(
    {
      apiVersion: z.literal(API_VERSION, expect(`\`${API_VERSION}\``)),
      kind: z.literal(kind),
      metadata: metadataSchema,
      spec,
    },
    expect('a mapping with `apiVersion`, `kind`, `metadata` and `spec`'),
  );
}

// ───────────────────────────── Topology ─────────────────────────────

const callSchema = z.strictObject(
  {
    service: name('a service name'),
    endpoint: text('an endpoint name').optional(),
    timeout: duration({ positive: true }).optional(),
    retries: nonNegInt().default(0),
    onError: z.enum(['fail', 'fallback', 'ignore']).default('fail'),
    probability: probability().default(1),
    times: posInt().default(1),
  },
  expect('a call such as `{ service: ratings, endpoint: GET /ratings }`'),
);
type CallIn = z.output<typeof callSchema>;

const parallelSchema = z.strictObject({
  parallel: z.array(callSchema, expect('a list of calls')).min(1, expect('at least one call')),
});
type StepIn = CallIn | { parallel: CallIn[] };

const stepSchema = oneOf<StepIn>('a call such as `{ service: ratings }` or a group `{ parallel: [ … ] }`', [
  [(v) => isObj(v) && 'parallel' in v, parallelSchema],
  [isObj, callSchema],
]);

const endpointSchema = z.strictObject(
  {
    name: text('an endpoint name such as `GET /items`'),
    serviceTime: distributionSchema,
    errorRate: probability('an error rate 0..1').default(0),
    idempotent: bool().default(true),
    responseBytes: nonNegInt().default(1024),
    calls: z.array(stepSchema, expect('a list of calls')).default(() => []),
  },
  expect('an endpoint such as `{ name: GET /, serviceTime: 10ms }`'),
);
type EndpointIn = z.output<typeof endpointSchema>;

const versionSchema = z.strictObject(
  {
    name: name('a version name'),
    labels: labelsSchema.optional(),
    replicas: nonNegInt().optional(),
    endpoints: z.array(endpointSchema, expect('a list of endpoints')).optional(),
  },
  expect('a version such as `{ name: v2 }`'),
);

const serviceSchema = z.strictObject(
  {
    name: name('a service name'),
    replicas: nonNegInt().default(1),
    concurrency: posInt().default(16),
    queue: nonNegInt().default(128),
    cpu: posNumber('a number of cores > 0').optional(),
    placement: z.array(name('a node name'), expect('a list of node names')).default(() => []),
    inMesh: bool().default(true),
    labels: labelsSchema.optional(),
    endpoints: z.array(endpointSchema, expect('a list of endpoints')).default(() => []),
    versions: z
      .array(versionSchema, expect('a list of versions'))
      .min(1, expect('at least one version'))
      .optional(),
  },
  expect('a service such as `{ name: api, endpoints: [ … ] }`'),
);
type ServiceIn = z.output<typeof serviceSchema>;

const nodeSchema = z.strictObject(
  { name: name('a node name'), cores: posInt().default(4) },
  expect('a node such as `{ name: node-a }`'),
);

const hopSchema = (latency: number, jitter: number) =>
  z
    .strictObject(
      { latency: duration().default(latency), jitter: duration().default(jitter) },
      expect('a mapping `{ latency, jitter }`'),
    )
    .default(() => ({ latency, jitter }));

const linkSchema = z.strictObject(
  { from: name('a node name'), to: name('a node name'), latency: duration(), jitter: duration().default(0) },
  expect('a link such as `{ from: node-a, to: node-b, latency: 2ms }`'),
);

const networkSchema = z.strictObject(
  {
    sameNode: hopSchema(0.05, 0),
    crossNode: hopSchema(0.5, 0.1),
    links: z.array(linkSchema, expect('a list of links')).default(() => []),
    connectTimeout: duration({ positive: true }).default(1000),
  },
  expect('a mapping'),
);
const defaultNetwork = (): T.TopologySpec['network'] => ({
  sameNode: { latency: 0.05, jitter: 0 },
  crossNode: { latency: 0.5, jitter: 0.1 },
  links: [],
  connectTimeout: 1000,
});

const topologySpecIn = z.strictObject(
  {
    entry: z
      .strictObject(
        { service: name('a service name'), endpoint: text('an endpoint name').optional() },
        expect('`{ service, endpoint }`'),
      )
      .optional(),
    nodes: z.array(nodeSchema, expect('a list of nodes')).min(1, expect('at least one node')).optional(),
    network: networkSchema.default(defaultNetwork),
    services: z.array(serviceSchema, expect('a list of services')).min(1, expect('at least one service')),
  },
  expect('a mapping with `services`'),
);
type TopologyIn = z.output<typeof topologySpecIn>;

/** A problem found by a cross-reference check; `path` is relative to the schema that found it. */
export interface RefIssue {
  path: PathSegment[];
  message: string;
  /** Point at the key rather than its value (e.g. a route split's subset name). */
  atKey?: boolean;
}

interface EndpointRef {
  ep: EndpointIn;
  path: PathSegment[];
}
interface VersionView {
  name: string;
  raw?: NonNullable<ServiceIn['versions']>[number];
  endpoints: EndpointRef[];
}

/** Each version's effective endpoints: the service's endpoints with the version's of the same name replacing them. */
function versionViews(svc: ServiceIn, si: number): VersionView[] {
  const base = svc.endpoints.map((ep, j): EndpointRef => ({ ep, path: ['services', si, 'endpoints', j] }));
  if (!svc.versions) return [{ name: 'v1', endpoints: base }];
  return svc.versions.map((v, vi) => {
    const eps = base.slice();
    (v.endpoints ?? []).forEach((ep, j) => {
      const ref: EndpointRef = { ep, path: ['services', si, 'versions', vi, 'endpoints', j] };
      const k = eps.findIndex((e) => e.ep.name === ep.name);
      if (k >= 0) eps[k] = ref;
      else eps.push(ref);
    });
    return { name: v.name, raw: v, endpoints: eps };
  });
}

/** Every call written in the document, with its path (steps and parallel members). */
function* writtenCalls(
  ep: EndpointIn,
  base: PathSegment[],
): Generator<{ call: CallIn; path: PathSegment[] }> {
  for (let k = 0; k < ep.calls.length; k++) {
    const step = ep.calls[k]!;
    if ('parallel' in step) {
      for (let m = 0; m < step.parallel.length; m++)
        yield { call: step.parallel[m]!, path: [...base, 'calls', k, 'parallel', m] };
    } else yield { call: step, path: [...base, 'calls', k] };
  }
}

const listNames = (names: Iterable<string>, max = 8): string => {
  const all = [...names];
  const shown = all.slice(0, max).map((n) => `\`${n}\``);
  return all.length > max ? `${shown.join(', ')}, …` : shown.join(', ');
};

function unknownName(what: string, value: string, known: Iterable<string>): string {
  const list = [...known];
  const hint = didYouMean(value, list);
  return hint
    ? `unknown ${what} \`${value}\`${hint}`
    : `unknown ${what} \`${value}\` (known: ${list.length ? listNames(list) : 'none'})`;
}

/** Cross-reference checks inside one Topology. Paths are relative to `spec`. */
function checkTopology(t: TopologyIn): RefIssue[] {
  const issues: RefIssue[] = [];
  const nodeNames = new Set<string>();
  (t.nodes ?? [{ name: 'node-1', cores: 4 }]).forEach((n, i) => {
    if (nodeNames.has(n.name))
      issues.push({ path: ['nodes', i, 'name'], message: `duplicate node name \`${n.name}\`` });
    nodeNames.add(n.name);
  });
  t.network.links.forEach((l, k) => {
    for (const end of ['from', 'to'] as const)
      if (!nodeNames.has(l[end]))
        issues.push({ path: ['network', 'links', k, end], message: unknownName('node', l[end], nodeNames) });
  });

  const services = new Map<string, { svc: ServiceIn; views: VersionView[]; endpointNames: Set<string> }>();
  t.services.forEach((svc, si) => {
    if (services.has(svc.name)) {
      issues.push({ path: ['services', si, 'name'], message: `duplicate service name \`${svc.name}\`` });
      return;
    }
    const views = versionViews(svc, si);
    const endpointNames = new Set<string>();
    for (const v of views) for (const e of v.endpoints) endpointNames.add(e.ep.name);
    services.set(svc.name, { svc, views, endpointNames });
  });

  t.services.forEach((svc, si) => {
    svc.placement.forEach((n, p) => {
      if (!nodeNames.has(n))
        issues.push({ path: ['services', si, 'placement', p], message: unknownName('node', n, nodeNames) });
    });
    const versionNames = new Set<string>();
    svc.versions?.forEach((v, vi) => {
      if (versionNames.has(v.name))
        issues.push({
          path: ['services', si, 'versions', vi, 'name'],
          message: `duplicate version name \`${v.name}\` in service \`${svc.name}\``,
        });
      versionNames.add(v.name);
    });
    const dupEndpoints = (eps: EndpointIn[], base: PathSegment[]) => {
      const seen = new Set<string>();
      eps.forEach((ep, j) => {
        if (seen.has(ep.name))
          issues.push({ path: [...base, j, 'name'], message: `duplicate endpoint name \`${ep.name}\`` });
        seen.add(ep.name);
      });
    };
    dupEndpoints(svc.endpoints, ['services', si, 'endpoints']);
    svc.versions?.forEach((v, vi) =>
      dupEndpoints(v.endpoints ?? [], ['services', si, 'versions', vi, 'endpoints']),
    );
    const views = versionViews(svc, si);
    if (views.every((v) => v.endpoints.length === 0)) {
      issues.push({
        path: ['services', si, 'endpoints'],
        message: `service \`${svc.name}\` has no endpoints: give it at least one`,
      });
    } else {
      views.forEach((v, vi) => {
        if (v.endpoints.length === 0)
          issues.push({
            path: ['services', si, 'versions', vi],
            message: `version \`${v.name}\` of \`${svc.name}\` has no endpoints: give the service or the version \`endpoints\``,
          });
      });
    }
  });

  const firstEndpoint = (service: string): string | undefined =>
    services.get(service)?.views[0]?.endpoints[0]?.ep.name;
  const checkTarget = (service: string, endpoint: string | undefined, path: PathSegment[]): boolean => {
    const target = services.get(service);
    if (!target) {
      issues.push({ path: [...path, 'service'], message: unknownName('service', service, services.keys()) });
      return false;
    }
    if (endpoint !== undefined && !target.endpointNames.has(endpoint)) {
      issues.push({
        path: [...path, 'endpoint'],
        message: `service \`${service}\` has no endpoint \`${endpoint}\`${didYouMean(endpoint, target.endpointNames) || ` (it has ${listNames(target.endpointNames) || 'none'})`}`,
      });
      return false;
    }
    return true;
  };

  if (t.entry) checkTarget(t.entry.service, t.entry.endpoint, ['entry']);

  // Every call as written (also in endpoints every version overrides), then cycles over what runs.
  t.services.forEach((svc, si) => {
    const defs: EndpointRef[] = svc.endpoints.map((ep, j) => ({
      ep,
      path: ['services', si, 'endpoints', j],
    }));
    svc.versions?.forEach((v, vi) =>
      (v.endpoints ?? []).forEach((ep, j) =>
        defs.push({ ep, path: ['services', si, 'versions', vi, 'endpoints', j] }),
      ),
    );
    for (const d of defs)
      for (const c of writtenCalls(d.ep, d.path)) checkTarget(c.call.service, c.call.endpoint, c.path);
  });

  const key = (s: string, e: string) => `${s}\u0000${e}`;
  const label = (k: string) => {
    const [s, e] = k.split('\u0000');
    return `${s} (${e})`;
  };
  const edges = new Map<string, { to: string; path: PathSegment[] }[]>();
  for (const [svcName, { views }] of services) {
    for (const v of views) {
      for (const d of v.endpoints) {
        const from = key(svcName, d.ep.name);
        const list = edges.get(from) ?? [];
        edges.set(from, list);
        for (const c of writtenCalls(d.ep, d.path)) {
          const target = services.get(c.call.service);
          const ep = c.call.endpoint ?? firstEndpoint(c.call.service);
          if (!target || ep === undefined || !target.endpointNames.has(ep)) continue;
          const to = key(c.call.service, ep);
          if (!list.some((e) => e.to === to)) list.push({ to, path: c.path });
        }
      }
    }
  }
  const state = new Map<string, 'active' | 'done'>();
  const stack: string[] = [];
  const reported = new Set<string>();
  const visit = (n: string): void => {
    state.set(n, 'active');
    stack.push(n);
    for (const e of edges.get(n) ?? []) {
      const s = state.get(e.to);
      if (s === 'active') {
        const cycle = stack.slice(stack.indexOf(e.to));
        const sig = [...cycle].sort().join('\u0001');
        if (!reported.has(sig)) {
          reported.add(sig);
          issues.push({ path: e.path, message: `call cycle: ${[...cycle, e.to].map(label).join(' → ')}` });
        }
      } else if (s === undefined) visit(e.to);
    }
    stack.pop();
    state.set(n, 'done');
  };
  for (const n of edges.keys()) if (!state.has(n)) visit(n);
  return issues;
}

function normaliseTopology(t: TopologyIn): Omit<T.TopologySpec, 'name' | 'description' | 'source'> {
  const views = new Map<string, VersionView[]>();
  t.services.forEach((svc, si) => views.set(svc.name, versionViews(svc, si)));
  const firstEndpoint = (service: string): string => views.get(service)?.[0]?.endpoints[0]?.ep.name ?? '';
  const call = (c: CallIn): T.CallSpec => ({
    service: c.service,
    endpoint: c.endpoint ?? firstEndpoint(c.service),
    ...(c.timeout !== undefined && { timeout: c.timeout }),
    retries: c.retries,
    onError: c.onError,
    probability: c.probability,
    times: c.times,
  });
  const endpoint = (e: EndpointIn): T.EndpointSpec => ({
    name: e.name,
    serviceTime: { ...e.serviceTime },
    errorRate: e.errorRate,
    idempotent: e.idempotent,
    responseBytes: e.responseBytes,
    calls: e.calls.map((step): T.CallStep =>
      'parallel' in step
        ? { kind: 'parallel', calls: step.parallel.map(call) }
        : { kind: 'call', call: call(step) },
    ),
  });
  const services = t.services.map((svc): T.ServiceSpec => {
    const labels = svc.labels ?? { app: svc.name };
    return {
      name: svc.name,
      labels: { ...labels },
      concurrency: svc.concurrency,
      queue: svc.queue,
      ...(svc.cpu !== undefined && { cpu: svc.cpu }),
      placement: [...svc.placement],
      inMesh: svc.inMesh,
      versions: views.get(svc.name)!.map((v): T.VersionSpec => ({
        name: v.name,
        labels: { ...labels, version: v.name, ...v.raw?.labels },
        replicas: v.raw?.replicas ?? svc.replicas,
        endpoints: v.endpoints.map((r) => endpoint(r.ep)),
      })),
    };
  });
  const entryService = t.entry?.service ?? t.services[0]!.name;
  return {
    entry: { service: entryService, endpoint: t.entry?.endpoint ?? firstEndpoint(entryService) },
    nodes: t.nodes ?? [{ name: 'node-1', cores: 4 }],
    network: t.network,
    services,
  };
}

/** Runs reference checks, then normalises; reports issues with their paths. */
function checkedTransform<In, Out>(check: (x: In) => RefIssue[], normalise: (x: In) => Out) {
  return (x: In, ctx: z.core.$RefinementCtx<In>): Out => {
    const issues = check(x);
    if (issues.length) {
      for (const i of issues)
        ctx.issues.push({ code: 'custom', path: i.path, message: i.message, input: undefined });
      return z.NEVER;
    }
    return normalise(x);
  };
}

const topologySpec = topologySpecIn.transform(checkedTransform(checkTopology, normaliseTopology));

const meta = (m: z.output<typeof metadataSchema>) => ({
  name: m.name,
  ...(m.description !== undefined && { description: m.description }),
  ...(m.source !== undefined && { source: m.source }),
});

export const TopologySchema: z.ZodType<T.TopologySpec> = documentSchema('Topology', topologySpec).transform(
  (d): T.TopologySpec => ({ ...meta(d.metadata), ...d.spec }),
);

// ───────────────────────────── LoadProfile ─────────────────────────────

const METRIC_STATS: Record<T.Threshold['metric'], readonly T.Threshold['stat'][]> = {
  http_req_duration: ['p', 'avg', 'min', 'max', 'med'],
  http_req_failed: ['rate'],
  http_reqs: ['count', 'rate'],
  checks: ['rate'],
};
export const THRESHOLD_METRICS = Object.keys(METRIC_STATS) as T.Threshold['metric'][];

const THRESHOLD_RE =
  /^\s*(p\(\s*([0-9]+(?:\.[0-9]+)?)\s*\)|avg|min|max|med|rate|count)\s*(<=|>=|==|!=|<|>)\s*([-+]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][-+]?[0-9]+)?)\s*$/;

/** Parses a k6 threshold expression (`p(99)<500`, `avg<200`, `rate<0.01`, `count>10`) for a metric. */
export function parseThreshold(
  metric: string,
  source: unknown,
): { ok: true; threshold: T.Threshold } | { ok: false; message: string } {
  const stats = METRIC_STATS[metric as T.Threshold['metric']];
  if (!stats)
    return {
      ok: false,
      message: `unknown metric \`${metric}\` (expected one of ${quoteList(THRESHOLD_METRICS)})`,
    };
  const example =
    metric === 'http_req_duration'
      ? '`p(99)<500` or `avg<200`'
      : metric === 'http_reqs'
        ? '`count>100`'
        : '`rate<0.01`';
  if (typeof source !== 'string') return { ok: false, message: `expected a k6 threshold such as ${example}` };
  const m = THRESHOLD_RE.exec(source);
  if (!m) {
    const hint = /^\s*p\s*\d/.test(source)
      ? ' (a percentile is written `p(99)`)'
      : /^\s*\w+\s*=\s*[^=]/.test(source)
        ? ' (equality is `==`)'
        : '';
    return { ok: false, message: `expected a k6 threshold such as ${example}${hint}` };
  }
  const stat = (m[1]!.startsWith('p(') ? 'p' : m[1]) as T.Threshold['stat'];
  if (!stats.includes(stat)) {
    const name = stat === 'p' ? 'p(N)' : stat;
    const allowed = stats.map((x) => (x === 'p' ? 'p(N)' : x));
    return {
      ok: false,
      message: `\`${name}\` is not a statistic of ${metric} (use ${allowed.length > 1 ? `${allowed.slice(0, -1).join(', ')} or ${allowed[allowed.length - 1]}` : allowed[0]}): ${JSON.stringify(source)}`,
    };
  }
  const threshold: T.Threshold = {
    metric: metric as T.Threshold['metric'],
    source,
    stat,
    op: m[3] as T.Threshold['op'],
    value: Number(m[4]),
  };
  if (stat === 'p') {
    const p = Number(m[2]);
    if (!(p > 0 && p <= 100))
      return {
        ok: false,
        message: `p(${m[2]}) is not a percentile (use p(N) with 0 < N ≤ 100): ${JSON.stringify(source)}`,
      };
    threshold.p = p;
  }
  return { ok: true, threshold };
}

const thresholdsSchema = z
  .record(z.string(), z.unknown(), expect("a mapping such as `{ http_req_duration: ['p(99)<500'] }`"))
  .transform((rec, ctx): T.Threshold[] => {
    const out: T.Threshold[] = [];
    for (const [metric, value] of Object.entries(rec)) {
      if (!(metric in METRIC_STATS)) {
        noteKnownKeys(rec, THRESHOLD_METRICS);
        ctx.issues.push({ code: 'unrecognized_keys', keys: [metric], input: rec, message: 'unknown metric' });
        continue;
      }
      const list = typeof value === 'string' ? [value] : Array.isArray(value) ? value : undefined;
      if (!list) {
        ctx.issues.push({
          code: 'custom',
          path: [metric],
          input: value,
          message: "expected a list of k6 thresholds such as `['p(99)<500']`",
        });
        continue;
      }
      list.forEach((src, i) => {
        const r = parseThreshold(metric, src);
        if (r.ok) out.push(r.threshold);
        else
          ctx.issues.push({
            code: 'custom',
            path: typeof value === 'string' ? [metric] : [metric, i],
            input: src,
            message: r.message,
          });
      });
    }
    return out;
  });

const loadEntrySchema = z.strictObject(
  { service: name('a service name'), endpoint: text('an endpoint name') },
  expect('`{ service, endpoint }`'),
);

const requestMixSchema = z
  .array(
    z.strictObject(
      {
        service: name('a service name').optional(),
        endpoint: text('an endpoint name'),
        weight: posNumber('a weight > 0'),
      },
      expect('a request such as `{ endpoint: GET /search, weight: 60 }`'),
    ),
    expect('a list of requests with weights'),
  )
  .default(() => []);

const loadCommon = {
  entry: loadEntrySchema.optional(),
  requests: requestMixSchema,
  timeout: duration({ positive: true }).default(60_000),
  retries: z
    .strictObject(
      { attempts: nonNegInt().default(0), backoff: duration().default(1000) },
      expect('`{ attempts, backoff }`'),
    )
    .default(() => ({ attempts: 0, backoff: 1000 })),
  headers: z
    .array(
      z.strictObject(
        { name: text('a header name'), value: scalarString(), percent: percent().default(100) },
        expect('a header such as `{ name: end-user, value: jason, percent: 10 }`'),
      ),
      expect('a list of headers'),
    )
    .default(() => []),
  thresholds: thresholdsSchema.default(() => []),
  method: text('an HTTP method such as `GET`').optional(),
};

const arrivalsSchema = z.enum(['poisson', 'uniform']).default('poisson');
const stageSchema = z.strictObject(
  { duration: duration({ positive: true }), target: nonNegNumber('a target ≥ 0') },
  expect('a stage such as `{ duration: 30s, target: 200 }`'),
);
const stagesSchema = z.array(stageSchema, expect('a list of stages')).min(1, expect('at least one stage'));
const thinkTimeSchema = distributionSchema.default(
  () => ({ dist: 'constant', value: 1000 }) as T.Distribution,
);
const timeUnitSchema = duration({ positive: true }).default(1000);
const needsDuration = (executor: string) =>
  duration({
    positive: true,
    missing: `missing required field \`duration\`: a ${executor} load runs for a fixed time, e.g. \`duration: 10m\``,
  });

const loadSpecSchema = z
  .discriminatedUnion(
    'executor',
    [
      z.strictObject({
        executor: z.literal('constant-arrival-rate'),
        arrivals: arrivalsSchema,
        rate: posNumber('a positive number of iterations per `timeUnit`'),
        timeUnit: timeUnitSchema,
        duration: needsDuration('constant-arrival-rate'),
        ...loadCommon,
      }),
      z.strictObject({
        executor: z.literal('ramping-arrival-rate'),
        arrivals: arrivalsSchema,
        startRate: nonNegNumber('a number of iterations per `timeUnit` ≥ 0').default(0),
        timeUnit: timeUnitSchema,
        stages: stagesSchema,
        ...loadCommon,
      }),
      z.strictObject({
        executor: z.literal('constant-vus'),
        vus: posInt('a positive number of virtual users').default(1),
        duration: needsDuration('constant-vus'),
        thinkTime: thinkTimeSchema,
        ...loadCommon,
      }),
      z.strictObject({
        executor: z.literal('ramping-vus'),
        startVUs: nonNegInt('a number of virtual users ≥ 0').default(1),
        stages: stagesSchema,
        thinkTime: thinkTimeSchema,
        ...loadCommon,
      }),
    ],
    expect('a mapping with `executor`'),
  )
  .transform((d): DistributiveOmit<T.LoadProfileSpec, 'name'> => {
    const base = {
      ...(d.entry && { entry: d.entry }),
      requests: d.requests.map((r) => ({
        ...(r.service !== undefined && { service: r.service }),
        endpoint: r.endpoint,
        weight: r.weight,
      })),
      timeout: d.timeout,
      retries: d.retries,
      headers: d.headers,
      thresholds: d.thresholds,
      ...(d.method !== undefined && { method: d.method }),
    };
    switch (d.executor) {
      case 'constant-arrival-rate':
        return {
          ...base,
          executor: d.executor,
          arrivals: d.arrivals,
          rate: (d.rate * 1000) / d.timeUnit,
          duration: d.duration,
        };
      case 'ramping-arrival-rate':
        return {
          ...base,
          executor: d.executor,
          arrivals: d.arrivals,
          startRate: (d.startRate * 1000) / d.timeUnit,
          stages: d.stages.map((s) => ({ duration: s.duration, target: (s.target * 1000) / d.timeUnit })),
        };
      case 'constant-vus':
        return { ...base, executor: d.executor, vus: d.vus, duration: d.duration, thinkTime: d.thinkTime };
      case 'ramping-vus':
        return {
          ...base,
          executor: d.executor,
          startVUs: d.startVUs,
          stages: d.stages,
          thinkTime: d.thinkTime,
        };
    }
  });

export const LoadProfileSchema: z.ZodType<T.LoadProfileSpec> = documentSchema(
  'LoadProfile',
  loadSpecSchema,
).transform((d): T.LoadProfileSpec => ({ name: d.metadata.name, ...d.spec }));

// ───────────────────────────── ChaosExperiment ─────────────────────────────

const roleSchema = z.enum(
  SERVICE_ROLES,
  expect(`a role: ${SERVICE_ROLES.map((r) => `\`${r}\``).join(', ')}`),
);
const rankSchema = z.enum(
  SERVICE_RANKS,
  expect(`a rank: ${SERVICE_RANKS.map((r) => `\`${r}\``).join(', ')}`),
);

/** `select` stands for `service` (never both); `rank` only goes with `select`. */
function checkSelect(
  t: { service?: string; select?: string; rank?: string },
  ctx: z.core.$RefinementCtx,
): void {
  if (t.service !== undefined && t.select !== undefined)
    ctx.addIssue({
      code: 'custom',
      path: ['select'],
      input: t.select,
      message: 'give either `service` or `select`, not both',
    });
  if (t.rank !== undefined && t.select === undefined)
    ctx.addIssue({
      code: 'custom',
      path: ['rank'],
      input: t.rank,
      message: '`rank` chooses among the services a `select` matches: add `select`',
    });
}

const targetSchema = z
  .strictObject(
    {
      service: name('a service name').optional(),
      select: roleSchema.optional(),
      rank: rankSchema.optional(),
      version: name('a version name').optional(),
      node: name('a node name').optional(),
      count: posInt().optional(),
      percent: percent().optional(),
    },
    expect('a target such as `{ service: ratings, version: v2, count: 1 }` or `{ select: leaf }`'),
  )
  .superRefine((t, ctx) => {
    if (t.count !== undefined && t.percent !== undefined)
      ctx.addIssue({
        code: 'custom',
        path: ['percent'],
        input: t.percent,
        message: 'give either `count` or `percent`, not both',
      });
    if (t.service === undefined && t.select === undefined && t.version === undefined && t.node === undefined)
      ctx.addIssue({
        code: 'custom',
        path: [],
        input: t,
        message: 'a target needs `service`, `select`, `version` or `node`',
      });
    checkSelect(t, ctx);
  });

const faultBase = {
  name: text('a fault name').optional(),
  at: duration().default(0),
  duration: duration({ positive: true }).optional(),
  every: duration({ positive: true }).optional(),
};

/** Toxiproxy's direction: `upstream` = the request (caller → target), `downstream` = the response. */
const streamSchema = z
  .enum(['upstream', 'downstream'], expect('`upstream` (the request) or `downstream` (the response)'))
  .default('upstream');

const faultSchema = z.discriminatedUnion(
  'type',
  [
    z.strictObject({
      type: z.literal('kill'),
      target: targetSchema,
      restartAfter: duration().optional(),
      coldStart: duration().default(0),
      ...faultBase,
    }),
    z.strictObject({ type: z.literal('pause'), target: targetSchema, ...faultBase }),
    z.strictObject({
      type: z.literal('latency'),
      target: targetSchema,
      latency: duration(),
      jitter: duration().default(0),
      stream: streamSchema,
      ...faultBase,
    }),
    z.strictObject({
      type: z.literal('abort'),
      target: targetSchema,
      percent: percent().default(100),
      status: httpStatus().default(503),
      ...faultBase,
    }),
    z.strictObject({
      type: z.literal('cpu'),
      target: targetSchema,
      multiplier: posNumber('a slow-down factor > 0'),
      ...faultBase,
    }),
    z.strictObject({
      type: z.literal('partition'),
      between: z
        .array(targetSchema, expect('two targets `[ { service: a }, { service: b } ]`'))
        .length(2, expect('exactly two targets')),
      ...faultBase,
    }),
    z.strictObject({
      type: z.literal('loss'),
      target: targetSchema,
      percent: percent(),
      stream: streamSchema,
      ...faultBase,
    }),
    z.strictObject({ type: z.literal('node-down'), node: name('a node name'), ...faultBase }),
  ],
  expect('a fault such as `{ type: latency, target: { service: ratings }, at: 30s, latency: 3s }`'),
);

const probeSchema = z
  .strictObject(
    {
      name: text('a probe name').optional(),
      service: name('a service name').optional(),
      select: roleSchema.optional(),
      rank: rankSchema.optional(),
      metric: z.enum(['successRate', 'latency']),
      percentile: z
        .number(expect('a percentile 0 < p ≤ 100'))
        .gt(0, expect('a percentile 0 < p ≤ 100'))
        .lte(100, expect('a percentile 0 < p ≤ 100'))
        .optional(),
      min: probability('a success rate 0..1').optional(),
      max: duration().optional(),
      window: z
        .strictObject({ from: duration().default(0), to: duration().optional() }, expect('`{ from, to }`'))
        .superRefine((w, ctx) => {
          if (w.to !== undefined && w.to <= w.from)
            ctx.addIssue({
              code: 'custom',
              path: ['to'],
              input: undefined,
              message: '`to` must come after `from`',
            });
        })
        .optional(),
    },
    expect('a probe such as `{ name: page-ok, metric: successRate, min: 0.99 }`'),
  )
  .superRefine((p, ctx) => {
    checkSelect(p, ctx);
    if (p.metric === 'successRate') {
      if (p.min === undefined)
        ctx.addIssue({
          code: 'custom',
          path: ['min'],
          input: undefined,
          message: 'a successRate probe needs `min` (0..1)',
        });
      if (p.max !== undefined)
        ctx.addIssue({
          code: 'custom',
          path: ['max'],
          input: undefined,
          message: 'a successRate probe takes `min`, not `max`',
        });
      if (p.percentile !== undefined)
        ctx.addIssue({
          code: 'custom',
          path: ['percentile'],
          input: undefined,
          message: 'only latency probes take a `percentile`',
        });
    } else {
      if (p.max === undefined)
        ctx.addIssue({
          code: 'custom',
          path: ['max'],
          input: undefined,
          message: 'a latency probe needs `max` (a duration)',
        });
      if (p.min !== undefined)
        ctx.addIssue({
          code: 'custom',
          path: ['min'],
          input: undefined,
          message: 'a latency probe takes `max`, not `min`',
        });
    }
  });

const chaosSpecSchema = z
  .strictObject(
    {
      steadyState: z.array(probeSchema, expect('a list of probes')).default(() => []),
      faults: z.array(faultSchema, expect('a list of faults')).default(() => []),
    },
    expect('a mapping with `steadyState` and `faults`'),
  )
  .superRefine((c, ctx) => {
    c.faults.forEach((f, i) => {
      if (f.every === undefined) return;
      const at = (field: string, message: string) =>
        ctx.addIssue({ code: 'custom', path: ['faults', i, field], input: undefined, message });
      if (f.type === 'kill') {
        if (f.restartAfter === undefined)
          at('every', 'a recurring kill needs `restartAfter` (else the next kill finds the instance dead)');
        else if (f.restartAfter + f.coldStart >= f.every)
          at(
            'every',
            '`every` must be longer than `restartAfter` + `coldStart` (the instance is back before the next kill)',
          );
      } else if (f.duration === undefined)
        at('every', 'a recurring fault needs `duration` (how long each occurrence lasts)');
      else if (f.duration >= f.every) at('duration', '`duration` must be shorter than `every`');
    });
  })
  .transform((c): Omit<T.ChaosSpec, 'name'> => {
    const perType = new Map<string, number>();
    const faults = c.faults.map((f): T.FaultSpec => {
      const n = (perType.get(f.type) ?? 0) + 1;
      perType.set(f.type, n);
      if (f.type === 'partition') {
        const { between, ...rest } = f;
        return { ...rest, name: f.name ?? `${f.type}-${n}`, between: [between[0]!, between[1]!] };
      }
      return { ...f, name: f.name ?? `${f.type}-${n}` } as T.FaultSpec;
    });
    const steadyState = c.steadyState.map((p, i): T.ProbeSpec => ({
      ...p,
      name: p.name ?? `${p.metric}-${i + 1}`,
      ...(p.metric === 'latency' && { percentile: p.percentile ?? 99 }),
    }));
    return { steadyState, faults };
  });

export const ChaosExperimentSchema: z.ZodType<T.ChaosSpec> = documentSchema(
  'ChaosExperiment',
  chaosSpecSchema,
).transform((d): T.ChaosSpec => ({ name: d.metadata.name, ...d.spec }));

// ───────────────────────────── MeshPolicy ─────────────────────────────

export const DATA_PLANE_MODES = ['none', 'sidecar', 'per-node'] as const;
/** Named data-plane profiles and the mode each implies. */
export const DATA_PLANE_PROFILES: Record<string, T.DataPlaneMode> = {
  none: 'none',
  'istio-sidecar': 'sidecar',
  'istio-ambient': 'per-node',
  'istio-ambient-waypoint': 'per-node',
  linkerd: 'sidecar',
  kuma: 'sidecar',
  consul: 'sidecar',
  appmesh: 'sidecar',
  'traefik-mesh': 'per-node',
  /** This machine's meshdojo sidecar, measured by `meshdojo live calibrate`. */
  local: 'sidecar',
};
/** Products whose defaults a policy may ask for (`spec.defaults`). */
export const DEFAULT_PROFILES = DEFAULTS_KEYS;

export const RETRY_ON: readonly T.RetryOn[] = RETRY_ON_TOKENS;
/** Istio ≥ 1.24 default `retryOn`. */
export const DEFAULT_RETRY_ON: readonly T.RetryOn[] = [
  'connect-failure',
  'refused-stream',
  'unavailable',
  'cancelled',
];
/** Istio's circuit-breaker defaults: 2^32 − 1, i.e. no limit. */
export const UNLIMITED = 4294967295;

/** Constructs RE2 (Envoy `safe_regex`) does not accept: back-references and look-around. */
const NON_RE2 = /\\[1-9]|\\k<|\(\?<?[=!]/;
const validRegex = (s: string): string | undefined => {
  if (NON_RE2.test(s)) return 'back-references and look-around are not RE2 (Envoy safe_regex) syntax';
  try {
    new RegExp(`^(?:${s})$`);
    return undefined;
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  }
};

const stringMatchObject = z
  .strictObject(
    {
      exact: z.string(expect('a string')).optional(),
      prefix: z.string(expect('a string')).optional(),
      regex: z.string(expect('a string')).optional(),
    },
    expect('one of `{ exact }`, `{ prefix }`, `{ regex }`'),
  )
  .superRefine((m, ctx) => {
    // `{}` means "present" (Istio); more than one is ambiguous (Istio's `oneof`)
    const given = (['exact', 'prefix', 'regex'] as const).filter((k) => m[k] !== undefined);
    if (given.length > 1)
      ctx.addIssue({
        code: 'custom',
        path: [given[1]!],
        input: m[given[1]!],
        message: 'expected only one of `exact`, `prefix` or `regex`',
      });
    if (m.regex !== undefined) {
      const err = validRegex(m.regex);
      if (err)
        ctx.addIssue({
          code: 'custom',
          path: ['regex'],
          input: m.regex,
          message: `invalid regular expression: ${err}`,
        });
    }
  });

const stringMatchSchema = oneOf<T.StringMatch>('a string, or one of `{ exact }`, `{ prefix }`, `{ regex }`', [
  [isScalar, scalarString().transform((exact): T.StringMatch => ({ exact }))],
  [isObj, stringMatchObject],
]);

/** Header names are case-insensitive: they are lower-cased. */
const headerMatchesSchema = z
  .record(z.string(), stringMatchSchema, expect('a mapping of header names to matches'))
  .transform((h) => Object.fromEntries(Object.entries(h).map(([k, v]) => [k.toLowerCase(), v])));

const routeMatchSchema = z.strictObject(
  {
    headers: headerMatchesSchema.default(() => ({})),
    path: stringMatchSchema.optional(),
    method: stringMatchSchema.optional(),
  },
  expect('a match such as `{ headers: { end-user: { exact: jason } } }`'),
);

const splitSchema = z
  .record(
    z.string(),
    nonNegNumber('a weight ≥ 0'),
    expect('a mapping of versions to weights, e.g. `{ v1: 90, v2: 10 }`'),
  )
  .superRefine((s, ctx) => {
    const weights = Object.values(s);
    if (weights.length === 0)
      ctx.addIssue({
        code: 'custom',
        path: [],
        input: s,
        message: 'a split needs at least one version, e.g. `{ v1: 100 }`',
      });
    else if (!(weights.reduce((a, b) => a + b, 0) > 0))
      ctx.addIssue({
        code: 'custom',
        path: [],
        input: s,
        message: 'the weights add up to 0: give at least one version a weight > 0',
      });
  });

const routeSchema = z.strictObject(
  {
    match: routeMatchSchema.optional(),
    split: splitSchema,
    timeout: duration({ positive: true }).optional(),
  },
  expect('a route such as `{ split: { v1: 90, v2: 10 } }`'),
);

const retryOnSchema = z.unknown().transform((v, ctx): { retryOn: T.RetryOn[]; codes: number[] } => {
  const items: { item: unknown; path: PathSegment[] }[] =
    typeof v === 'string'
      ? v
          .split(',')
          .map((s) => s.trim())
          .filter((s) => s !== '')
          .map((s) => ({ item: /^\d+$/.test(s) ? Number(s) : s, path: [] }))
      : Array.isArray(v)
        ? v.map((item, i) => ({ item, path: [i] }))
        : [];
  if (typeof v !== 'string' && !Array.isArray(v)) {
    ctx.issues.push({
      code: 'custom',
      input: v,
      message: 'expected a list of retry conditions such as `[5xx, connect-failure, 503]`',
    });
    return z.NEVER;
  }
  const retryOn: T.RetryOn[] = [];
  const codes: number[] = [];
  let bad = false;
  for (const { item, path } of items) {
    if (typeof item === 'number' && Number.isInteger(item) && item >= 100 && item <= 599) {
      if (!codes.includes(item)) codes.push(item);
    } else if (typeof item === 'string' && (RETRY_ON as readonly string[]).includes(item)) {
      if (!retryOn.includes(item as T.RetryOn)) retryOn.push(item as T.RetryOn);
    } else {
      bad = true;
      ctx.issues.push({
        code: 'invalid_value',
        values: [...RETRY_ON],
        path,
        input: item,
        message: `expected a retry condition (${RETRY_ON.join(', ')}) or an HTTP status code 100..599`,
      });
    }
  }
  if (bad) return z.NEVER;
  if (codes.length && !retryOn.includes('retriable-status-codes')) retryOn.push('retriable-status-codes');
  return { retryOn, codes };
});

const backoffObject = z
  .strictObject(
    { base: duration({ positive: true }).default(25), max: duration({ positive: true }).optional() },
    expect('`{ base, max }`'),
  )
  .transform((b, ctx): { base: number; max: number } => {
    const max = b.max ?? 10 * b.base;
    if (max < b.base) {
      ctx.issues.push({
        code: 'custom',
        path: ['max'],
        input: undefined,
        message: '`max` is less than `base`',
      });
      return z.NEVER;
    }
    return { base: b.base, max };
  });
const backoffSchema = oneOf<{ base: number; max: number }>(
  'a duration (the base interval) or `{ base, max }`',
  [
    [isObj, backoffObject],
    [() => true, duration({ positive: true }).transform((base) => ({ base, max: 10 * base }))],
  ],
);

const retrySchema = z
  .strictObject(
    {
      attempts: nonNegInt('a number of retries ≥ 0').optional(),
      perTryTimeout: duration({ positive: true }).optional(),
      retryOn: retryOnSchema.optional(),
      backoff: backoffSchema.optional(),
      otherHost: bool().optional(),
    },
    expect('a mapping such as `{ attempts: 3, perTryTimeout: 2s, retryOn: [5xx] }`'),
  )
  // What is not written stays absent: the product's defaults fill it (simulator/mesh/resolve.ts).
  .transform((r): T.RetryInput => ({
    ...(r.attempts !== undefined && { attempts: r.attempts }),
    ...(r.perTryTimeout !== undefined && { perTryTimeout: r.perTryTimeout }),
    ...(r.retryOn !== undefined && { retryOn: r.retryOn.retryOn, retriableStatusCodes: r.retryOn.codes }),
    ...(r.backoff !== undefined && { backoff: r.backoff }),
    ...(r.otherHost !== undefined && { otherHost: r.otherHost }),
  }));

const envoyBudget = z
  .strictObject(
    { percent: percent().default(20), minRetryConcurrency: nonNegInt().default(3) },
    expect('`{ percent, minRetryConcurrency }`'),
  )
  .transform((b): T.RetryBudgetSpec => ({ kind: 'envoy', ...b }));
const linkerdBudget = z
  .strictObject(
    {
      ratio: nonNegNumber('a ratio ≥ 0 (0.2 = 20 %)').default(0.2),
      minRetriesPerSecond: nonNegInt().default(10),
      ttl: duration({ positive: true }).default(10_000),
    },
    expect('`{ ratio, minRetriesPerSecond, ttl }`'),
  )
  .transform((b): T.RetryBudgetSpec => ({ kind: 'linkerd', ...b }));
const retryBudgetSchema = oneOf<T.RetryBudgetSpec>(
  '`{ percent, minRetryConcurrency }` (Envoy) or `{ ratio, minRetriesPerSecond, ttl }` (Linkerd)',
  [
    [(v) => isObj(v) && ('ratio' in v || 'minRetriesPerSecond' in v || 'ttl' in v), linkerdBudget],
    [isObj, envoyBudget],
  ],
);

const outlierSchema = z
  .strictObject(
    {
      consecutive5xxErrors: nonNegInt().optional(),
      consecutiveGatewayErrors: nonNegInt().optional(),
      successRate: z
        .strictObject(
          {
            minimumHosts: nonNegInt().default(5),
            requestVolume: nonNegInt().default(100),
            stdevFactor: posNumber().default(1.9),
          },
          expect('`{ minimumHosts, requestVolume, stdevFactor }`'),
        )
        .optional(),
      interval: duration({ positive: true }).default(10_000),
      baseEjectionTime: duration({ positive: true }).default(30_000),
      maxEjectionTime: duration({ positive: true }).optional(),
      maxEjectionPercent: percent().default(10),
      alwaysEjectOneHost: bool().optional(),
      minHealthPercent: percent().optional(),
    },
    expect('a mapping such as `{ consecutive5xxErrors: 5, interval: 10s }`'),
  )
  .transform((o): T.OutlierDetectionSpec => {
    const noDetector =
      o.consecutive5xxErrors === undefined &&
      o.consecutiveGatewayErrors === undefined &&
      o.successRate === undefined;
    return {
      ...(noDetector ? { consecutive5xxErrors: 5 } : {}),
      ...o,
      maxEjectionTime: o.maxEjectionTime ?? Math.max(300_000, o.baseEjectionTime),
    };
  });

const circuitBreakerSchema = z
  .strictObject(
    {
      consecutiveFailures: posInt().optional(),
      failureRate: z
        .strictObject(
          {
            threshold: percent('a failure percentage 0..100'),
            window: duration({ positive: true }).default(10_000),
            minimumRequests: posInt().default(20),
          },
          expect('`{ threshold, window, minimumRequests }`'),
        )
        .optional(),
      openFor: duration({ positive: true }).default(30_000),
      halfOpenRequests: posInt().default(1),
    },
    expect('a mapping such as `{ consecutiveFailures: 5, openFor: 30s }`'),
  )
  .superRefine((c, ctx) => {
    if (c.consecutiveFailures === undefined && c.failureRate === undefined)
      ctx.addIssue({
        code: 'custom',
        path: [],
        input: c,
        message: 'a circuit breaker needs `consecutiveFailures` or `failureRate`',
      });
  });

const connectionPoolSchema = z.strictObject(
  {
    maxConnections: posInt().optional(),
    maxPendingRequests: nonNegInt().optional(),
    maxRequests: posInt().optional(),
    maxRetries: nonNegInt().optional(),
  },
  expect('a mapping such as `{ maxConnections: 100, maxPendingRequests: 10 }`'),
);

const LB_ALGORITHMS = ['round-robin', 'random', 'least-request'] as const;
const loadBalancerSchema = oneOf<T.LoadBalancerSpec>(
  '`round-robin`, `random`, `least-request` or `{ ringHash: { header: <name> } }`',
  [
    [isStr, z.enum(LB_ALGORITHMS).transform((algorithm): T.LoadBalancerSpec => ({ algorithm }))],
    [
      isObj,
      z
        .strictObject(
          { ringHash: z.strictObject({ header: text('a header name') }, expect('`{ header: <name> }`')) },
          expect('`{ ringHash: { header: <name> } }`'),
        )
        .transform((o): T.LoadBalancerSpec => ({
          algorithm: 'ring-hash',
          header: o.ringHash.header.toLowerCase(),
        })),
    ],
  ],
);

const faultPercent = () =>
  percent(
    'a percentage 0..100',
    'give `percent` (0..100) explicitly: Istio reads a missing percentage as 0, which injects nothing',
  );
const faultsSchema = z
  .strictObject(
    {
      delay: z
        .strictObject({ percent: faultPercent(), fixed: duration() }, expect('`{ percent, fixed }`'))
        .optional(),
      abort: z
        .strictObject(
          { percent: faultPercent(), status: httpStatus().default(503) },
          expect('`{ percent, status }`'),
        )
        .optional(),
      match: z
        .strictObject({ headers: headerMatchesSchema.default(() => ({})) }, expect('`{ headers: { … } }`'))
        .optional(),
    },
    expect('a mapping such as `{ delay: { percent: 10, fixed: 5s } }`'),
  )
  .superRefine((f, ctx) => {
    if (!f.delay && !f.abort)
      ctx.addIssue({ code: 'custom', path: [], input: f, message: 'faults need `delay` or `abort`' });
  });

const destinationSchema = z
  .strictObject(
    {
      service: name('a service name'),
      timeout: duration({ positive: true }).optional(),
      routes: z.array(routeSchema, expect('a list of routes')).optional(),
      retries: retrySchema.optional(),
      retryBudget: retryBudgetSchema.optional(),
      outlierDetection: outlierSchema.optional(),
      circuitBreaker: circuitBreakerSchema.optional(),
      connectionPool: connectionPoolSchema.optional(),
      loadBalancer: loadBalancerSchema.optional(),
      faults: faultsSchema.optional(),
      deadlinePropagation: bool().optional(),
    },
    expect('a destination such as `{ service: ratings, timeout: 2s }`'),
  )
  .transform((d): T.DestinationPolicySpec => d);

const dataPlaneObject = z
  .strictObject(
    {
      mode: z.enum(DATA_PLANE_MODES).optional(),
      profile: z.enum(Object.keys(DATA_PLANE_PROFILES) as [string, ...string[]]).optional(),
    },
    expect('`{ mode }` or `{ profile }`'),
  )
  .transform((d, ctx): T.MeshPolicySpec['dataPlane'] => {
    const implied = d.profile !== undefined ? DATA_PLANE_PROFILES[d.profile]! : undefined;
    if (d.mode !== undefined && implied !== undefined && d.mode !== implied) {
      ctx.issues.push({
        code: 'custom',
        path: ['mode'],
        input: d.mode,
        message: `profile \`${d.profile}\` runs its proxies ${implied === 'per-node' ? 'per node' : 'as sidecars'} (mode \`${implied}\`), not \`${d.mode}\``,
      });
      return z.NEVER;
    }
    return { mode: d.mode ?? implied ?? 'sidecar', ...(d.profile !== undefined && { profile: d.profile }) };
  });
const dataPlaneSchema = oneOf<T.MeshPolicySpec['dataPlane']>(
  'a mode (`none`, `sidecar`, `per-node`), a profile, or `{ mode }` / `{ profile }`',
  [
    [
      isStr,
      z
        .enum([...DATA_PLANE_MODES, ...Object.keys(DATA_PLANE_PROFILES)] as [string, ...string[]])
        .transform((s): T.MeshPolicySpec['dataPlane'] =>
          (DATA_PLANE_MODES as readonly string[]).includes(s)
            ? { mode: s as T.DataPlaneMode }
            : { mode: DATA_PLANE_PROFILES[s]!, profile: s },
        ),
    ],
    [isObj, dataPlaneObject],
  ],
);

const authzSourceSchema = z.strictObject(
  {
    from: text('a service name or SPIFFE id').optional(),
    paths: z.array(text('a path'), expect('a list of paths')).optional(),
    methods: z.array(text('an HTTP method'), expect('a list of methods')).optional(),
  },
  expect('a source such as `{ from: reviews, methods: [GET] }`'),
);
const authzRuleSchema = z.strictObject(
  {
    to: z.union([z.literal('*'), name('a service name')], expect('a service name or `*`')),
    allow: z.array(authzSourceSchema, expect('a list of sources')).default(() => []),
    deny: z.array(authzSourceSchema, expect('a list of sources')).default(() => []),
  },
  expect('a rule such as `{ to: ratings, allow: [{ from: reviews }] }`'),
);

const canarySchema = z
  .strictObject(
    {
      service: name('a service name'),
      stable: name('a version name'),
      canary: name('a version name'),
      stepWeight: percent('a percentage 0 < w ≤ 100').gt(0, expect('a percentage 0 < w ≤ 100')).default(10),
      maxWeight: percent('a percentage 0 < w ≤ 100').gt(0, expect('a percentage 0 < w ≤ 100')).default(50),
      interval: duration({ positive: true }).default(60_000),
      threshold: posInt().default(5),
      analysis: z
        .strictObject(
          {
            minSuccessRate: probability('a success rate 0..1').default(0.99),
            maxP99: duration({ positive: true }).optional(),
          },
          expect('`{ minSuccessRate, maxP99 }`'),
        )
        .default(() => ({ minSuccessRate: 0.99 })),
    },
    expect('a canary such as `{ service: reviews, stable: v1, canary: v2 }`'),
  )
  .superRefine((c, ctx) => {
    if (c.stable === c.canary)
      ctx.addIssue({
        code: 'custom',
        path: ['canary'],
        input: c.canary,
        message: 'expected a version different from `stable`',
      });
    if (c.stepWeight > c.maxWeight)
      ctx.addIssue({
        code: 'custom',
        path: ['stepWeight'],
        input: undefined,
        message: '`stepWeight` is greater than `maxWeight`',
      });
  });

const policySpecSchema = z
  .strictObject(
    {
      dataPlane: dataPlaneSchema.default(() => ({ mode: 'sidecar' as const })),
      defaults: z.enum(DEFAULT_PROFILES).optional(),
      destinations: z.array(destinationSchema, expect('a list of destinations')).default(() => []),
      security: z
        .strictObject(
          {
            mtls: z.enum(['disable', 'permissive', 'strict']).optional(),
            authorization: z.array(authzRuleSchema, expect('a list of rules')).default(() => []),
          },
          expect('`{ mtls, authorization }`'),
        )
        .default(() => ({ authorization: [] })),
      canaries: z.array(canarySchema, expect('a list of canaries')).default(() => []),
    },
    expect('a mapping such as `{ destinations: [ … ] }`'),
  )
  .transform(
    checkedTransform(
      (p) => {
        const issues: RefIssue[] = [];
        const seen = new Set<string>();
        p.destinations.forEach((d, i) => {
          if (seen.has(d.service))
            issues.push({
              path: ['destinations', i, 'service'],
              message: `duplicate destination \`${d.service}\`: put its settings in one entry`,
            });
          seen.add(d.service);
        });
        const canaries = new Set<string>();
        p.canaries.forEach((c, i) => {
          if (canaries.has(c.service))
            issues.push({
              path: ['canaries', i, 'service'],
              message: `a second canary for \`${c.service}\``,
            });
          canaries.add(c.service);
        });
        return issues;
      },
      (p): Omit<T.MeshPolicySpec, 'name'> => p,
    ),
  );

export const MeshPolicySchema: z.ZodType<T.MeshPolicySpec> = documentSchema(
  'MeshPolicy',
  policySpecSchema,
).transform((d): T.MeshPolicySpec => ({ name: d.metadata.name, ...d.spec }));

// ───────────────────────────── Scenario ─────────────────────────────

/** A reference from a Scenario: a path relative to the scenario's file, or an inline document. */
export type Ref<Spec> = { file: string } | { inline: Spec };

/** A validated Scenario whose references are not resolved yet (the loader resolves them). */
export interface ScenarioDraft {
  name: string;
  topology?: Ref<T.TopologySpec>;
  policies?: Ref<T.MeshPolicySpec>[];
  load?: Ref<T.LoadProfileSpec>;
  chaos?: Ref<T.ChaosSpec>[];
  seed: number;
  duration?: T.Ms;
  interval: T.Ms;
  sampling: { traces: number; accessLogs: number };
}

function refSchema<Spec>(kind: Kind, doc: z.ZodType<Spec>): z.ZodType<Ref<Spec>> {
  return oneOf<Ref<Spec>>(`a file path or an inline ${kind} document`, [
    [isStr, text('a file path').transform((file): Ref<Spec> => ({ file }))],
    [isObj, doc.transform((inline): Ref<Spec> => ({ inline }))],
  ]);
}
const refList = <Spec>(kind: Kind, doc: z.ZodType<Spec>) => {
  const one = refSchema(kind, doc);
  return oneOf<Ref<Spec>[]>(`a list of file paths or inline ${kind} documents`, [
    [Array.isArray, z.array(one, expect('a list'))],
    [isStr, one.transform((r) => [r])],
  ]);
};

const scenarioSpecSchema = z.strictObject(
  {
    topology: refSchema('Topology', TopologySchema).optional(),
    policies: refList('MeshPolicy', MeshPolicySchema).optional(),
    load: refSchema('LoadProfile', LoadProfileSchema).optional(),
    chaos: refList('ChaosExperiment', ChaosExperimentSchema).optional(),
    seed: nonNegInt('a seed (a whole number ≥ 0)').default(1),
    duration: duration({ positive: true }).optional(),
    interval: duration({ positive: true }).default(1000),
    sampling: z
      .strictObject(
        {
          traces: probability('a share 0..1').default(0.001),
          accessLogs: probability('a share 0..1').default(0.001),
        },
        expect('`{ traces, accessLogs }`'),
      )
      .default(() => ({ traces: 0.001, accessLogs: 0.001 })),
  },
  expect('a mapping such as `{ topology: ../topologies/shop.yaml }`'),
);

export const ScenarioSchema: z.ZodType<ScenarioDraft> = documentSchema(
  'Scenario',
  scenarioSpecSchema,
).transform((d): ScenarioDraft => ({ name: d.metadata.name, ...d.spec }) as ScenarioDraft);

/** The document schema of each kind. */
export const DOCUMENT_SCHEMAS = {
  Topology: TopologySchema,
  LoadProfile: LoadProfileSchema,
  ChaosExperiment: ChaosExperimentSchema,
  MeshPolicy: MeshPolicySchema,
  Scenario: ScenarioSchema,
} as const satisfies Record<Kind, z.ZodType>;
