import { describe, expect, it } from 'vitest';
import { loadBundle, parseDocuments, SpecError } from '../../simulator/model/index.ts';
import type { LoadProfileSpec, MeshPolicySpec, TopologySpec } from '../../simulator/model/types.ts';
import { BOOKINFO, MM1, RESILIENT } from './fixtures.ts';
import { resolvePolicies } from '../../simulator/mesh/resolve.ts';

const expectedMm1: TopologySpec = {
  name: 'mm1',
  entry: { service: 'api', endpoint: 'GET /' },
  nodes: [{ name: 'node-1', cores: 4 }],
  network: {
    sameNode: { latency: 0.05, jitter: 0 },
    crossNode: { latency: 0.5, jitter: 0.1 },
    links: [],
    connectTimeout: 1000,
  },
  services: [
    {
      name: 'api',
      labels: { app: 'api' },
      concurrency: 1,
      queue: 100000,
      placement: [],
      inMesh: true,
      versions: [
        {
          name: 'v1',
          labels: { app: 'api', version: 'v1' },
          replicas: 1,
          endpoints: [
            {
              name: 'GET /',
              serviceTime: { dist: 'exponential', mean: 10 },
              errorRate: 0,
              idempotent: true,
              responseBytes: 1024,
              calls: [],
            },
          ],
        },
      ],
    },
  ],
};

const expectedSteady: LoadProfileSpec = {
  name: 'steady',
  executor: 'constant-arrival-rate',
  arrivals: 'poisson',
  rate: 80,
  duration: 4 * 3600 * 1000,
  timeout: 60_000,
  retries: { attempts: 0, backoff: 1000 },
  headers: [],
  requests: [],
  thresholds: [],
};

const expectedResilient: MeshPolicySpec = {
  name: 'resilient',
  dataPlane: { mode: 'sidecar' },
  destinations: [
    {
      service: 'reviews',
      timeout: 10_000,
      routes: [
        { match: { headers: { 'end-user': { exact: 'jason' } } }, split: { v2: 100 } },
        { split: { v1: 90, v2: 10 } },
      ],
    },
    {
      // What the document does not write stays absent (routes, backoff, …): the resolver fills it.
      service: 'ratings',
      retries: {
        attempts: 3,
        perTryTimeout: 2000,
        retryOn: ['5xx', 'connect-failure', 'reset'],
        retriableStatusCodes: [],
        backoff: { base: 25, max: 250 },
      },
      outlierDetection: {
        consecutive5xxErrors: 5,
        interval: 10_000,
        baseEjectionTime: 30_000,
        maxEjectionTime: 300_000,
        maxEjectionPercent: 50,
      },
      circuitBreaker: { consecutiveFailures: 5, openFor: 30_000, halfOpenRequests: 1 },
      // maxRetries left out: the product's default applies at run time.
      connectionPool: { maxConnections: 100, maxPendingRequests: 10, maxRequests: 100 },
      loadBalancer: { algorithm: 'least-request' },
      faults: { delay: { percent: 50, fixed: 5000 }, abort: { percent: 0, status: 503 } },
    },
  ],
  security: { mtls: 'strict', authorization: [{ to: 'ratings', allow: [{ from: 'reviews' }], deny: [] }] },
  canaries: [],
};

const policy = (spec: string) =>
  `apiVersion: meshdojo/v1\nkind: MeshPolicy\nmetadata: { name: p }\nspec:\n${spec}`;
const loadPolicy = (spec: string): MeshPolicySpec => {
  const [d] = parseDocuments(policy(spec), 'p.yaml');
  if (d?.kind !== 'MeshPolicy') throw new Error('not a policy');
  return d.value;
};
const load = (spec: string): LoadProfileSpec => {
  const [d] = parseDocuments(
    `apiVersion: meshdojo/v1\nkind: LoadProfile\nmetadata: { name: l }\nspec:\n${spec}`,
    'l.yaml',
  );
  if (d?.kind !== 'LoadProfile') throw new Error('not a load profile');
  return d.value;
};

