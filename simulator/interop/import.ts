/**
 * Import: manifests of one mesh (Istio, Linkerd, Kuma, SMI, Consul, App Mesh, Traefik Mesh) →
 * one neutral MeshPolicy document + a report of every field mapped, approximated or not mapped,
 * the product defaults that fill what the manifests leave out, and Kiali-like findings.
 *
 * Isomorphic: `importManifests` takes texts. The UI calls `importText(text, fileName)`.
 */
import { stringify } from 'yaml';
import { SpecError, type SpecIssue } from '../model/errors.ts';
import { parseDocuments } from '../model/load.ts';
import type { MeshPolicySpec, TopologySpec } from '../model/types.ts';
import { newContext, type DialectImporter, type Inventory } from './context.ts';
import { DIALECTS, dialectNamed, INVENTORY_KINDS, productDefaults } from './dialects/index.ts';
import type { NeutralPolicyDoc } from './neutral.ts';
import { emptyReport, type ImportReport } from './report.ts';
import { groupOf, isObj, parseSources, type ManifestSource, type Resource } from './source.ts';
import { crossChecks } from './validate.ts';

export const MESH_NAMES = [
  'auto',
  'istio',
  'linkerd',
  'kuma',
  'smi',
  'consul',
  'appmesh',
  'traefik',
] as const;
export type MeshName = (typeof MESH_NAMES)[number];

export interface ImportOptions {
  mesh?: MeshName;
  /** Name of the neutral policy (default `imported-<dialect>`). */
  name?: string;
  /** The topology the policy is for: its services and versions back the cross-object checks. */
  topology?: TopologySpec;
}

export interface ImportResult {
  /** The neutral MeshPolicy document (input form: what the manifests leave out is left out). */
  document: NeutralPolicyDoc;
  /** The same, as YAML. */
  yaml: string;
  /** The document validated and loaded by the model, as `meshdojo run` reads it. */
  policy: MeshPolicySpec;
  report: ImportReport;
}

/** The inventory of services and versions: Kubernetes Deployments/Services and meshdojo Topologies. */
function inventoryOf(resources: Resource[], topology?: TopologySpec): Inventory {
  const services = new Map<string, Map<string, Record<string, string>>>();
  const add = (svc: string, version: string, labels: Record<string, string>) => {
    const m = services.get(svc) ?? new Map<string, Record<string, string>>();
    services.set(svc, m);
    if (!m.has(version)) m.set(version, labels);
  };
  for (const s of topology?.services ?? []) for (const v of s.versions) add(s.name, v.name, v.labels);
  for (const r of resources) {
    const spec = isObj(r.body.spec) ? r.body.spec : {};
    if (r.apiVersion === 'meshdojo/v1' && r.kind === 'Topology') {
      for (const s of Array.isArray(spec.services) ? spec.services : []) {
        if (!isObj(s) || typeof s.name !== 'string') continue;
        const base = { app: s.name, ...(isObj(s.labels) ? (s.labels as Record<string, string>) : {}) };
        const versions = Array.isArray(s.versions) && s.versions.length ? s.versions : [{ name: 'v1' }];
        for (const v of versions)
          if (isObj(v) && typeof v.name === 'string')
            add(s.name, v.name, {
              ...base,
              version: v.name,
              ...(isObj(v.labels) ? (v.labels as Record<string, string>) : {}),
            });
      }
    } else if (r.kind === 'Deployment' && groupOf(r.apiVersion) === 'apps') {
      const tmpl = isObj(spec.template) && isObj(spec.template.metadata) ? spec.template.metadata : {};
      const labels = isObj(tmpl.labels) ? (tmpl.labels as Record<string, string>) : {};
      if (labels.app) add(labels.app, labels.version ?? 'v1', labels);
    } else if (r.kind === 'Service' && r.apiVersion === 'v1' && !services.has(r.name)) {
      services.set(r.name, new Map());
    }
  }
  // Services alone name no versions: only a Topology or Deployments make the inventory complete enough to check against
  const complete = [...services.values()].some((v) => v.size > 0);
  return { services, known: complete };
}

/** Which dialect the resources are written in (`auto`): the first that reads any of them, by rule. */
function detect(resources: Resource[]): DialectImporter | undefined {
  const scores = DIALECTS.map((d) => ({
    d,
    n: resources.filter((r) => d.reads(r) && !d.generic?.(r)).length,
  }));
  // SMI is also what Linkerd and Traefik Mesh accept: another dialect's own resources win over it
  const own = scores.filter((s) => s.n > 0);
  const best = (own.some((s) => s.d.name !== 'smi') ? own.filter((s) => s.d.name !== 'smi') : own).sort(
    (a, b) => b.n - a.n,
  )[0];
  if (best) return best.d;
  return DIALECTS.find((d) => resources.some((r) => d.reads(r)));
}

