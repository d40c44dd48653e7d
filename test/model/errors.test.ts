import { describe, expect, it } from 'vitest';
import { loadBundle, parseDocuments, SpecError, type SpecIssue } from '../../simulator/model/index.ts';
import { BOOKINFO, MM1, RESILIENT } from './fixtures.ts';

/** Loads and returns the SpecError's issues (fails the test when something else happens). */
function issuesOf(text: string, file = 'bad.yaml', more: { file: string; text: string }[] = []): SpecIssue[] {
  try {
    loadBundle([{ file, text }, ...more]);
  } catch (e) {
    if (e instanceof SpecError) return [...e.issues];
    throw e;
  }
  throw new Error('expected a SpecError, but the documents loaded');
}
const lines = (text: string, file?: string, more?: { file: string; text: string }[]) =>
  issuesOf(text, file, more).map((i) => `${i.file}:${i.line}:${i.column} ${i.path}: ${i.message}`);

/** Replaces exactly one occurrence (so a test cannot silently stop testing anything). */
function edit(text: string, from: string, to: string): string {
  expect(text.split(from)).toHaveLength(2);
  return text.replace(from, to);
}

describe('one error per bad-input class, with file:line:column and path', () => {
  it('unknown kind', () => {
    expect(lines(edit(MM1, 'kind: LoadProfile', 'kind: LoadProfil'), 'mm1.yaml')).toEqual([
      'mm1.yaml:16:7 kind: unknown kind `LoadProfil` (did you mean `LoadProfile`?); expected one of `Topology`, `LoadProfile`, `ChaosExperiment`, `MeshPolicy`, `Scenario`',
    ]);
  });

  it('wrong apiVersion', () => {
    expect(
      lines(edit(MM1, 'apiVersion: meshdojo/v1\nkind: LoadProfile', 'apiVersion: v1\nkind: LoadProfile')),
    ).toEqual(['bad.yaml:15:13 apiVersion: expected `meshdojo/v1`, got "v1"']);
  });

  it('wrong type', () => {
    expect(lines(edit(MM1, 'concurrency: 1', 'concurrency: many'))).toEqual([
      'bad.yaml:9:20 spec.services[0].concurrency: expected a positive integer, got "many"',
    ]);
    expect(lines(edit(MM1, 'concurrency: 1', 'concurrency: -1'))).toEqual([
      'bad.yaml:9:20 spec.services[0].concurrency: expected a positive integer, got -1',
    ]);
  });

  it('a call to a service that does not exist', () => {
    expect(
      lines(
        edit(BOOKINFO, '{ service: details, timeout: 3s', '{ service: detail, timeout: 3s'),
        'bookinfo.yaml',
      ),
    ).toEqual([
      'bookinfo.yaml:18:26 spec.services[0].endpoints[0].calls[0].service: unknown service `detail` (did you mean `details`?)',
    ]);
  });

  it('a call to an endpoint that no version has', () => {
    expect(
      lines(edit(BOOKINFO, '{ service: details, timeout', '{ service: details, endpoint: GET /x, timeout')),
    ).toEqual([
      'bad.yaml:18:45 spec.services[0].endpoints[0].calls[0].endpoint: service `details` has no endpoint `GET /x` (it has `GET /details`)',
    ]);
  });

  it('a call cycle, spelled out', () => {
    const cyclic = edit(
      BOOKINFO,
      '        - { name: GET /ratings, serviceTime: { dist: normal, mean: 3ms, stddev: 1ms } }',
      '        - name: GET /ratings\n          serviceTime: 1ms\n          calls: [ { service: productpage } ]',
    );
    expect(lines(cyclic)).toEqual([
      'bad.yaml:39:20 spec.services[3].endpoints[0].calls[0]: call cycle: productpage (GET /productpage) → reviews (GET /reviews) → ratings (GET /ratings) → productpage (GET /productpage)',
    ]);
  });

  it('an endpoint calling itself', () => {
    const self = edit(
      BOOKINFO,
      '- { name: GET /details, serviceTime: 2ms }',
      '- { name: GET /details, serviceTime: 2ms, calls: [ { service: details } ] }',
    );
    expect(lines(self)).toEqual([
      'bad.yaml:22:60 spec.services[1].endpoints[0].calls[0]: call cycle: details (GET /details) → details (GET /details)',
    ]);
  });

  it('negative rate', () => {
    expect(lines(edit(MM1, 'rate: 80', 'rate: -80'))).toEqual([
      'bad.yaml:21:9 spec.rate: expected a positive number of iterations per `timeUnit`, got -80',
    ]);
  });

  it('malformed YAML', () => {
    expect(lines(edit(MM1, 'metadata: { name: steady }', 'metadata: { name: steady'))).toEqual([
      'bad.yaml:18:1 : YAML: Flow map in block collection must be sufficiently indented and end with a }',
    ]);
    expect(lines(edit(MM1, '  rate: 80\n', '  rate: 80\n  rate: 90\n'))).toEqual([
      'bad.yaml:22:3 : YAML: Map keys must be unique',
    ]);
  });

  it('unknown field, with a suggestion', () => {
    expect(lines(edit(MM1, 'concurrency: 1', 'concurency: 1'))).toEqual([
      'bad.yaml:9:7 spec.services[0].concurency: unknown field `concurency` (did you mean `concurrency`?)',
    ]);
  });

  it('bad duration', () => {
    expect(lines(edit(MM1, 'duration: 4h', 'duration: 4 hours'))).toEqual([
      'bad.yaml:22:13 spec.duration: expected a duration such as `250us`, `10ms`, `1.5s`, `2m` or `4h` (unknown unit `hours`; use ns, us, ms, s, m or h), got "4 hours"',
    ]);
    expect(lines(edit(MM1, 'mean: 10ms', 'mean: 10'))).toEqual([
      'bad.yaml:13:51 spec.services[0].endpoints[0].serviceTime.mean: expected a duration with a unit (a bare number is ambiguous: write `10ms` or `10s`), got 10',
    ]);
  });

  it('bad threshold', () => {
    const text = `${MM1}  thresholds:\n    http_req_duration: ['p99<500', 'rate<0.1']\n    http_req_faild: ['rate<0.01']\n`;
    expect(lines(text)).toEqual([
      'bad.yaml:24:25 spec.thresholds.http_req_duration[0]: expected a k6 threshold such as `p(99)<500` or `avg<200` (a percentile is written `p(99)`), got "p99<500"',
      'bad.yaml:24:36 spec.thresholds.http_req_duration[1]: `rate` is not a statistic of http_req_duration (use p(N), avg, min, max or med): "rate<0.1"',
      'bad.yaml:25:5 spec.thresholds.http_req_faild: unknown metric `http_req_faild` (did you mean `http_req_failed`?)',
    ]);
  });
});

