/**
 * Property test: whatever the input — valid documents from arbitraries, mutations of the
 * documents that must load, random strings, random YAML-ish text, truncations — the loader either
 * loads it or throws a SpecError whose every issue has a file, a line ≥ 1 and a path. Nothing else
 * may be thrown.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { loadBundle, SpecError, type Bundle, type Source } from '../../simulator/model/index.ts';
import { BOOKINFO, MM1, RESILIENT } from './fixtures.ts';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type Case = { sources: Source[]; mustLoad?: (b: Bundle) => void };

const [MM1_TOPOLOGY, MM1_LOAD] = MM1.split('---\n').map((t) => parse(t) as Json);
const POLICY = parse(RESILIENT) as Json;

// ───────────── mutations of the valid documents ─────────────

type Path = (string | number)[];
function paths(v: Json, prefix: Path = [], out: Path[] = []): Path[] {
  out.push(prefix);
  if (Array.isArray(v)) v.forEach((x, i) => paths(x, [...prefix, i], out));
  else if (v !== null && typeof v === 'object')
    for (const [k, x] of Object.entries(v)) paths(x, [...prefix, k], out);
  return out;
}
const clone = (v: Json): Json => structuredClone(v);

type Mutation = (doc: Json, path: Path) => Json;
function at(
  doc: Json,
  path: Path,
  f: (parent: Json[] | Record<string, Json>, key: string | number) => void,
): Json {
  if (path.length === 0) return doc;
  const copy = clone(doc);
  let node = copy as Json;
  for (const seg of path.slice(0, -1)) node = (node as Record<string, Json>)[seg as string] as Json;
  f(node as Record<string, Json>, path[path.length - 1]!);
  return copy;
}

const weirdValue: fc.Arbitrary<Json> = fc.oneof(
  fc.constantFrom<Json>(
    null,
    true,
    false,
    0,
    -1,
    1.5,
    1e308,
    -0.001,
    '',
    '0',
    '10',
    '10ms',
    '-5s',
    '1h30m',
    'p(99)<500',
    [],
    {},
    [1],
    { a: 1 },
    'GET /',
    'v1',
    'node-1',
    'api',
  ),
  fc.integer({ min: -1_000_000, max: 1_000_000 }),
  fc.double(),
  fc.string({ maxLength: 12 }),
  fc.jsonValue({ maxDepth: 2 }) as fc.Arbitrary<Json>,
);

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  // delete a key / an item
  fc.constant<Mutation>((doc, path) =>
    at(doc, path, (p, k) => {
      if (Array.isArray(p)) p.splice(k as number, 1);
      else delete p[k];
    }),
  ),
  // replace a value
  weirdValue.map<Mutation>(
    (v) => (doc, path) =>
      path.length === 0 ? v : at(doc, path, (p, k) => ((p as Record<string, Json>)[k as string] = v)),
  ),
  // rename a key (typo) or add an unknown key next to it
  fc.tuple(fc.string({ minLength: 1, maxLength: 3 }), fc.boolean()).map<Mutation>(
    ([suffix, keep]) =>
      (doc, path) =>
        at(doc, path, (p, k) => {
          if (Array.isArray(p)) return;
          const value = p[k]!;
          if (!keep) delete p[k];
          p[`${k}${suffix}`] = value;
        }),
  ),
);

function mutate(doc: Json): fc.Arbitrary<Json> {
  const all = paths(doc);
  return fc.array(fc.tuple(fc.nat(all.length - 1), mutation), { minLength: 1, maxLength: 3 }).map((ms) =>
    ms.reduce<Json>((d, [i, m]) => {
      const p = paths(d);
      return m(d, p[i % p.length]!);
    }, doc),
  );
}

const yamlOf = (...docs: Json[]) => docs.map((d) => stringify(d)).join('---\n');

const mutatedMm1: fc.Arbitrary<Case> = fc
  .tuple(
    fc.oneof(mutate(MM1_TOPOLOGY!), fc.constant(MM1_TOPOLOGY!)),
    fc.oneof(mutate(MM1_LOAD!), fc.constant(MM1_LOAD!)),
  )
  .map(([t, l]) => ({ sources: [{ file: 'mm1.yaml', text: yamlOf(t, l) }] }));

/** The smallest topology the MeshPolicy example refers to (so that its references are checked too). */
const POLICY_TOPOLOGY = `apiVersion: meshdojo/v1
kind: Topology
metadata: { name: t }
spec:
  services:
    - { name: reviews, endpoints: [ { name: GET /, serviceTime: 1ms } ], versions: [ { name: v1 }, { name: v2 } ] }
    - { name: ratings, endpoints: [ { name: GET /, serviceTime: 1ms } ] }
`;
const mutatedPolicy: fc.Arbitrary<Case> = mutate(POLICY).map((p) => ({
  sources: [
    { file: 'topology.yaml', text: POLICY_TOPOLOGY },
    { file: 'policy.yaml', text: yamlOf(p) },
  ],
}));