const isInventory = (r: Resource) =>
  // meshdojo's own documents beside the manifests: a Topology backs the checks, the others are left alone
  r.apiVersion === 'meshdojo/v1' ||
  INVENTORY_KINDS.some(([g, k]) => groupOf(r.apiVersion) === g && r.kind === k);

/**
 * Imports manifests. Throws `SpecError` (file:line) for YAML errors, resources no dialect knows,
 * malformed values, or a neutral document that does not validate.
 */
export function importManifests(sources: readonly ManifestSource[], opts: ImportOptions = {}): ImportResult {
  const { resources, issues } = parseSources(sources);
  if (issues.length) throw new SpecError(issues);
  const mesh = opts.mesh ?? 'auto';
  const dialect = mesh === 'auto' ? detect(resources) : dialectNamed(mesh);
  const errors: SpecIssue[] = [];
  if (!dialect) {
    const first = resources[0];
    throw new SpecError([
      first
        ? {
            file: first.file,
            ...first.at(['kind']),
            path: 'kind',
            message: `no mesh resource here (\`${first.apiVersion}\` \`${first.kind}\`): expected Istio, Linkerd, Kuma, SMI, Consul, App Mesh or Traefik Mesh manifests`,
          }
        : {
            file: sources[0]?.file ?? '<input>',
            line: 1,
            column: 1,
            path: '',
            message: 'no documents to import',
          },
    ]);
  }
  const report = emptyReport(dialect.name);
  const ctx = newContext(report, inventoryOf(resources, opts.topology));
  const mine: Resource[] = [];
  for (const r of resources) {
    if (dialect.reads(r)) mine.push(r);
    else if (isInventory(r)) continue;
    else {
      const other = DIALECTS.find((d) => d.reads(r));
      errors.push({
        file: r.file,
        ...r.at(['kind']),
        path: [...r.prefix.map(String), 'kind'].join('.'),
        message: other
          ? `\`${r.apiVersion}\` \`${r.kind}\` is a ${other.name} resource, but the import reads ${dialect.name} (give the files of one mesh, or --mesh ${other.name})`
          : `unknown resource \`${r.apiVersion}\` \`${r.kind}\`: the ${dialect.name} importer reads ${dialect.kindsHelp}`,
      });
    }
  }
  for (const r of mine) {
    report.resources.push(`${r.kind}/${r.name}`);
    if (
      r.apiVersion !== 'consul/config-entry' &&
      r.apiVersion !== 'appmesh/api' &&
      r.body.spec !== undefined &&
      !isObj(r.body.spec)
    )
      errors.push({
        file: r.file,
        ...r.at(['spec']),
        path: 'spec',
        message: `expected \`spec\` to be a mapping in ${r.kind}/${r.name}`,
      });
  }
  if (errors.length) throw new SpecError(errors);
  dialect.import(mine, ctx);
  if (report.errors.length) throw new SpecError(report.errors);
  crossChecks(ctx, mine);
  const document = ctx.policy.document(
    opts.name ?? `imported-${dialect.name}`,
    dialect.product,
    `imported from ${dialect.name}: ${sources.map((s) => s.file).join(', ')}`,
  );
  report.defaults.push(...productDefaults(dialect, document));
  const yaml = stringify(document, { lineWidth: 0, aliasDuplicateObjects: false });
  const file = `${sources[0]?.file ?? 'input'} (imported)`;
  let policy: MeshPolicySpec;
  try {
    policy = parseDocuments(yaml, file)[0]!.value as MeshPolicySpec;
  } catch (e) {
    // The neutral document refused a value the manifests carry (a negative weight, a bad regex):
    // report it against the manifests as well as we can.
    if (e instanceof SpecError)
      throw new SpecError(
        e.issues.map((i) => ({
          ...i,
          message: `${i.message} (in the neutral policy written from ${sources.map((s) => s.file).join(', ')})`,
        })),
      );
    throw e;
  }
  return { document, yaml, policy, report };
}

/** The UI's entry point: one pasted or dropped file → the neutral policy and the report. */
export function importText(text: string, fileName: string, opts: ImportOptions = {}): ImportResult {
  return importManifests([{ file: fileName, text }], opts);
}

/** Whether these texts hold mesh manifests (so `meshdojo run` imports them instead of loading). */
export function holdsManifests(source: ManifestSource): boolean {
  try {
    const { resources } = parseSources([source]);
    return (
      resources.some((r) => DIALECTS.some((d) => d.reads(r))) &&
      !resources.some((r) => r.apiVersion === 'meshdojo/v1')
    );
  } catch {
    return false;
  }
}
