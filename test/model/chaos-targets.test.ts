/**
 * Chaos targets by role (`select:`): one pure resolver, called by the loader with the topology, so
 * that the simulator sees concrete services; a role that matches nothing is a file:line error.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadBundle, SpecError, type SpecIssue } from '../../simulator/model/index.ts';
import { faultOccurrences } from '../../simulator/model/recurrence.ts';
import { resolveChaosTargets, serviceFacts } from '../../simulator/model/chaos-targets.ts';
import type { FaultSpec, ServiceRole, TopologySpec } from '../../simulator/model/types.ts';
import { runScenario } from '../../simulator/sim/run.ts';
import { scenarioFromFiles, scenarioFromYaml } from '../helpers/load.ts';

const src = (file: string) => ({ file, text: readFileSync(file, 'utf8') });
const BOOKINFO = src('topologies/bookinfo.yaml');
const BOUTIQUE = src('topologies/online-boutique.yaml');

const chaosDoc = (target: string, extra = '') => `apiVersion: meshdojo/v1
kind: ChaosExperiment
metadata: { name: probe-role }
spec:
  steadyState:
    - { metric: successRate, min: 0.9 }
  faults:
    - type: latency
      target: ${target}
      at: 1s
      latency: 10ms${extra}
`;
const chaos = (target: string, extra = '') => ({ file: 'exp.yaml', text: chaosDoc(target, extra) });

function issuesOf(sources: { file: string; text: string }[]): SpecIssue[] {
  try {
    loadBundle(sources);
  } catch (e) {
    if (e instanceof SpecError) return [...e.issues];
    throw e;
  }
  throw new Error('expected a SpecError');
}

const resolved = (topo: { file: string; text: string }, role: ServiceRole, rank?: string) => {
  const b = loadBundle([topo, chaos(`{ select: ${role}${rank ? `, rank: ${rank}` : ''} }`)]);
  const f = b.chaos[0]!.faults[0] as Extract<FaultSpec, { type: 'latency' }>;
  expect(f.target).not.toHaveProperty('select');
  return f.target.service;
};

describe('roles resolve against the topology', () => {
  it.each([
    ['entry', 'productpage', 'frontend'],
    ['entry-dependency', 'details', 'productcatalogservice'],
    ['leaf', 'details', 'productcatalogservice'],
    ['deepest-leaf', 'ratings', 'redis-cart'],
    ['busiest', 'details', 'currencyservice'],
    ['most-called', 'productpage', 'productcatalogservice'],
    ['optional-dependency', 'details', 'recommendationservice'],
    ['dependency', 'details', 'productcatalogservice'],
  ] as const)('%s → %s on Bookinfo, %s on Online Boutique', (role, bookinfo, boutique) => {
    expect(resolved(BOOKINFO, role)).toBe(bookinfo);
    expect(resolved(BOUTIQUE, role)).toBe(boutique);
  });

  it('replicated and critical-dependency match where the topology has them', () => {
    expect(resolved(BOOKINFO, 'replicated')).toBe('reviews'); // v1, v2, v3
    expect(resolved(BOUTIQUE, 'critical-dependency')).toBe('productcatalogservice');
  });

  it('`rank` chooses among the matches', () => {
    expect(resolved(BOOKINFO, 'leaf', 'deepest')).toBe('ratings');
    expect(resolved(BOUTIQUE, 'leaf', 'busiest')).toBe('currencyservice');
    expect(resolved(BOUTIQUE, 'dependency', 'first')).toBe('currencyservice'); // topology order
  });

  it("busiest is the docs' utilisation arithmetic: details ≈ 53 % of Bookinfo, currencyservice ≈ 54 % of the Boutique", () => {
    const b = loadBundle([BOOKINFO]);
    const rate = (b.load as { rate: number }).rate;
    expect((serviceFacts(b.topology!, b.load).get('details')!.load * rate) / 1000).toBeCloseTo(0.53, 1);
    const o = loadBundle([BOUTIQUE]);
    const oRate = (o.load as { rate: number }).rate;
    expect((serviceFacts(o.topology!, o.load).get('currencyservice')!.load * oRate) / 1000).toBeCloseTo(
      0.54,
      1,
    );
  });

  it('probes and both sides of a partition resolve too; versions and counts are kept', () => {
    const b = loadBundle([
      BOOKINFO,
      {
        file: 'p.yaml',
        text: `apiVersion: meshdojo/v1
kind: ChaosExperiment
metadata: { name: p }
spec:
  steadyState: [ { select: entry-dependency, metric: latency, max: 1s } ]
  faults:
    - { type: partition, between: [ { select: entry }, { select: replicated, version: v2, count: 1 } ] }
`,
      },
    ]);
    const c = b.chaos[0]!;
    expect(c.steadyState[0]).toMatchObject({ service: 'details', metric: 'latency', max: 1000 });
    expect(c.steadyState[0]).not.toHaveProperty('select');
    expect(c.faults[0]).toMatchObject({
      between: [{ service: 'productpage' }, { service: 'reviews', version: 'v2', count: 1 }],
    });
  });

  it('the resolver is pure: the input experiment is not changed, and the same input gives the same output', () => {
    const b = loadBundle([BOOKINFO]);
    const exp = {
      name: 'x',
      steadyState: [],
      faults: [{ type: 'pause', name: 'p', at: 0, target: { select: 'leaf' } } as FaultSpec],
    };
    const copy = structuredClone(exp);
    const one = resolveChaosTargets(exp, b.topology as TopologySpec, b.load);
    expect(exp).toEqual(copy);
    expect(resolveChaosTargets(exp, b.topology!, b.load)).toEqual(one);
    expect(one.resolutions).toEqual([
      {
        path: ['spec', 'faults', 0, 'target', 'select'],
        select: 'leaf',
        rank: 'most-called',
        service: 'details',
      },
    ]);
  });
});

describe('a role that matches nothing, and other mistakes, are file:line errors', () => {
  it('`select: replicated` on a topology of single replicas', () => {
    const issues = issuesOf([BOUTIQUE, chaos('{ select: replicated, count: 1 }')]);
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({ file: 'exp.yaml', line: 9, path: 'spec.faults[0].target.select' });
    expect(issues[0]!.message).toMatch(
      /`select: replicated` .* matches no service of topology `online-boutique`/,
    );
    expect(issues[0]!.message).toMatch(/one instance/);
  });

  it('`select: critical-dependency` where every call has a fallback (Bookinfo)', () => {
    const [i] = issuesOf([BOOKINFO, chaos('{ select: critical-dependency }')]);
    expect(i!.message).toMatch(
      /matches no service of topology `bookinfo`: every call is made with `onError: fallback`/,
    );
  });

  it('an unknown role, service with select, rank without select, a version the chosen service lacks', () => {
    expect(issuesOf([BOOKINFO, chaos('{ select: leef }')])[0]!.message).toMatch(/`leaf`/);
    expect(issuesOf([BOOKINFO, chaos('{ select: leaf, service: ratings }')])[0]).toMatchObject({
      path: 'spec.faults[0].target.select',
      message: 'give either `service` or `select`, not both',
    });
    expect(issuesOf([BOOKINFO, chaos('{ rank: busiest, service: ratings }')])[0]!.path).toBe(
      'spec.faults[0].target.rank',
    );
    const [v] = issuesOf([BOOKINFO, chaos('{ select: deepest-leaf, version: v2 }')]);
    expect(v).toMatchObject({ path: 'spec.faults[0].target.version' });
    expect(v!.message).toMatch(/version of `ratings`/);
  });

  it('recurring faults need a duration shorter than `every` (a kill: a restart before the next one)', () => {
    expect(issuesOf([BOOKINFO, chaos('{ service: ratings }', '\n      every: 10s')])[0]!.message).toMatch(
      /needs `duration`/,
    );
    expect(
      issuesOf([BOOKINFO, chaos('{ service: ratings }', '\n      every: 10s\n      duration: 10s')])[0]!
        .message,
    ).toMatch(/shorter than `every`/);
    const kill = `apiVersion: meshdojo/v1
kind: ChaosExperiment
metadata: { name: k }
spec:
  faults: [ { type: kill, target: { service: ratings }, every: 10s, restartAfter: 8s, coldStart: 3s } ]
`;
    expect(issuesOf([BOOKINFO, { file: 'k.yaml', text: kill }])[0]!.message).toMatch(
      /longer than `restartAfter`/,
    );
  });
});

describe('what the simulator sees', () => {
  it('a role-based twin of bookinfo-ratings-slow.yaml runs exactly as the service-named original (same hash)', () => {
    const literal = runScenario(
      scenarioFromFiles(['topologies/bookinfo.yaml', 'chaos/bookinfo-ratings-slow.yaml']),
    );
    const twin = readFileSync('chaos/bookinfo-ratings-slow.yaml', 'utf8')
      .replace('service: productpage,', 'select: entry,')
      .replace('target: { service: ratings }', 'target: { select: deepest-leaf }');
    expect(twin).toContain('select: deepest-leaf');
    const byRole = runScenario(
      scenarioFromYaml({ 'topologies/bookinfo.yaml': BOOKINFO.text, 'twin.yaml': twin }),
    );
    expect(byRole.hash).toBe(literal.hash);
  });

  it('a recurring fault is its occurrences: one at `at`, then every `every` while the run lasts', () => {
    const f = {
      type: 'pause',
      name: 'p',
      at: 10_000,
      duration: 2000,
      every: 20_000,
      target: { service: 'a' },
    } as FaultSpec;
    expect(faultOccurrences(f, 60_000).map((o) => o.at)).toEqual([10_000, 30_000, 50_000]);
    expect(faultOccurrences(f, 60_000).every((o) => o.every === undefined && o.duration === 2000)).toBe(true);
    const once = { ...f, every: undefined } as FaultSpec;
    expect(faultOccurrences(once, 60_000)).toEqual([once]);
  });
});
