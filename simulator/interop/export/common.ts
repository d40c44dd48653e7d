/** Shared by the exporters: the port the stub services listen on, durations, merged policies. */
import type { DestinationPolicySpec, MeshPolicySpec } from '../../model/types.ts';
import { fmtMs } from '../neutral.ts';

/** The port every stub service listens on (simulator/live's stub program). */
export const STUB_PORT = 8080;
export const STUB_IMAGE = 'meshdojo/stub:local';
export const NAMESPACE = 'default';

export const dur = fmtMs;

export interface ExportFile {
  name: string;
  text: string;
}

/** What an exporter makes: Kubernetes-style objects, and notes on what it could not express. */
export interface ExportDocs {
  docs: Record<string, unknown>[];
  notes: string[];
}

export interface ExportResult {
  files: ExportFile[];
  /** What could not be expressed in the target (never silently dropped). */
  notes: string[];
}

/** The policies of a scenario as one: destinations merged in order (later fields win), the last security block. */
export function mergedPolicy(policies: readonly MeshPolicySpec[]): MeshPolicySpec | undefined {
  if (!policies.length) return undefined;
  const dests = new Map<string, DestinationPolicySpec>();
  for (const p of policies)
    for (const d of p.destinations) dests.set(d.service, { ...dests.get(d.service), ...d });
  const last = policies[policies.length - 1]!;
  return {
    ...last,
    destinations: [...dests.values()],
    security: { mtls: last.security.mtls, authorization: policies.flatMap((p) => p.security.authorization) },
    canaries: policies.flatMap((p) => p.canaries),
  };
}
