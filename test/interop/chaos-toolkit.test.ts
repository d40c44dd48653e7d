/**
 * Issue #11, acceptance 5 (second half): a Chaos Toolkit round trip (export, import) gives the same
 * experiment — for every experiment in `chaos/`, resolved against Bookinfo and Online Boutique, and
 * for generated experiments (fast-check). The native Chaos Toolkit form alone (without meshdojo's
 * extension) carries each fault's type, target, timing and size, and each probe's service,
 * metric and bound; the extension holds only the rest.
 */
import fc from 'fast-check';
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  chaosExperimentDocument,
  chaosFromToolkit,
  exportChaosToolkit,
  importChaosToolkit,
} from '../../simulator/interop/chaos-toolkit.ts';
import { toYaml } from '../../simulator/interop/export/index.ts';
import { loadBundle, SpecError } from '../../simulator/model/index.ts';
import type { ChaosSpec, FaultSpec, ProbeSpec, TopologySpec } from '../../simulator/model/types.ts';
import { scenarioFromFiles } from '../helpers/load.ts';

const TOPOLOGIES = ['topologies/bookinfo.yaml', 'topologies/online-boutique.yaml'];
const FILES = readdirSync('chaos')
  .filter((f) => f.endsWith('.yaml'))
  .sort()
  .map((f) => `chaos/${f}`);
const bookinfo = scenarioFromFiles(['topologies/bookinfo.yaml']).topology;

function roundTrip(c: ChaosSpec, topo: TopologySpec) {
  const out = exportChaosToolkit([c], topo);
  const text = JSON.stringify(out.experiments[0]!.json, null, 2);
  return { json: JSON.parse(text) as Record<string, unknown>, back: importChaosToolkit(text, 'exp.json') };
}
const withoutExtension = (json: Record<string, unknown>) => {
  const { extensions: _, ...rest } = json;
  return chaosFromToolkit(rest, { file: 'exp.json' }).chaos;
};

describe('Chaos Toolkit round trip over chaos/', () => {
  const cases = FILES.flatMap((file) => TOPOLOGIES.map((topo) => [file, topo] as const));
  it.each(cases)('%s resolved on %s', (file, topo) => {
    let s;
    try {
      s = scenarioFromFiles([topo, file]);
    } catch (e) {
      // a Bookinfo experiment on another topology is refused by the loader (test/chaos/library.test.ts)
      expect(e).toBeInstanceOf(SpecError);
      expect(file).toMatch(/bookinfo-/);
      return;
    }
    const c = s.chaos[0]!;
    const { json, back } = roundTrip(c, s.topology);
    expect(back.chaos).toEqual(c);
    expect(back.notes).toEqual([]);
    // the Chaos Toolkit shape: a hypothesis with tolerances, background actions, rollbacks
    const hypo = json['steady-state-hypothesis'] as {
      probes: { tolerance: unknown; provider: { module: string } }[];
    };
    expect(hypo.probes).toHaveLength(c.steadyState.length);
    for (const p of hypo.probes) {
      expect(p.tolerance).toEqual({ type: 'jsonpath', path: '$.data.result[*]', count: 1 });
      expect(p.provider.module).toBe('chaosprometheus.probes');
    }
    expect(Array.isArray(json.method) && Array.isArray(json.rollbacks)).toBe(true);
    // the native form alone keeps what a chaos engineer reads: type, target, timing, size; service, metric, bound
    const native = withoutExtension(json);
    const essentials = (f: FaultSpec) => ({
      name: f.name,
      type: f.type,
      at: f.at,
      ...('target' in f && { service: f.target.service, version: f.target.version }),
      ...(f.type === 'partition' && { between: f.between.map((t) => t.service) }),
      ...(f.type === 'latency' && { latency: f.latency, jitter: f.jitter }),
      ...((f.type === 'abort' || f.type === 'loss') && { percent: f.percent }),
      ...(f.type !== 'kill' && f.every === undefined && { duration: f.duration }),
      every: f.every,
    });
    expect(native.faults.map(essentials)).toEqual(c.faults.map(essentials));
    const probeEssentials = (p: ProbeSpec) => ({
      n: p.name,
      s: p.service,
      m: p.metric,
      min: p.min,
      max: p.max,
    });
    expect(native.steadyState.map(probeEssentials)).toEqual(c.steadyState.map(probeEssentials));
  });
});

