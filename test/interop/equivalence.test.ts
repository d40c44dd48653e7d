/**
 * Acceptance 1: a realistic Bookinfo policy set in each dialect imports to the neutral policy a
 * person would write by hand for it (test/interop/fixtures/<dialect>/expected.yaml), and the
 * simulator gives the same result — the same hash — for both.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { importManifests, type MeshName } from '../../simulator/interop/import.ts';
import { parseDocuments } from '../../simulator/model/load.ts';
import type { MeshPolicySpec } from '../../simulator/model/types.ts';
import { runScenario } from '../../simulator/sim/run.ts';
import { scenarioFromYaml } from '../helpers/load.ts';

const topology = readFileSync('topologies/bookinfo.yaml', 'utf8').split(/^---$/m)[0]!;
const load = `
apiVersion: meshdojo/v1
kind: LoadProfile
metadata: { name: short }
spec:
  executor: constant-arrival-rate
  rate: 20
  duration: 10s
  headers: [ { name: end-user, value: jason, percent: 30 } ]
`;

const DIALECTS: MeshName[] = ['istio', 'linkerd', 'kuma', 'smi', 'consul', 'appmesh', 'traefik'];

function fixture(dialect: string) {
  const dir = `test/interop/fixtures/${dialect}`;
  const file = `${dir}/bookinfo.yaml`;
  const expected = readFileSync(`${dir}/expected.yaml`, 'utf8');
  return { file, text: readFileSync(file, 'utf8'), expected };
}

describe.each(DIALECTS)('Bookinfo in %s', (dialect) => {
  const f = fixture(dialect);
  const imported = importManifests(
    [
      { file: f.file, text: f.text },
      { file: 'bookinfo.yaml', text: topology },
    ],
    { name: 'bookinfo' },
  );
  const expected = parseDocuments(f.expected, 'expected.yaml')[0]!.value as MeshPolicySpec;

  it('is detected as its dialect and imports to the hand-written neutral policy', () => {
    expect(imported.report.dialect).toBe(dialect);
    // the order of destinations and of authorization targets carries no meaning
    const norm = (p: MeshPolicySpec) => ({
      ...p,
      destinations: [...p.destinations].sort((a, b) => a.service.localeCompare(b.service)),
      security: {
        ...p.security,
        authorization: [...p.security.authorization].sort((a, b) => a.to.localeCompare(b.to)),
      },
    });
    expect(norm(imported.policy)).toEqual(norm(expected));
  });

  it('every field of the manifests is accounted for: mapped, approximated or reported with a reason', () => {
    expect(imported.report.mapped.length).toBeGreaterThan(5);
    for (const n of imported.report.unmapped) expect(n.note).not.toMatch(/not read by the importer/);
  });

  it('simulates to the same hash as the neutral policy', () => {
    const a = runScenario(
      scenarioFromYaml({ 'bookinfo.yaml': topology, 'load.yaml': load, 'policy.yaml': imported.yaml }),
    );
    const b = runScenario(
      scenarioFromYaml({ 'bookinfo.yaml': topology, 'load.yaml': load, 'policy.yaml': f.expected }),
    );
    expect(a.summary.requests).toBeGreaterThan(150);
    expect(a.hash).toBe(b.hash);
  });
});