describe('the documents of the brief load as written', () => {
  it('Topology + LoadProfile in one file (mm1)', () => {
    const bundle = loadBundle([{ file: 'mm1.yaml', text: MM1 }]);
    expect(bundle).toStrictEqual({ topology: expectedMm1, load: expectedSteady, chaos: [], policies: [] });
  });

  it('parseDocuments returns each document with its kind and origin', () => {
    const docs = parseDocuments(MM1, 'mm1.yaml');
    expect(docs.map((d) => [d.kind, d.origin.file, d.origin.index, d.origin.line])).toEqual([
      ['Topology', 'mm1.yaml', 0, 1],
      ['LoadProfile', 'mm1.yaml', 1, 15],
    ]);
  });

  it('the MeshPolicy example', () => {
    const docs = parseDocuments(RESILIENT, 'resilient.yaml');
    expect(docs).toHaveLength(1);
    expect(docs[0]!.value).toStrictEqual(expectedResilient);
  });

  it('the MeshPolicy example together with a topology that has its services', () => {
    const bundle = loadBundle([
      { file: 'bookinfo.yaml', text: BOOKINFO },
      { file: 'resilient.yaml', text: RESILIENT },
    ]);
    expect(bundle.policies).toStrictEqual([expectedResilient]);
    expect(bundle.topology?.name).toBe('bookinfo');
  });
});

describe('Topology normalisation', () => {
  const topo = loadBundle([{ file: 'bookinfo.yaml', text: BOOKINFO }]).topology!;

  it('fills nodes, links and placement', () => {
    expect(topo.description).toBe("Istio's Bookinfo sample");
    expect(topo.nodes).toEqual([
      { name: 'node-a', cores: 4 },
      { name: 'node-b', cores: 8 },
    ]);
    expect(topo.network.links).toEqual([{ from: 'node-a', to: 'node-b', latency: 2, jitter: 0 }]);
    expect(topo.services[0]!.placement).toEqual(['node-a']);
  });

  it('reads every distribution form', () => {
    const svc = (n: string) => topo.services.find((s) => s.name === n)!;
    expect(svc('productpage').versions[0]!.endpoints[0]!.serviceTime).toEqual({
      dist: 'lognormal',
      median: 4,
      p99: 30,
    });
    expect(svc('details').versions[0]!.endpoints[0]!.serviceTime).toEqual({ dist: 'constant', value: 2 });
    expect(svc('ratings').versions[0]!.endpoints[0]!.serviceTime).toEqual({
      dist: 'normal',
      mean: 3,
      stddev: 1,
    });
  });

  it('fills call defaults, including the callee’s first endpoint', () => {
    const calls = topo.services[0]!.versions[0]!.endpoints[0]!.calls;
    expect(calls).toEqual([
      {
        kind: 'call',
        call: {
          service: 'details',
          endpoint: 'GET /details',
          timeout: 3000,
          retries: 0,
          onError: 'fallback',
          probability: 1,
          times: 1,
        },
      },
      {
        kind: 'call',
        call: {
          service: 'reviews',
          endpoint: 'GET /reviews',
          timeout: 3000,
          retries: 1,
          onError: 'fallback',
          probability: 1,
          times: 1,
        },
      },
    ]);
  });

  it('merges version endpoints over the service’s and fills version labels and replicas', () => {
    const reviews = topo.services.find((s) => s.name === 'reviews')!;
    expect(reviews.versions.map((v) => v.name)).toEqual(['v1', 'v2', 'v3']);
    expect(reviews.versions[0]!.endpoints[0]).toMatchObject({
      serviceTime: { dist: 'constant', value: 5 },
      calls: [],
    });
    expect(reviews.versions[1]!.endpoints[0]!.calls).toHaveLength(1);
    expect(reviews.versions[2]!.labels).toEqual({ app: 'reviews', version: 'v3', color: 'red' });
    expect(reviews.versions.map((v) => v.replicas)).toEqual([1, 1, 2]);
  });

  it('defaults the entry to the first service’s first endpoint and reads parallel groups', () => {
    const [d] = parseDocuments(
      `apiVersion: meshdojo/v1
kind: Topology
metadata: { name: t }
spec:
  services:
    - name: front
      endpoints:
        - name: GET /
          serviceTime: 1ms
          calls:
            - parallel: [ { service: a }, { service: b, endpoint: POST /x, probability: 0.5, times: 2 } ]
    - { name: a, endpoints: [ { name: GET /a, serviceTime: 0 } ] }
    - { name: b, endpoints: [ { name: GET /b, serviceTime: 1ms }, { name: POST /x, serviceTime: 1ms, idempotent: false } ] }
`,
      't.yaml',
    );
    const t = d!.value as TopologySpec;
    expect(t.entry).toEqual({ service: 'front', endpoint: 'GET /' });
    expect(t.services[0]!.versions[0]!.endpoints[0]!.calls).toEqual([
      {
        kind: 'parallel',
        calls: [
          { service: 'a', endpoint: 'GET /a', retries: 0, onError: 'fail', probability: 1, times: 1 },
          { service: 'b', endpoint: 'POST /x', retries: 0, onError: 'fail', probability: 0.5, times: 2 },
        ],
      },
    ]);
    expect(t.services[2]!.versions[0]!.endpoints[1]!.idempotent).toBe(false);
  });
});