// ───────────────────────────── generated experiments ─────────────────────────────

const services = bookinfo.services.map((s) => s.name);
const ms = fc.integer({ min: 0, max: 600 }).map((n) => n * 100); // 0..60 s in 100 ms steps
const positiveMs = fc.integer({ min: 1, max: 300 }).map((n) => n * 100);
const target = fc
  .record(
    {
      service: fc.constantFrom(...services),
      version: fc.constantFrom('v1', 'v2'),
      count: fc.integer({ min: 1, max: 3 }),
      percent: fc.integer({ min: 1, max: 100 }),
    },
    { requiredKeys: ['service'] },
  )
  .map(({ count, percent, ...t }) => ({
    ...t,
    ...(count !== undefined ? { count } : percent !== undefined ? { percent } : {}),
  }));
const timing = fc.record({ at: ms, duration: fc.option(positiveMs, { nil: undefined }) });
const fault: fc.Arbitrary<Omit<FaultSpec, 'name'>> = fc
  .oneof(
    fc.record({
      type: fc.constant('latency' as const),
      target,
      latency: positiveMs,
      jitter: ms,
      stream: fc.constantFrom('upstream' as const, 'downstream' as const),
    }),
    fc.record({
      type: fc.constant('loss' as const),
      target,
      percent: fc.integer({ min: 1, max: 100 }),
      stream: fc.constantFrom('upstream' as const, 'downstream' as const),
    }),
    fc.record({
      type: fc.constant('abort' as const),
      target,
      percent: fc.integer({ min: 1, max: 100 }),
      status: fc.constantFrom(500, 503, 429),
    }),
    fc.record({ type: fc.constant('pause' as const), target }),
    fc.record({ type: fc.constant('cpu' as const), target, multiplier: fc.constantFrom(1.5, 2, 3) }),
    fc.record({ type: fc.constant('partition' as const), between: fc.tuple(target, target) }),
    fc.record({ type: fc.constant('node-down' as const), node: fc.constant('node-1') }),
    fc.record({
      type: fc.constant('kill' as const),
      target,
      coldStart: ms,
      restartAfter: fc.option(positiveMs, { nil: undefined }),
    }),
  )
  .chain((f) => timing.map((t) => ({ ...f, ...t }) as Omit<FaultSpec, 'name'>));
const probe = fc
  .oneof(
    fc.record({
      service: fc.option(fc.constantFrom(...services), { nil: undefined }),
      metric: fc.constant('successRate' as const),
      min: fc.constantFrom(0.9, 0.99, 0.999),
    }),
    fc.record({
      service: fc.option(fc.constantFrom(...services), { nil: undefined }),
      metric: fc.constant('latency' as const),
      percentile: fc.constantFrom(50, 90, 99, 99.9),
      max: positiveMs,
    }),
  )
  .chain((p) =>
    fc.option(fc.record({ from: ms, len: positiveMs }), { nil: undefined }).map((w) => ({
      ...p,
      ...(w && { window: { from: w.from, to: w.from + w.len } }),
    })),
  );
const experiment: fc.Arbitrary<ChaosSpec> = fc
  .record({ faults: fc.array(fault, { maxLength: 5 }), probes: fc.array(probe, { maxLength: 3 }) })
  .map(({ faults, probes }) => ({
    name: 'generated',
    faults: faults.map((f, i) => {
      const clean = Object.fromEntries(Object.entries(f).filter(([, v]) => v !== undefined));
      return { ...clean, name: `${f.type}-${i + 1}` } as FaultSpec;
    }),
    steadyState: probes.map((p, i) => {
      const clean = Object.fromEntries(Object.entries(p).filter(([, v]) => v !== undefined));
      return { ...clean, name: `probe-${i + 1}` } as ProbeSpec;
    }),
  }));