const SCENARIO = parse(`apiVersion: meshdojo/v1
kind: Scenario
metadata: { name: s }
spec:
  topology: mm1.yaml
  policies: []
  chaos:
    - apiVersion: meshdojo/v1
      kind: ChaosExperiment
      metadata: { name: c }
      spec: { faults: [ { type: latency, target: { service: api }, latency: 1s } ], steadyState: [ { metric: successRate, min: 0.9 } ] }
  seed: 3
  duration: 1m
`) as Json;
const mutatedScenario: fc.Arbitrary<Case> = mutate(SCENARIO).map((d) => ({
  sources: [{ file: 'scenario.yaml', text: yamlOf(d) }],
}));

// ───────────── text-level damage ─────────────

const TEXTS = [MM1, RESILIENT, BOOKINFO];
const truncated: fc.Arbitrary<Case> = fc
  .tuple(fc.constantFrom(...TEXTS), fc.double({ min: 0, max: 1, noNaN: true }))
  .map(([t, f]) => ({ sources: [{ file: 'cut.yaml', text: t.slice(0, Math.floor(t.length * f)) }] }));

const YAML_CHARS = [...'ab:- \n\t[]{},&*!|>\'"#%@?0123.\\~'];
const damaged: fc.Arbitrary<Case> = fc
  .tuple(
    fc.constantFrom<string>(MM1, RESILIENT),
    fc.array(
      fc.tuple(fc.double({ min: 0, max: 1, noNaN: true }), fc.constantFrom(...YAML_CHARS), fc.boolean()),
      { minLength: 1, maxLength: 4 },
    ),
  )
  .map(([t, edits]) => {
    let text = t;
    for (const [f, ch, insert] of edits) {
      const i = Math.floor(text.length * f);
      text = insert ? text.slice(0, i) + ch + text.slice(i) : text.slice(0, i) + text.slice(i + 1);
    }
    return { sources: [{ file: 'damaged.yaml', text }] };
  });

const randomText: fc.Arbitrary<Case> = fc
  .oneof(
    fc.string({ maxLength: 80 }),
    fc.string({ unit: fc.constantFrom(...YAML_CHARS), maxLength: 80 }),
    fc.string({ unit: 'binary', maxLength: 40 }),
  )
  .map((text) => ({ sources: [{ file: 'random.yaml', text }] }));

const randomDocument: fc.Arbitrary<Case> = fc
  .record({
    apiVersion: fc.constantFrom('meshdojo/v1', 'v1'),
    kind: fc.constantFrom('Topology', 'LoadProfile', 'ChaosExperiment', 'MeshPolicy', 'Scenario', 'Other'),
    metadata: fc.oneof(fc.record({ name: fc.string({ maxLength: 5 }) }), weirdValue),
    spec: fc.oneof(
      fc.jsonValue({ maxDepth: 3 }) as fc.Arbitrary<Json>,
      fc.dictionary(
        fc.constantFrom(
          'services',
          'entry',
          'executor',
          'rate',
          'faults',
          'destinations',
          'topology',
          'policies',
        ),
        weirdValue,
      ),
    ),
  })
  .map((d) => ({
    sources: [
      { file: 'doc.yaml', text: yamlOf(d as Json) },
      { file: 'mm1.yaml', text: MM1 },
    ],
  }));

// ───────────── valid documents from arbitraries ─────────────

const ms = fc.integer({ min: 1, max: 5000 }).map((n) => `${n}ms`);
const duration = fc.oneof(
  ms,
  fc.integer({ min: 1, max: 900 }).map((n) => `${n}us`),
  fc.integer({ min: 1, max: 90 }).map((n) => `${n / 10}s`),
  fc.constant('2m'),
);
const distribution = fc.oneof(
  duration,
  fc.record({ dist: fc.constant('exponential'), mean: duration }),
  fc
    .tuple(fc.integer({ min: 0, max: 50 }), fc.integer({ min: 0, max: 50 }))
    .map(([a, b]) => ({ dist: 'uniform', min: `${a}ms`, max: `${a + b}ms` })),
  fc.record({ dist: fc.constant('normal'), mean: duration, stddev: duration }),
  fc
    .tuple(fc.integer({ min: 1, max: 50 }), fc.integer({ min: 1, max: 500 }))
    .map(([m, d]) => ({ dist: 'lognormal', median: `${m}ms`, p99: `${m + d}ms` })),
);