describe('LoadProfile normalisation', () => {
  it('rate is per timeUnit, normalised to per second', () => {
    const l = load('  executor: constant-arrival-rate\n  rate: 30\n  timeUnit: 1m\n  duration: 10m\n');
    expect(l).toMatchObject({
      executor: 'constant-arrival-rate',
      rate: 0.5,
      duration: 600_000,
      arrivals: 'poisson',
    });
  });

  it('ramping-arrival-rate stages are per second too', () => {
    const l = load(
      '  executor: ramping-arrival-rate\n  arrivals: uniform\n  startRate: 60\n  timeUnit: 1m\n  stages: [ { duration: 30s, target: 120 } ]\n',
    );
    expect(l).toMatchObject({ arrivals: 'uniform', startRate: 1, stages: [{ duration: 30_000, target: 2 }] });
  });

  it('VU executors get a 1s constant think time by default', () => {
    expect(load('  executor: constant-vus\n  vus: 10\n  duration: 1m\n')).toMatchObject({
      executor: 'constant-vus',
      vus: 10,
      duration: 60_000,
      thinkTime: { dist: 'constant', value: 1000 },
    });
    expect(
      load(
        '  executor: ramping-vus\n  stages: [ { duration: 1m, target: 50 } ]\n  thinkTime: { dist: exponential, mean: 2s }\n',
      ),
    ).toMatchObject({
      executor: 'ramping-vus',
      startVUs: 1,
      thinkTime: { dist: 'exponential', mean: 2000 },
    });
  });

  it('parses k6 thresholds', () => {
    const l = load(`  executor: constant-arrival-rate
  rate: 1
  duration: 1s
  headers: [ { name: end-user, value: jason, percent: 10 } ]
  thresholds:
    http_req_duration: ['p(99)<500', 'p(95)<=200', 'avg<200', 'med<100', 'max<1000']
    http_req_failed: ['rate<0.01']
    http_reqs: 'count>10'
`);
    expect(l.headers).toEqual([{ name: 'end-user', value: 'jason', percent: 10 }]);
    expect(l.thresholds).toEqual([
      { metric: 'http_req_duration', source: 'p(99)<500', stat: 'p', p: 99, op: '<', value: 500 },
      { metric: 'http_req_duration', source: 'p(95)<=200', stat: 'p', p: 95, op: '<=', value: 200 },
      { metric: 'http_req_duration', source: 'avg<200', stat: 'avg', op: '<', value: 200 },
      { metric: 'http_req_duration', source: 'med<100', stat: 'med', op: '<', value: 100 },
      { metric: 'http_req_duration', source: 'max<1000', stat: 'max', op: '<', value: 1000 },
      { metric: 'http_req_failed', source: 'rate<0.01', stat: 'rate', op: '<', value: 0.01 },
      { metric: 'http_reqs', source: 'count>10', stat: 'count', op: '>', value: 10 },
    ]);
  });
});

