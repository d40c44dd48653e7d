/**
 * simulator/interop: import of real mesh manifests into the neutral MeshPolicy and export of a
 * scenario to Kubernetes, Istio, Linkerd, Chaos Mesh and Chaos Toolkit. Isomorphic (no `node:`
 * imports): the CLI reads files, the UI passes pasted text to `importText`.
 */
export {
  importManifests,
  importText,
  holdsManifests,
  MESH_NAMES,
  type MeshName,
  type ImportOptions,
  type ImportResult,
} from './import.ts';
export { renderReport, type ImportReport, type FieldNote, type Finding, type DefaultNote } from './report.ts';
export { FINDING_CODES, type FindingCode } from './validate.ts';
export { parseSources, type ManifestSource, type Resource } from './source.ts';
export type { NeutralPolicyDoc } from './neutral.ts';
export { exportScenario, EXPORT_TARGETS, type ExportTarget, type ExportResult } from './export/index.ts';