function topologyArb(): fc.Arbitrary<{ doc: Json; services: number }> {
  return fc.integer({ min: 1, max: 3 }).chain((n) => {
    const call = (i: number) =>
      fc.record(
        {
          service: fc.integer({ min: i + 1, max: n - 1 }).map((k) => `svc-${k}`),
          endpoint: fc.constant('GET /e0'),
          timeout: duration,
          retries: fc.integer({ min: 0, max: 3 }),
          onError: fc.constantFrom('fail', 'fallback', 'ignore'),
          probability: fc.double({ min: 0, max: 1, noNaN: true }),
          times: fc.integer({ min: 1, max: 3 }),
        },
        { requiredKeys: ['service'] },
      );
    const steps = (i: number) =>
      i >= n - 1
        ? fc.constant([])
        : fc.array(
            fc.oneof(
              call(i),
              fc.array(call(i), { minLength: 1, maxLength: 2 }).map((parallel) => ({ parallel })),
            ),
            { maxLength: 2 },
          );
    const endpoint = (i: number, j: number) =>
      fc.record(
        {
          name: fc.constant(`GET /e${j}`),
          serviceTime: distribution,
          errorRate: fc.double({ min: 0, max: 1, noNaN: true }),
          idempotent: fc.boolean(),
          responseBytes: fc.integer({ min: 0, max: 1 << 20 }),
          calls: steps(i),
        },
        { requiredKeys: ['name', 'serviceTime'] },
      );
    const service = (i: number) =>
      fc.record(
        {
          name: fc.constant(`svc-${i}`),
          replicas: fc.integer({ min: 0, max: 4 }),
          concurrency: fc.integer({ min: 1, max: 64 }),
          queue: fc.integer({ min: 0, max: 1000 }),
          cpu: fc.double({ min: 0.1, max: 8, noNaN: true }),
          placement: fc.subarray(['node-a', 'node-b']),
          inMesh: fc.boolean(),
          labels: fc.dictionary(
            fc.constantFrom('app', 'tier', 'team'),
            fc.oneof(fc.string({ maxLength: 5 }), fc.integer()),
          ),
          endpoints: fc
            .integer({ min: 1, max: 2 })
            .chain((m) => fc.tuple(...Array.from({ length: m }, (_, j) => endpoint(i, j)))),
          versions: fc
            .integer({ min: 1, max: 3 })
            .map((v) => Array.from({ length: v }, (_, k) => ({ name: `v${k + 1}` }))),
        },
        { requiredKeys: ['name', 'endpoints'] },
      );
    return fc
      .record({
        services: fc.tuple(...Array.from({ length: n }, (_, i) => service(i))),
        links: fc.boolean(),
        entry: fc.boolean(),
      })
      .map(({ services, links, entry }) => ({
        services: n,
        doc: {
          apiVersion: 'meshdojo/v1',
          kind: 'Topology',
          metadata: { name: 'gen' },
          spec: {
            ...(entry && { entry: { service: 'svc-0', endpoint: 'GET /e0' } }),
            nodes: [{ name: 'node-a' }, { name: 'node-b', cores: 2 }],
            ...(links && { network: { links: [{ from: 'node-a', to: 'node-b', latency: '1ms' }] } }),
            services,
          },
        } as Json,
      }));
  });
}