describe('MeshPolicy defaults', () => {
  it('a bare retries block stays bare in the document and gets Istio’s defaults from the resolver; status codes in retryOn become retriableStatusCodes', () => {
    const p = loadPolicy(
      '  destinations:\n    - service: a\n      retries: {}\n    - service: b\n      retries: { retryOn: [gateway-error, 503, 429] }\n',
    );
    expect(p.destinations[0]!.retries).toEqual({});
    expect(resolvePolicies([p], 'istio').destination('a').retries).toEqual({
      attempts: 2,
      retryOn: ['connect-failure', 'refused-stream', 'unavailable', 'cancelled'],
      retriableStatusCodes: [],
      backoff: { base: 25, max: 250 },
      otherHost: true,
    });
    expect(p.destinations[1]!.retries).toMatchObject({
      retryOn: ['gateway-error', 'retriable-status-codes'],
      retriableStatusCodes: [503, 429],
    });
    expect(p.dataPlane).toEqual({ mode: 'sidecar' });
    expect(p.security).toEqual({ authorization: [] });
    expect(resolvePolicies([p], 'istio').mtls).toBe('permissive');
  });

  it('retryOn may be an Istio comma list; backoff a bare base', () => {
    const p = loadPolicy(
      '  destinations:\n    - service: a\n      retries: { retryOn: "5xx,reset,503", backoff: 100ms }\n',
    );
    expect(resolvePolicies([p], 'istio').destination('a').retries).toMatchObject({
      retryOn: ['5xx', 'reset', 'retriable-status-codes'],
      retriableStatusCodes: [503],
      backoff: { base: 100, max: 1000 },
    });
  });

  it('retry budgets in Envoy and Linkerd form', () => {
    const p = loadPolicy(
      '  destinations:\n    - service: a\n      retryBudget: { percent: 20, minRetryConcurrency: 3 }\n    - service: b\n      retryBudget: { ratio: 0.2, minRetriesPerSecond: 10, ttl: 10s }\n    - service: c\n      retryBudget: {}\n',
    );
    expect(p.destinations.map((d) => d.retryBudget)).toEqual([
      { kind: 'envoy', percent: 20, minRetryConcurrency: 3 },
      { kind: 'linkerd', ratio: 0.2, minRetriesPerSecond: 10, ttl: 10_000 },
      { kind: 'envoy', percent: 20, minRetryConcurrency: 3 },
    ]);
  });

  it('outlier detection, circuit breaker, pool and balancer defaults', () => {
    const p = loadPolicy(`  destinations:
    - service: a
      outlierDetection: {}
      circuitBreaker: { failureRate: { threshold: 50 } }
      connectionPool: {}
      loadBalancer: { ringHash: { header: X-User } }
    - service: b
      outlierDetection: { consecutiveGatewayErrors: 3, baseEjectionTime: 10m }
`);
    const [a, b] = p.destinations;
    // minHealthPercent left out: the product's default applies at run time (Istio 0, Envoy 50).
    expect(a!.outlierDetection).toEqual({
      consecutive5xxErrors: 5,
      interval: 10_000,
      baseEjectionTime: 30_000,
      maxEjectionTime: 300_000,
      maxEjectionPercent: 10,
    });
    expect(b!.outlierDetection).toEqual({
      consecutiveGatewayErrors: 3,
      interval: 10_000,
      baseEjectionTime: 600_000,
      maxEjectionTime: 600_000,
      maxEjectionPercent: 10,
    });
    expect(a!.circuitBreaker).toEqual({
      failureRate: { threshold: 50, window: 10_000, minimumRequests: 20 },
      openFor: 30_000,
      halfOpenRequests: 1,
    });
    // An empty block leaves every threshold to the product's defaults.
    expect(a!.connectionPool).toEqual({});
    expect(a!.loadBalancer).toEqual({ algorithm: 'ring-hash', header: 'x-user' });
  });

  it('data-plane profiles imply a mode', () => {
    expect(loadPolicy('  dataPlane: { profile: istio-ambient }\n').dataPlane).toEqual({
      mode: 'per-node',
      profile: 'istio-ambient',
    });
    expect(loadPolicy('  dataPlane: { profile: linkerd }\n').dataPlane).toEqual({
      mode: 'sidecar',
      profile: 'linkerd',
    });
    expect(loadPolicy('  dataPlane: traefik-mesh\n').dataPlane).toEqual({
      mode: 'per-node',
      profile: 'traefik-mesh',
    });
    expect(loadPolicy('  dataPlane: none\n').dataPlane).toEqual({ mode: 'none' });
  });

  it('canaries, routes with timeouts and path/method matches', () => {
    const p = loadPolicy(`  destinations:
    - service: reviews
      deadlinePropagation: true
      routes:
        - { match: { path: { prefix: /api }, method: GET }, split: { v1: 0.5, v2: 0.5 }, timeout: 1s }
  canaries:
    - { service: reviews, stable: v1, canary: v2 }
  security:
    authorization:
      - { to: reviews, allow: [ { from: productpage, methods: [GET], paths: [/reviews] } ], deny: [ { from: "spiffe://cluster.local/ns/default/sa/x" } ] }
`);
    expect(p.destinations[0]).toMatchObject({
      deadlinePropagation: true,
      routes: [
        {
          match: { headers: {}, path: { prefix: '/api' }, method: { exact: 'GET' } },
          split: { v1: 0.5, v2: 0.5 },
          timeout: 1000,
        },
      ],
    });
    expect(p.canaries).toEqual([
      {
        service: 'reviews',
        stable: 'v1',
        canary: 'v2',
        stepWeight: 10,
        maxWeight: 50,
        interval: 60_000,
        threshold: 5,
        analysis: { minSuccessRate: 0.99 },
      },
    ]);
    expect(p.security.authorization[0]!.deny).toEqual([{ from: 'spiffe://cluster.local/ns/default/sa/x' }]);
  });
});

