import { describe, expect, it } from 'vitest';
import { UsageError } from '../../simulator/cli/errors.ts';
import { applyVariant, expandGrid, parseVary } from '../../simulator/cli/sweep.ts';
import { loadDestination, rawDestination } from '../../simulator/cli/raw-policy.ts';
import { parseDocuments } from '../../simulator/model/index.ts';
import { tinyScenario } from './helpers.ts';

describe('parseVary', () => {
  it('expands integer ranges inclusively', () => {
    const axis = parseVary('ratings.retries.attempts=0..4');
    expect(axis.key).toBe('ratings.retries.attempts');
    expect(axis.target).toEqual({ scope: 'policy', service: 'ratings', path: ['retries', 'attempts'] });
    expect(axis.values.map((v) => v.value)).toEqual([0, 1, 2, 3, 4]);
    expect(axis.values.map((v) => v.raw)).toEqual(['0', '1', '2', '3', '4']);
  });

  it('parses durations with the model duration parser', () => {
    const axis = parseVary('ratings.timeout=250ms,500ms,1s');
    expect(axis.values.map((v) => v.value)).toEqual([250, 500, 1000]);
    expect(parseVary('ratings.timeout=none,1.5s').values.map((v) => v.value)).toEqual([undefined, 1500]);
  });

  it('mixes ranges and single values', () => {
    expect(parseVary('topology.ratings.concurrency=1..3,8').values.map((v) => v.value)).toEqual([1, 2, 3, 8]);
  });

  it('targets topology and load fields', () => {
    expect(parseVary('topology.reviews.replicas=1,2').target).toEqual({
      scope: 'topology',
      service: 'reviews',
      field: 'replicas',
    });
    expect(parseVary('load.rate=50,100').target).toEqual({ scope: 'load', field: 'rate' });
  });

  it.each([
    ['ratings.retries.attempts', /expected KEY=VALUE/],
    ['ratings.retries.attemps=1', /unknown policy field retries\.attemps/],
    ['ratings.timeout=250', /duration with a unit/],
    ['ratings.timeout=fast', /duration/],
    ['ratings.retries.attempts=1.5', /integer/],
    ['ratings.retries.attempts=-1', /integer ≥ 0/],
    ['ratings.retries.attempts=4..1', /empty range/],
    ['ratings.timeout=1..3', /numeric field/],
    ['topology.ratings.color=1', /unknown topology field/],
    ['load.stages=1', /expected load\.<field>/],
    ['ratings.retries.attempts=1,,2', /empty value/],
  ])('refuses %s', (spec, message) => {
    expect(() => parseVary(spec)).toThrow(UsageError);
    expect(() => parseVary(spec)).toThrow(message);
  });
});

describe('expandGrid', () => {
  it('makes the cartesian product, the first key varying slowest', () => {
    const grid = expandGrid([
      parseVary('ratings.retries.attempts=0..4'),
      parseVary('ratings.timeout=250ms,500ms,1s'),
    ]);
    expect(grid).toHaveLength(15);
    expect(grid.map((v) => v.assignments.map((a) => a.value))).toEqual([
      [0, 250],
      [0, 500],
      [0, 1000],
      [1, 250],
      [1, 500],
      [1, 1000],
      [2, 250],
      [2, 500],
      [2, 1000],
      [3, 250],
      [3, 500],
      [3, 1000],
      [4, 250],
      [4, 500],
      [4, 1000],
    ]);
    expect(grid[4].label).toBe('ratings.retries.attempts=1 ratings.timeout=500ms');
  });

  it('gives one empty variant without axes, and refuses a key given twice', () => {
    expect(expandGrid([])).toEqual([{ label: '', assignments: [] }]);
    expect(() => expandGrid([parseVary('load.rate=1'), parseVary('load.rate=2')])).toThrow(/given twice/);
  });
});

