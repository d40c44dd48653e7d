/**
 * What every dialect importer gets: the policy being built, the report, a field tracker per
 * resource, and the inventory of services and versions (from Kubernetes Services/Deployments or
 * a meshdojo Topology given beside the manifests) for the cross-object checks.
 */
import type { PathSegment } from '../model/errors.ts';
import { PolicyBuilder } from './neutral.ts';
import { FieldTracker, type ImportReport } from './report.ts';
import type { Resource } from './source.ts';

export interface Inventory {
  /** service → versions → labels (a version's pods' labels). */
  services: Map<string, Map<string, Record<string, string>>>;
  /** Whether anything was known at all (no inventory ⇒ no "unknown service" findings). */
  known: boolean;
}

export interface ImportContext {
  policy: PolicyBuilder;
  report: ImportReport;
  inventory: Inventory;
  track(res: Resource): FieldTracker;
}

export interface DialectImporter {
  /** `istio`, `linkerd`, … (the `--mesh` value). */
  name: string;
  /** `spec.defaults` and the data-plane profile of the neutral policy. */
  product: { defaults: string; profile: string };
  /** Does this dialect read that resource? */
  reads(res: Resource): boolean;
  /** Resources it reads that belong to another API too (SMI in Linkerd, plain Services): not used to detect it. */
  generic?(res: Resource): boolean;
  /** The kinds it reads, for error messages. */
  kindsHelp: string;
  /** Maps the resources (all of them read by this dialect) into `ctx.policy`. */
  import(resources: Resource[], ctx: ImportContext): void;
}

/** `reviews.default.svc.cluster.local` → `reviews`. */
export const shortHost = (host: string): string => host.split('.')[0]!;

/** Path helper: `p(['spec','http'], 0, 'timeout')`. */
export const p = (...segs: (PathSegment | readonly PathSegment[])[]): PathSegment[] =>
  segs.flatMap((s) => (Array.isArray(s) ? s : [s as PathSegment]));

/** A new context over a fresh builder. */
export function newContext(report: ImportReport, inventory: Inventory): ImportContext {
  return { policy: new PolicyBuilder(), report, inventory, track: (res) => new FieldTracker(res, report) };
}

/** The version of `service` whose labels include all of `labels`, if the inventory knows it. */
export function versionForLabels(
  inv: Inventory,
  service: string,
  labels: Record<string, string>,
): string | undefined {
  const versions = inv.services.get(service);
  if (!versions) return undefined;
  for (const [v, l] of versions) if (Object.entries(labels).every(([k, x]) => l[k] === x)) return v;
  return undefined;
}