describe('more errors', () => {
  it('a missing field points at the parent mapping', () => {
    expect(lines(edit(MM1, '          serviceTime: { dist: exponential, mean: 10ms }\n', ''))).toEqual([
      'bad.yaml:12:11 spec.services[0].endpoints[0].serviceTime: missing required field `serviceTime` (expected a distribution: a duration such as `10ms`, or a mapping such as `{ dist: exponential, mean: 10ms }`)',
    ]);
  });

  it('a constant executor without duration', () => {
    expect(lines(edit(MM1, '  duration: 4h\n', ''))).toEqual([
      'bad.yaml:19:3 spec.duration: missing required field `duration`: a constant-arrival-rate load runs for a fixed time, e.g. `duration: 10m`',
    ]);
  });

  it('unknown discriminators get suggestions', () => {
    expect(lines(edit(MM1, 'dist: exponential', 'dist: expo'))).toEqual([
      'bad.yaml:13:32 spec.services[0].endpoints[0].serviceTime.dist: expected `dist` to be one of `constant`, `exponential`, `uniform`, `normal`, `lognormal`, got "expo" (did you mean `exponential`?)',
    ]);
  });

  it('collects every error of every document', () => {
    const text = edit(
      edit(edit(MM1, 'concurrency: 1', 'concurrency: 0'), 'queue: 100000', 'queue: lots'),
      'rate: 80',
      'rate: 0',
    );
    expect(lines(text).map((l) => l.split(' ')[0])).toEqual([
      'bad.yaml:9:20',
      'bad.yaml:10:14',
      'bad.yaml:21:9',
    ]);
  });

  it('exactly one Topology', () => {
    expect(lines(MM1.split('---\n')[1]!, 'load.yaml')).toEqual([
      'load.yaml:1:1 : no Topology document in load.yaml: exactly one is needed',
    ]);
    expect(lines(MM1, 'a.yaml', [{ file: 'b.yaml', text: MM1.split('---\n')[0]! }])).toEqual([
      'b.yaml:1:1 : a second Topology `mm1` (the first is `mm1` at a.yaml:1:1): exactly one Topology is allowed',
    ]);
  });

  it('policy references are checked against the topology: services and route subsets', () => {
    const policy = edit(
      edit(RESILIENT, 'split: { v1: 90, v2: 10 }', 'split: { v1: 90, v4: 10 }'),
      '{ to: ratings, allow: [{ from: reviews }] }',
      '{ to: ratings, allow: [{ from: review }] }',
    );
    expect(lines(BOOKINFO, 'bookinfo.yaml', [{ file: 'policy.yaml', text: policy }])).toEqual([
      'policy.yaml:12:28 spec.destinations[0].routes[1].split.v4: unknown version of `reviews` `v4` (known: `v1`, `v2`, `v3`)',
      'policy.yaml:23:40 spec.security.authorization[0].allow[0].from: unknown service `review` (did you mean `reviews`?)',
    ]);
  });

  it('fault percentages must be explicit', () => {
    const policy = edit(RESILIENT, 'delay: { percent: 50, fixed: 5s }', 'delay: { fixed: 5s }');
    expect(() => parseDocuments(policy, 'p.yaml')).toThrowError(
      'p.yaml:19:24 spec.destinations[1].faults.delay.percent: missing required field `percent`: give `percent` (0..100) explicitly: Istio reads a missing percentage as 0, which injects nothing',
    );
  });

  it('chaos targets are checked against the topology', () => {
    const chaos = `apiVersion: meshdojo/v1
kind: ChaosExperiment
metadata: { name: c }
spec:
  faults:
    - { type: kill, target: { service: reviews, version: v9 }, at: 1s }
    - { type: node-down, node: node-z, at: 1s }
`;
    expect(lines(BOOKINFO, 'bookinfo.yaml', [{ file: 'c.yaml', text: chaos }])).toEqual([
      'c.yaml:6:58 spec.faults[0].target.version: unknown version of `reviews` `v9` (known: `v1`, `v2`, `v3`)',
      'c.yaml:7:32 spec.faults[1].node: unknown node `node-z` (known: `node-a`, `node-b`)',
    ]);
  });

  it('SpecError.format prints one line per issue', () => {
    try {
      parseDocuments(edit(MM1, 'concurrency: 1', 'concurrency: -1'), 'topologies/shop.yaml');
      expect.unreachable();
    } catch (e) {
      expect((e as SpecError).format()).toBe(
        'topologies/shop.yaml:9:20 spec.services[0].concurrency: expected a positive integer, got -1',
      );
      expect((e as SpecError).message).toBe((e as SpecError).format());
    }
  });
});

describe('hostile YAML', () => {
  it('an error inside an alias points at the anchor', () => {
    const text = `x-bad: &bad { serviceTime: 2ms, errorRate: 2 }
apiVersion: meshdojo/v1
kind: Topology
metadata: { name: t }
spec:
  services: [ { name: a, endpoints: [ { <<: *bad, name: GET / } ] } ]
`;
    expect(lines(text)).toEqual([
      'bad.yaml:1:44 spec.services[0].endpoints[0].errorRate: expected an error rate 0..1, got 2',
    ]);
  });

  it('an alias bomb is refused, not expanded', () => {
    const levels = ['a: &a ["x","x","x","x","x","x","x","x","x"]'];
    for (let i = 1; i < 9; i++) {
      const prev = String.fromCharCode(96 + i);
      const cur = String.fromCharCode(97 + i);
      levels.push(`${cur}: &${cur} [${Array(9).fill(`*${prev}`).join(',')}]`);
    }
    const issues = issuesOf(levels.join('\n') + '\n');
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({ file: 'bad.yaml', line: 1, column: 1, path: '' });
    expect(issues[0]!.message).toMatch(/^YAML: Excessive alias count/);
  });
});
