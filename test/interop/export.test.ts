/**
 * Acceptance 4: the exported Kubernetes, Istio, Linkerd and Chaos Mesh YAML validates against the
 * resources' published schemas: the CRDs' openAPIV3Schema, vendored in simulator/interop/schemas/
 * with their source and commit, and for the Kubernetes core objects (Deployment, Service,
 * ServiceAccount, ConfigMap) the Kubernetes OpenAPI as compiled into validators by the
 * `kubernetes-models` package (v1.33.0 schemas; see simulator/interop/schemas/SOURCES.md).
 */
import Ajv from 'ajv';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { Service } from 'kubernetes-models/v1/Service';
import { ServiceAccount } from 'kubernetes-models/v1/ServiceAccount';
import { readdirSync, readFileSync } from 'node:fs';
import { parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';
import { exportScenario, toYaml } from '../../simulator/interop/export/index.ts';
import { chaosMeshResource } from '../../simulator/interop/export/chaos.ts';
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

/**
 * Chaos Mesh's Schedule: its spec embeds the chaos kinds' specs, which in the published CRD
 * (config/crd/bases/chaos-mesh.org_schedules.yaml at the vendored commit) are the same schemas as
 * the kinds' own CRDs — so they are taken from the vendored files; the envelope fields are
 * transcribed from that CRD (see SOURCES.md).
 */
const specOf = (kind: string) =>
  (
    JSON.parse(readFileSync(`${DIR}/chaosmesh-${kind}.json`, 'utf8')) as {
      schema: { properties: { spec: object } };
    }
  ).schema.properties.spec;
const scheduleSchema = {
  type: 'object',
  required: ['spec'],
  properties: {
    apiVersion: { type: 'string' },
    kind: { type: 'string' },
    metadata: { type: 'object' },
    spec: {
      type: 'object',
      required: ['schedule', 'type'],
      properties: {
        schedule: { type: 'string' },
        type: { type: 'string' },
        concurrencyPolicy: { enum: ['Forbid', 'Allow'], type: 'string' },
        historyLimit: { minimum: 1, type: 'integer' },
        startingDeadlineSeconds: { minimum: 0, nullable: true, type: 'integer' },
        networkChaos: specOf('NetworkChaos'),
        podChaos: specOf('PodChaos'),
        httpChaos: specOf('HTTPChaos'),
        stressChaos: specOf('StressChaos'),
      },
    },
  },
};
{
  const validate = ajv.compile(scheduleSchema);
  schemas.set('chaos-mesh.org/v1alpha1 Schedule', (d) =>
    validate(d) === true ? undefined : ajv.errorsText(validate.errors),
  );
}

/** Kubernetes core objects: the `kubernetes-models` class of each kind the k8s export writes. */
const CORE: Record<string, new (x: never) => { validate(): void }> = {
  'apps/v1 Deployment': Deployment,
  'v1 Service': Service,
  'v1 ServiceAccount': ServiceAccount,
  'v1 ConfigMap': ConfigMap,
};
async function validateCore(d: { apiVersion: string; kind: string }): Promise<string | undefined> {
  const Model = CORE[`${d.apiVersion} ${d.kind}`];
  if (!Model) return `no Kubernetes validator for ${d.apiVersion} ${d.kind}: add its kubernetes-models class`;
  try {
    new Model(d as never).validate();
    return undefined;
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  }
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

  it('Kubernetes: every exported core object validates against the Kubernetes OpenAPI (kubernetes-models)', async () => {
    for (const topo of ['topologies/bookinfo.yaml', 'topologies/online-boutique.yaml']) {
      const out = exportScenario(scenarioFromFiles([topo]), 'k8s');
      const docs = docsOf(out.files[0]!.text);
      const kinds = new Set(docs.map((d) => `${d.apiVersion} ${d.kind}`));
      expect([...kinds].sort()).toEqual([
        'apps/v1 Deployment',
        'v1 ConfigMap',
        'v1 Service',
        'v1 ServiceAccount',
      ]);
      const errors: string[] = [];
      for (const d of docs) {
        const problem = await validateCore(d);
        if (problem)
          errors.push(`${d.kind} ${JSON.stringify((d as { metadata?: unknown }).metadata)}: ${problem}`);
      }
      expect(errors).toEqual([]);
      expect(docs.length).toBeGreaterThan(10);
    }
  });

  it('the Kubernetes validators are real: they reject a wrong Deployment and Service', async () => {
    const out = exportScenario(scenario, 'k8s');
    type Doc = { apiVersion: string; kind: string; spec: { replicas?: unknown; ports: { port: unknown }[] } };
    const docs = docsOf(out.files[0]!.text) as unknown as Doc[];
    const dep = structuredClone(docs.find((d) => d.kind === 'Deployment')!);
    dep.spec.replicas = '3';
    expect(await validateCore(dep)).toMatch(/spec\/replicas must be integer/);
    const svc = structuredClone(docs.find((d) => d.kind === 'Service')!);
    svc.spec.ports[0]!.port = 'http';
    expect(await validateCore(svc)).toMatch(/port must be integer/);
  });

  it('Chaos Mesh Schedule: a recurring fault becomes a Schedule embedding its chaos, valid against the schema', () => {
    const s = scenarioFromFiles(['topologies/online-boutique.yaml', 'chaos/crash-loop-busiest.yaml']);
    const out = exportScenario(s, 'chaos-mesh');
    const docs = docsOf(out.files[0]!.text);
    expect(docs).toHaveLength(1);
    expect(docs[0]).toMatchObject({
      kind: 'Schedule',
      spec: {
        schedule: '@every 20s',
        type: 'PodChaos',
        podChaos: {
          action: 'pod-kill',
          mode: 'fixed',
          value: '1',
          selector: { labelSelectors: { app: 'currencyservice' } },
        },
      },
    });
    expect(validateAll(out.files[0]!.text)).toEqual({ checked: 1, errors: [] });
    // every fault type that has a chaos kind recurs as a valid Schedule
    const every = scenarioFromFiles(['topologies/bookinfo.yaml', 'test/interop/fixtures/chaos-all.yaml'])
      .chaos[0]!;
    const recurring = every.faults
      .map((f) => ({ ...f, every: 60_000, duration: 10_000, restartAfter: 5000 }) as typeof f)
      .map((f) => chaosMeshResource(every, f).doc)
      .filter((d) => d !== undefined);
    expect(recurring.map((d) => (d.spec as { type: string }).type).sort()).toEqual(
      [
        'HTTPChaos',
        'NetworkChaos',
        'NetworkChaos',
        'NetworkChaos',
        'PodChaos',
        'PodChaos',
        'StressChaos',
      ].sort(),
    );
    expect(validateAll(toYaml(recurring))).toEqual({ checked: 7, errors: [] });
    // and the schema is real: a Schedule without its cron is refused
    expect(validateAll(toYaml([{ ...recurring[0]!, spec: { type: 'PodChaos' } }])).errors[0]).toMatch(
      /schedule/,
    );
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