describe('ChaosExperiment', () => {
  it('loads the documented example and names faults and probes', () => {
    const [d] = parseDocuments(
      `apiVersion: meshdojo/v1
kind: ChaosExperiment
metadata: { name: c }
spec:
  steadyState:
    - { name: page-ok, service: productpage, metric: successRate, min: 0.99 }
    - { metric: latency, max: 500ms, window: { from: 0s, to: 60s } }
  faults:
    - { name: slow-ratings, type: latency, target: { service: ratings }, at: 30s, duration: 60s, latency: 3s, jitter: 0 }
    - { type: kill, target: { service: reviews, version: v2, count: 1 }, at: 10s, restartAfter: 20s, coldStart: 5s }
    - { type: kill, target: { service: details }, at: 1m }
    - { type: abort, target: { service: ratings }, at: 0s, percent: 50, status: 503 }
    - { type: partition, between: [ { service: reviews }, { service: ratings } ], at: 5s, duration: 5s }
    - { type: node-down, node: node-b, at: 2m, duration: 30s }
`,
      'c.yaml',
    );
    expect(d!.value).toEqual({
      name: 'c',
      steadyState: [
        { name: 'page-ok', service: 'productpage', metric: 'successRate', min: 0.99 },
        { name: 'latency-2', metric: 'latency', percentile: 99, max: 500, window: { from: 0, to: 60_000 } },
      ],
      faults: [
        {
          name: 'slow-ratings',
          type: 'latency',
          target: { service: 'ratings' },
          at: 30_000,
          duration: 60_000,
          latency: 3000,
          jitter: 0,
          stream: 'upstream', // the request direction unless `stream` says otherwise
        },
        {
          name: 'kill-1',
          type: 'kill',
          target: { service: 'reviews', version: 'v2', count: 1 },
          at: 10_000,
          restartAfter: 20_000,
          coldStart: 5000,
        },
        { name: 'kill-2', type: 'kill', target: { service: 'details' }, at: 60_000, coldStart: 0 },
        { name: 'abort-1', type: 'abort', target: { service: 'ratings' }, at: 0, percent: 50, status: 503 },
        {
          name: 'partition-1',
          type: 'partition',
          between: [{ service: 'reviews' }, { service: 'ratings' }],
          at: 5000,
          duration: 5000,
        },
        { name: 'node-down-1', type: 'node-down', node: 'node-b', at: 120_000, duration: 30_000 },
      ],
    });
  });
});

