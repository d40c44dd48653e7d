/**
 * simulator/model: parse → validate → normalised specs, with errors that point at file:line:column.
 * Isomorphic: it gets file contents passed in. Reading from disk is `loadFiles` in simulator/cli/files.ts.
 */
export type * from './types.ts';
export { parseDuration, tryParseDuration, formatDuration, type DurationResult } from './duration.ts';
export {
  SpecError,
  isSpecError,
  formatIssue,
  formatPath,
  suggest,
  type SpecIssue,
  type PathSegment,
} from './errors.ts';
export {
  API_VERSION,
  KINDS,
  type Kind,
  TopologySchema,
  LoadProfileSchema,
  ChaosExperimentSchema,
  MeshPolicySchema,
  ScenarioSchema,
  DOCUMENT_SCHEMAS,
  PARSE_PARAMS,
  parseWith,
  parseThreshold,
  distributionSchema,
  DATA_PLANE_MODES,
  DATA_PLANE_PROFILES,
  DEFAULT_PROFILES,
  RETRY_ON,
  DEFAULT_RETRY_ON,
  UNLIMITED,
  THRESHOLD_METRICS,
  type Ref,
  type ScenarioDraft,
} from './schemas.ts';
export {
  parseDocuments,
  loadBundle,
  describeZodIssues,
  describeValue,
  type Bundle,
  type Source,
  type Resolver,
  type LoadedDoc,
  type LoadedDocOf,
  type DocOrigin,
} from './load.ts';
export {
  resolveChaosTargets,
  serviceFacts,
  rankedMatches,
  ROLES,
  type ServiceFacts,
  type TargetIssue,
  type TargetResolution,
  type ResolvedChaos,
} from './chaos-targets.ts';
export { faultOccurrences, MAX_OCCURRENCES } from './recurrence.ts';