const loadArb: fc.Arbitrary<Json> = fc
  .oneof(
    fc.record({
      executor: fc.constant('constant-arrival-rate'),
      rate: fc.integer({ min: 1, max: 1000 }),
      timeUnit: fc.constantFrom('1s', '1m'),
      duration,
    }),
    fc.record({
      executor: fc.constant('ramping-arrival-rate'),
      startRate: fc.nat(100),
      stages: fc.array(fc.record({ duration, target: fc.nat(500) }), { minLength: 1, maxLength: 3 }),
    }),
    fc.record({
      executor: fc.constant('constant-vus'),
      vus: fc.integer({ min: 1, max: 50 }),
      duration,
      thinkTime: distribution,
    }),
    fc.record({
      executor: fc.constant('ramping-vus'),
      stages: fc.array(fc.record({ duration, target: fc.nat(50) }), { minLength: 1, maxLength: 3 }),
    }),
  )
  .chain((spec) =>
    fc
      .record(
        {
          thresholds: fc.record({
            http_req_duration: fc.array(
              fc.constantFrom('p(99)<500', 'p(95)<=200', 'avg<200', 'med<100', 'max<1000'),
              { maxLength: 3 },
            ),
          }),
          headers: fc.array(
            fc.record({
              name: fc.constant('end-user'),
              value: fc.string({ maxLength: 5 }),
              percent: fc.integer({ min: 0, max: 100 }),
            }),
            { maxLength: 2 },
          ),
          entry: fc.constant({ service: 'svc-0', endpoint: 'GET /e0' }),
        },
        { requiredKeys: [] },
      )
      .map(
        (extra) =>
          ({
            apiVersion: 'meshdojo/v1',
            kind: 'LoadProfile',
            metadata: { name: 'gen-load' },
            spec: { ...spec, ...extra },
          }) as Json,
      ),
  );

const validGenerated: fc.Arbitrary<Case> = fc.tuple(topologyArb(), loadArb).map(([t, l]) => ({
  sources: [{ file: 'gen.yaml', text: yamlOf(t.doc, l) }],
  mustLoad: (b) => {
    if (b.topology?.services.length !== t.services || b.load?.name !== 'gen-load')
      throw new Error('generated documents loaded wrongly');
  },
}));

// ───────────── the property ─────────────

const resolve = (_from: string, rel: string): Source => {
  if (rel === 'mm1.yaml') return { file: 'mm1.yaml', text: MM1 };
  throw new Error('no such file');
};

const tally = { loaded: 0, refused: 0, issues: 0 };

function check({ sources, mustLoad }: Case): void {
  let bundle: Bundle;
  try {
    bundle = loadBundle(sources, resolve);
    tally.loaded++;
  } catch (e) {
    tally.refused++;
    const input = () => sources.map((s) => `# ${s.file}\n${s.text}`).join('\n');
    if (!(e instanceof SpecError))
      throw new Error(`not a SpecError: ${String(e)}\n--- input:\n${input()}`, { cause: e });
    if (mustLoad) throw new Error(`a valid document was refused:\n${e.format()}\n--- input:\n${input()}`);
    if (e.issues.length === 0) throw new Error(`a SpecError without issues\n--- input:\n${input()}`);
    tally.issues += e.issues.length;
    for (const issue of e.issues) {
      const text =
        sources.find((s) => s.file === issue.file)?.text ?? (issue.file === 'mm1.yaml' ? MM1 : undefined);
      const lines = text === undefined ? 0 : text.split(/\r\n|\r|\n/).length;
      const ok =
        text !== undefined &&
        Number.isInteger(issue.line) &&
        issue.line >= 1 &&
        issue.line <= lines + 1 &&
        Number.isInteger(issue.column) &&
        issue.column >= 1 &&
        typeof issue.path === 'string' &&
        typeof issue.message === 'string' &&
        issue.message.length > 0;
      if (!ok)
        throw new Error(`malformed issue ${JSON.stringify(issue)}\n${e.format()}\n--- input:\n${input()}`);
    }
    return;
  }
  mustLoad?.(bundle);
}

describe('loader robustness (fast-check)', () => {
  it('10,000 documents: each loads or throws a SpecError with file, line ≥ 1 and path', () => {
    let runs = 0;
    fc.assert(
      fc.property(
        fc.oneof(
          { arbitrary: validGenerated, weight: 2 },
          { arbitrary: mutatedMm1, weight: 4 },
          { arbitrary: mutatedPolicy, weight: 2 },
          { arbitrary: mutatedScenario, weight: 1 },
          { arbitrary: truncated, weight: 1 },
          { arbitrary: damaged, weight: 2 },
          { arbitrary: randomText, weight: 1 },
          { arbitrary: randomDocument, weight: 1 },
        ),
        (c) => {
          runs++;
          check(c);
        },
      ),
      { numRuns: 10_000 },
    );
    expect(runs).toBeGreaterThanOrEqual(10_000);
    console.log(
      `fuzz: ${runs} documents, ${tally.loaded} loaded, ${tally.refused} refused with ${tally.issues} issues`,
    );
    // A hang guard, not a speed check: 10,000 loads take ≈ 40 s alone and over 120 s on a shared 2-core machine.
  }, 600_000);
});