describe('Chaos Toolkit round trip (fast-check)', () => {
  it('export → import is the identity on generated experiments', () => {
    fc.assert(
      fc.property(experiment, (c) => {
        expect(roundTrip(c, bookinfo).back.chaos).toEqual(c);
      }),
      { numRuns: 300 },
    );
  });
});

describe('Chaos Toolkit import', () => {
  it('reads a hand-written experiment from its native fields, and lists what it cannot map', () => {
    const text = JSON.stringify(
      {
        title: 'reviews pods die',
        description: 'kill one reviews pod, break ratings',
        'steady-state-hypothesis': {
          title: 'the page answers',
          probes: [
            {
              type: 'probe',
              name: 'page-up',
              tolerance: 200,
              provider: { type: 'http', url: 'http://productpage:9080/' },
            },
          ],
        },
        method: [
          {
            type: 'action',
            name: 'kill-reviews',
            provider: {
              type: 'python',
              module: 'chaosk8s.pod.actions',
              func: 'terminate_pods',
              arguments: { label_selector: 'app=reviews,version=v2', ns: 'default' },
            },
          },
          {
            type: 'action',
            name: 'ratings-errors',
            background: true,
            pauses: { before: 5 },
            provider: {
              type: 'python',
              module: 'chaosistio.fault.actions',
              func: 'add_abort_fault',
              arguments: {
                virtual_service_name: 'ratings',
                routes: [{ destination: { host: 'ratings' } }],
                http_status: 500,
                percentage: 25,
              },
            },
          },
          {
            type: 'action',
            name: 'stop-ec2',
            provider: { type: 'python', module: 'chaosaws.ec2.actions', func: 'stop_instances' },
          },
        ],
        rollbacks: [
          {
            type: 'action',
            name: 'ratings-errors:end',
            provider: {
              type: 'python',
              module: 'chaosistio.fault.actions',
              func: 'remove_abort_fault',
              arguments: { virtual_service_name: 'ratings' },
            },
          },
        ],
      },
      null,
      2,
    );
    const r = importChaosToolkit(text, 'ct.json');
    expect(r.chaos.name).toBe('reviews pods die');
    expect(r.chaos.faults).toEqual([
      {
        type: 'kill',
        name: 'kill-reviews',
        at: 0,
        coldStart: 0,
        target: { service: 'reviews', version: 'v2', count: 1 },
      },
      {
        type: 'abort',
        name: 'ratings-errors',
        at: 5000,
        percent: 25,
        status: 500,
        target: { service: 'ratings' },
      },
    ]);
    expect(r.notes.join('\n')).toMatch(
      /method\[2\] \(stop-ec2\): not mapped — no meshdojo fault for `chaosaws\.ec2\.actions\.stop_instances`/,
    );
    expect(r.notes.join('\n')).toMatch(/steady-state-hypothesis\.probes\[0\] \(page-up\): not mapped/);
    // and the experiment it becomes loads with Bookinfo as any ChaosExperiment file
    const yaml = toYaml([chaosExperimentDocument(r.chaos)]);
    const b = loadBundle([
      { file: 'topologies/bookinfo.yaml', text: readFileSync('topologies/bookinfo.yaml', 'utf8') },
      { file: 'imported.yaml', text: yaml },
    ]);
    expect(b.chaos[0]!.faults).toEqual(r.chaos.faults);
  });

  it('malformed input is a file:line error', () => {
    const bad = '{\n  "title": "x",\n  "method": [\n    42\n  ]\n}\n';
    try {
      importChaosToolkit(bad, 'bad.json');
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(SpecError);
      expect((e as SpecError).issues[0]).toMatchObject({ file: 'bad.json', line: 4, path: 'method[0]' });
    }
    expect(() => importChaosToolkit('{"method": []}', 'no-title.json')).toThrow(/needs a `title`/);
  });
});
