/**
 * Issue #11, acceptance 5 (first half): every chaos experiment in `chaos/` runs against Bookinfo and
 * Online Boutique through `meshdojo run`, and every steady-state probe of every run has data (a
 * verdict of "no data" would say nothing about the system). The library's experiments name roles
 * (`select:`), so they fit both topologies; an experiment that names services of one topology
 * (`bookinfo-*.yaml`) runs on it, and on the other it is refused with a file:line error.
 *
 * The runs are one minute long (`--duration 1m`: every fault and probe window of the library ends
 * by 50 s, checked below), to keep the file to a couple of minutes on a shared machine.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseDocuments } from '../../simulator/model/load.ts';
import type { ChaosSpec, TargetSelector } from '../../simulator/model/types.ts';

const TOPOLOGIES = ['topologies/bookinfo.yaml', 'topologies/online-boutique.yaml'];
const RUN_MS = 60_000;
const FILES = readdirSync('chaos')
  .filter((f) => f.endsWith('.yaml'))
  .sort()
  .map((f) => `chaos/${f}`);

const experimentOf = (file: string): ChaosSpec => {
  const docs = parseDocuments(readFileSync(file, 'utf8'), file).filter((d) => d.kind === 'ChaosExperiment');
  expect(docs).toHaveLength(1);
  return docs[0]!.value as ChaosSpec;
};
const targetsOf = (c: ChaosSpec): TargetSelector[] =>
  c.faults.flatMap((f) => (f.type === 'partition' ? f.between : 'target' in f ? [f.target] : []));
/** Named services tie an experiment to the topology that has them. */
const namesServices = (c: ChaosSpec) =>
  targetsOf(c).some((t) => t.service !== undefined) || c.steadyState.some((p) => p.service !== undefined);

interface RunJson {
  probes: { name: string; status: string; samples: number; observed: number | null }[];
  events: { kind: string; subject: string }[];
}
const run = (...args: string[]) =>
  spawnSync(process.execPath, ['bin/meshdojo.mjs', 'run', ...args], {
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
  });

describe('the chaos library', () => {
  it('has a dozen experiments, most of them topology-agnostic, each with probes and a header comment', () => {
    expect(FILES.length).toBeGreaterThanOrEqual(12);
    const agnostic = FILES.filter((f) => !namesServices(experimentOf(f)));
    expect(agnostic.length).toBeGreaterThanOrEqual(10);
    for (const f of FILES) {
      const text = readFileSync(f, 'utf8');
      expect(text.split('\n')[0], f).toMatch(/^# \S/);
      expect(text, f).toMatch(/Teaches:|expect/i);
      const c = experimentOf(f);
      expect(c.steadyState.length, f).toBeGreaterThan(0);
      for (const fault of c.faults) expect(fault.at, `${f} ${fault.name}`).toBeLessThan(RUN_MS);
      for (const p of c.steadyState)
        if (!namesServices(c)) expect(p.window?.to ?? RUN_MS, `${f} ${p.name}`).toBeLessThanOrEqual(RUN_MS);
    }
  });

  for (const file of FILES)
    for (const topo of TOPOLOGIES)
      it(`${file} on ${topo}`, { timeout: 240_000 }, () => {
        const c = experimentOf(file);
        const bound = namesServices(c);
        const foreign = bound && !topo.includes('bookinfo');
        const r = run(topo, file, '--format', 'json', ...(bound ? [] : ['--duration', '1m']));
        if (foreign) {
          expect(r.status, r.stderr).toBe(2);
          expect(r.stderr).toMatch(new RegExp(`^error: ${file}:\\d+:\\d+ spec\\.\\S+: unknown service`, 'm'));
          return;
        }
        expect([0, 1], r.stderr).toContain(r.status); // 1 = a probe was violated: still a verdict
        const out = JSON.parse(r.stdout) as RunJson;
        expect(out.probes.map((p) => p.name)).toEqual(c.steadyState.map((p) => p.name));
        for (const p of out.probes) {
          expect(p.status, `${p.name}: ${JSON.stringify(p)}`).not.toBe('no-data');
          expect(p.samples, p.name).toBeGreaterThan(0);
          expect(typeof p.observed, p.name).toBe('number');
        }
        // every fault fired
        const started = new Set(out.events.filter((e) => e.kind === 'fault-start').map((e) => e.subject));
        for (const f of c.faults) expect([...started], f.name).toContain(f.name);
      });
});
