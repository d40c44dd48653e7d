/**
 * Acceptance 4: the exported Istio, Linkerd and Chaos Mesh YAML validates against the resources'
 * published schemas (the CRDs' openAPIV3Schema, vendored in simulator/interop/schemas/ with their
 * source and commit). Kubernetes core objects (Deployment, Service) are checked for shape only:
 * their OpenAPI document is not vendored (see simulator/interop/schemas/SOURCES.md).
 */
import Ajv from 'ajv';
import { readdirSync, readFileSync } from 'node:fs';
import { parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';
import { exportScenario } from '../../simulator/interop/export/index.ts';
import { scenarioFromFiles } from '../helpers/load.ts';

const DIR = 'simulator/interop/schemas';
const ajv = new Ajv({
  allErrors: true,
  nullable: true,
  unknownFormats: 'ignore',
  schemaId: 'auto',
  logger: false,
});
const schemas = new Map<string, (d: unknown) => string | undefined>();
for (const f of readdirSync(DIR).filter((f) => f.endsWith('.json'))) {
  const s = JSON.parse(readFileSync(`${DIR}/${f}`, 'utf8')) as {
    group: string;
    version: string;
    kind: string;
    schema: object;
  };
  const validate = ajv.compile(s.schema);
  // undefined = valid, else ajv's description of what is wrong
  schemas.set(`${s.group}/${s.version} ${s.kind}`, (d) =>
    validate(d) === true ? undefined : ajv.errorsText(validate.errors),
  );
}

const docsOf = (text: string) =>
  parseAllDocuments(text).map((d) => d.toJS() as { apiVersion: string; kind: string });

function validateAll(text: string): { checked: number; errors: string[] } {
  const errors: string[] = [];
  let checked = 0;
  for (const d of docsOf(text)) {
    const v = schemas.get(`${d.apiVersion} ${d.kind}`);
    if (!v) continue;
    checked++;
    const problem = v(d);
    if (problem) errors.push(`${d.kind}: ${problem}`);
  }
  return { checked, errors };
}

const scenario = scenarioFromFiles([
  'topologies/bookinfo.yaml',
  'test/interop/fixtures/istio/expected.yaml',
  'test/interop/fixtures/linkerd/expected.yaml',
  'chaos/bookinfo-ratings-slow.yaml',
  'test/interop/fixtures/chaos-all.yaml',
]);

describe('exported manifests validate against the published schemas', () => {
  it('the vendored schemas are real and reject a wrong document', () => {
    expect(schemas.size).toBeGreaterThanOrEqual(12);
    const vs = schemas.get('networking.istio.io/v1 VirtualService')!;
    expect(
      vs({ apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', spec: { hosts: 'reviews' } }),
    ).toMatch(/hosts should be array/);
    expect(
      vs({ apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', spec: { hosts: ['reviews'] } }),
    ).toBeUndefined();
  });

  it.each(['istio', 'linkerd', 'chaos-mesh'] as const)('%s', (target) => {
    const out = exportScenario(scenario, target);
    const text = out.files.map((f) => f.text).join('---\n');
    const { checked, errors } = validateAll(text);
    expect(errors).toEqual([]);
    expect(checked).toBeGreaterThanOrEqual(3);
    // every exported object of a vendored kind was checked
    const vendoredKinds = docsOf(text).filter((d) => d.apiVersion !== 'v1').length;
    expect(checked).toBe(vendoredKinds);
  });

  it('every ChaosExperiment fault type becomes a Chaos Mesh resource, or a note', () => {
    const chaos = scenarioFromFiles(['topologies/bookinfo.yaml', 'test/interop/fixtures/chaos-all.yaml']);
    const out = exportScenario(chaos, 'chaos-mesh');
    const docs = docsOf(out.files[0]!.text);
    expect(
      docs
        .map((d) => `${d.kind}/${(d as unknown as { spec: { action?: string } }).spec.action ?? '-'}`)
        .sort(),
    ).toEqual(
      [
        'HTTPChaos/-',
        'NetworkChaos/delay',
        'NetworkChaos/loss',
        'NetworkChaos/partition',
        'PodChaos/pod-failure',
        'PodChaos/pod-kill',
        'StressChaos/-',
      ].sort(),
    );
    expect(validateAll(out.files[0]!.text).errors).toEqual([]);
    expect(out.notes.some((n) => /node-down/.test(n))).toBe(true);
  });

  it('Kubernetes: a Deployment per version with the replicas and the stub image, a Service per service', () => {
    const out = exportScenario(scenario, 'k8s');
    const docs = docsOf(out.files[0]!.text) as unknown as {
      kind: string;
      metadata: { name: string };
      spec: { replicas?: number; template?: { spec: { containers: { image: string }[] } } };
    }[];
    const deployments = docs.filter((d) => d.kind === 'Deployment');
    expect(deployments.map((d) => d.metadata.name).sort()).toEqual([
      'details-v1',
      'productpage-v1',
      'ratings-v1',
      'reviews-v1',
      'reviews-v2',
      'reviews-v3',
    ]);
    for (const d of deployments)
      expect(d.spec.template!.spec.containers[0]!.image).toBe('meshdojo/stub:local');
    expect(docs.filter((d) => d.kind === 'Service').map((d) => d.metadata.name)).toContain('reviews-v2');
  });

  it('Chaos Toolkit: a JSON experiment with the steady-state probes and the actions', () => {
    const out = exportScenario(scenario, 'chaos-toolkit');
    const exp = JSON.parse(out.files[0]!.text);
    expect(exp['steady-state-hypothesis'].probes.length).toBeGreaterThan(0);
    // the latency fault: the Chaos Mesh NetworkChaos, created by chaosk8s at 30 s into the method
    expect(exp.method[0].provider.func).toBe('create_custom_object');
    expect(exp.method[0].provider.arguments.resource.kind).toBe('NetworkChaos');
    expect(exp.method[0].pauses.before).toBe(30);
  });
});