describe('applyVariant', () => {
  const base = tinyScenario();

  it('creates a policy and a destination holding only the varied fields, without touching the input', () => {
    const before = structuredClone(base);
    const [variant] = expandGrid([parseVary('server.retries.attempts=4'), parseVary('server.timeout=500ms')]);
    const s = applyVariant(base, variant);
    expect(base).toEqual(before);
    expect(s.policies).toHaveLength(1);
    expect(s.policies[0].destinations).toEqual([
      // As the loader reads `{ service: server, retries: { attempts: 4 }, timeout: 500ms }`; the
      // resolver fills the rest at run time, as for `meshdojo run`.
      { service: 'server', retries: { attempts: 4 }, timeout: 500 },
    ]);
  });

  it('gives all 15 variants of the grid their own values', () => {
    const grid = expandGrid([
      parseVary('server.retries.attempts=0..4'),
      parseVary('server.timeout=250ms,500ms,1s'),
    ]);
    const got = grid.map((v) => {
      const d = applyVariant(base, v).policies[0].destinations[0];
      return [d.retries?.attempts, d.timeout];
    });
    const want: [number, number][] = [];
    for (const a of [0, 1, 2, 3, 4]) for (const t of [250, 500, 1000]) want.push([a, t]);
    expect(got).toEqual(want);
  });

  it('edits an existing destination in place of creating one', () => {
    const withPolicy = structuredClone(base);
    withPolicy.policies.push({
      name: 'p',
      dataPlane: { mode: 'sidecar' },
      destinations: [
        { service: 'server', retries: { attempts: 1, retryOn: ['5xx'], retriableStatusCodes: [] } },
      ],
      security: { mtls: 'strict', authorization: [] },
      canaries: [],
    });
    const s = applyVariant(withPolicy, expandGrid([parseVary('server.retries.attempts=3')])[0]);
    expect(s.policies).toHaveLength(1);
    expect(s.policies[0].destinations).toHaveLength(1);
    expect(s.policies[0].destinations[0].retries).toEqual({
      attempts: 3,
      retryOn: ['5xx'],
      retriableStatusCodes: [],
    });
    const none = applyVariant(withPolicy, expandGrid([parseVary('server.timeout=none')])[0]);
    expect('timeout' in none.policies[0].destinations[0]).toBe(false);
  });

  it('sets topology fields (replicas on every version) and the load rate', () => {
    const [v] = expandGrid([
      parseVary('topology.server.concurrency=4'),
      parseVary('topology.server.replicas=3'),
      parseVary('load.rate=120'),
    ]);
    const s = applyVariant(base, v);
    expect(s.topology.services[0].concurrency).toBe(4);
    expect(s.topology.services[0].versions.map((x) => x.replicas)).toEqual([3]);
    expect(s.load?.executor === 'constant-arrival-rate' && s.load.rate).toBe(120);
  });

  it('starts absent features from the loader defaults, as if only the varied field were written', () => {
    const dest = (spec: string) =>
      applyVariant(base, expandGrid([parseVary(spec)])[0]).policies[0].destinations[0];
    expect(dest('server.connectionPool.maxRequests=10').connectionPool).toEqual({ maxRequests: 10 });
    expect(dest('server.circuitBreaker.consecutiveFailures=3').circuitBreaker).toEqual({
      consecutiveFailures: 3,
      openFor: 30_000,
      halfOpenRequests: 1,
    });
    expect(dest('server.circuitBreaker.failureRate.threshold=25').circuitBreaker).toEqual({
      failureRate: { threshold: 25, window: 10_000, minimumRequests: 20 },
      openFor: 30_000,
      halfOpenRequests: 1,
    });
    expect(dest('server.outlierDetection.consecutiveGatewayErrors=2').outlierDetection).not.toHaveProperty(
      'consecutive5xxErrors',
    );
    expect(dest('server.retryBudget.ratio=0.1').retryBudget).toEqual({
      kind: 'linkerd',
      ratio: 0.1,
      minRetriesPerSecond: 10,
      ttl: 10_000,
    });
    const codes = dest('server.retries.retriableStatusCodes=502+503').retries;
    expect(codes?.retriableStatusCodes).toEqual([502, 503]);
    expect(codes?.retryOn).toContain('retriable-status-codes');
    expect(dest('server.retries.retryOn=5xx+reset').retries?.retryOn).toEqual(['5xx', 'reset']);
  });

  it('a value the loader refuses is an error naming the axis and the field', () => {
    const [v] = expandGrid([parseVary('server.retries.perTryTimeout=0ms')]);
    expect(() => applyVariant(base, v)).toThrow(
      /^--vary server\.retries\.perTryTimeout=0ms: retries\.perTryTimeout: expected/,
    );
  });

  it('a destination written back and loaded again is the same destination', () => {
    const [doc] = parseDocuments(
      `apiVersion: meshdojo/v1
kind: MeshPolicy
metadata: { name: p }
spec:
  destinations:
    - service: s
      timeout: 1.5s
      routes: [ { match: { headers: { end-user: jason } }, split: { v2: 100 }, timeout: 250us } ]
      retries: { attempts: 3, perTryTimeout: 2s, retryOn: "5xx,503", backoff: 100ms }
      retryBudget: { ratio: 0.3 }
      outlierDetection: { consecutiveGatewayErrors: 3, interval: 5s }
      circuitBreaker: { failureRate: { threshold: 40 }, openFor: 10s }
      connectionPool: { maxRequests: 5 }
      loadBalancer: { ringHash: { header: X-User } }
      faults: { delay: { percent: 10, fixed: 3s }, abort: { percent: 5 } }
      deadlinePropagation: true
`,
      'p.yaml',
    );
    if (doc?.kind !== 'MeshPolicy') throw new Error('not a policy');
    const d = doc.value.destinations[0]!;
    expect(loadDestination(rawDestination(d))).toStrictEqual(d);
  });

  it('refuses an unknown service with the list of services', () => {
    const [v] = expandGrid([parseVary('ratings.retries.attempts=1')]);
    expect(() => applyVariant(base, v)).toThrow(/no service ratings in topology mm1 \(services: server\)/);
  });
});
