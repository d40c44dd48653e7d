/**
 * Pasted or dropped mesh manifests (Istio, Linkerd, Kuma, SMI, Consul, App Mesh, Traefik Mesh) →
 * the neutral MeshPolicy and the import report, through the CLI's own importer
 * (simulator/interop, isomorphic). Malformed or unknown resources come back as file:line issues.
 */
import { importText, type MeshName } from '../../../simulator/interop/import.ts';
import type { ImportReport } from '../../../simulator/interop/report.ts';
import { formatIssue, isSpecError, type SpecIssue } from '../../../simulator/model/errors.ts';
import type { TopologySpec } from '../../../simulator/model/types.ts';

export type ManifestImport =
  { ok: true; yaml: string; report: ImportReport } | { ok: false; errors: SpecIssue[] };

export function importManifestText(
  text: string,
  file: string,
  mesh: MeshName = 'auto',
  topology?: TopologySpec,
): ManifestImport {
  if (!text.trim())
    return { ok: false, errors: [{ file, line: 1, column: 1, path: '', message: 'nothing to import' }] };
  try {
    const r = importText(text, file, { mesh, topology });
    return { ok: true, yaml: r.yaml, report: r.report };
  } catch (e) {
    if (isSpecError(e)) return { ok: false, errors: [...e.issues] };
    throw e;
  }
}

export { formatIssue };