describe('Scenario', () => {
  const files: Record<string, string> = {
    'topologies/bookinfo.yaml': `${BOOKINFO}---
apiVersion: meshdojo/v1
kind: LoadProfile
metadata: { name: bookinfo-load }
spec: { executor: constant-arrival-rate, rate: 10, duration: 1m }
`,
    'policies/resilient.yaml': RESILIENT,
  };
  const resolve = (from: string, rel: string) => {
    const dir = from.includes('/') ? from.slice(0, from.lastIndexOf('/')) : '.';
    const parts: string[] = [];
    for (const p of `${dir}/${rel}`.split('/')) {
      if (p === '..') parts.pop();
      else if (p !== '.' && p !== '') parts.push(p);
    }
    const file = parts.join('/');
    const text = files[file];
    if (text === undefined) throw new Error(`no such file (${file})`);
    return { file, text };
  };

  it('resolves relative references and wins over loose documents', () => {
    const scenario = `apiVersion: meshdojo/v1
kind: Scenario
metadata: { name: what-if }
spec:
  topology: ../topologies/bookinfo.yaml
  policies: [ ../policies/resilient.yaml ]
  chaos:
    - apiVersion: meshdojo/v1
      kind: ChaosExperiment
      metadata: { name: inline-chaos }
      spec:
        faults: [ { type: latency, target: { service: ratings }, latency: 3s } ]
  seed: 7
  duration: 10m
`;
    const bundle = loadBundle(
      [
        { file: 'scenarios/what-if.yaml', text: scenario },
        { file: 'mm1.yaml', text: MM1 },
      ],
      resolve,
    );
    expect(bundle.topology?.name).toBe('bookinfo');
    expect(bundle.load?.name).toBe('bookinfo-load'); // the LoadProfile next to the topology
    expect(bundle.policies.map((p) => p.name)).toEqual(['resilient']);
    expect(bundle.chaos.map((c) => c.name)).toEqual(['inline-chaos']);
    expect(bundle.scenario).toMatchObject({
      name: 'what-if',
      seed: 7,
      duration: 600_000,
      interval: 1000,
      sampling: { traces: 0.001, accessLogs: 0.001 },
    });
    expect(bundle.scenario!.topology).toBe(bundle.topology);
  });

  it('reports a reference that cannot be read at the reference', () => {
    const text = `apiVersion: meshdojo/v1
kind: Scenario
metadata: { name: s }
spec:
  topology: ../topologies/nope.yaml
`;
    expect(() => loadBundle([{ file: 'scenarios/s.yaml', text }], resolve)).toThrowError(
      /^scenarios\/s\.yaml:5:13 spec\.topology: cannot read `\.\.\/topologies\/nope\.yaml`: no such file/,
    );
  });

  it('reports errors inside inline documents with the full path', () => {
    const text = `apiVersion: meshdojo/v1
kind: Scenario
metadata: { name: s }
spec:
  topology: ../topologies/bookinfo.yaml
  policies:
    - apiVersion: meshdojo/v1
      kind: MeshPolicy
      metadata: { name: inline }
      spec:
        destinations: [ { service: ratngs } ]
`;
    try {
      loadBundle([{ file: 's.yaml', text }], (_f, rel) => resolve('scenarios/s.yaml', rel));
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(SpecError);
      expect((e as SpecError).format()).toBe(
        's.yaml:11:36 spec.policies[0].spec.destinations[0].service: unknown service `ratngs` (did you mean `ratings`?)',
      );
    }
  });
});

describe('YAML conveniences', () => {
  it('anchors, merge keys and top-level x- keys', () => {
    const [d] = parseDocuments(
      `x-fast: &fast { serviceTime: 2ms, responseBytes: 512 }
apiVersion: meshdojo/v1
kind: Topology
metadata: { name: reuse }
spec:
  services:
    - name: a
      endpoints:
        - { <<: *fast, name: GET / }
        - { <<: *fast, name: GET /health, responseBytes: 10 }
`,
      'reuse.yaml',
    );
    const eps = (d!.value as TopologySpec).services[0]!.versions[0]!.endpoints;
    expect(eps.map((e) => [e.name, e.serviceTime, e.responseBytes])).toEqual([
      ['GET /', { dist: 'constant', value: 2 }, 512],
      ['GET /health', { dist: 'constant', value: 2 }, 10],
    ]);
  });
});
