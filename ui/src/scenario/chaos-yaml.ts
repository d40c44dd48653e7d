/**
 * The faults a user injected from the graph, as a ChaosExperiment document to keep: replaying it
 * (`meshdojo run topology.yaml this.yaml`, same seed) takes the very steps of the live run.
 * Times are written in ms so that `4000.5ms` reads back as exactly 4000.5.
 */
import { stringify } from 'yaml';
import type { FaultSpec, TargetSelector } from '../../../simulator/model/types.ts';

const ms = (v: number) => `${v}ms`;

function selector(t: TargetSelector): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of ['service', 'version', 'node', 'count', 'percent'] as const)
    if (t[k] !== undefined) out[k] = t[k];
  return out;
}

export function faultDocument(f: FaultSpec): Record<string, unknown> {
  const base: Record<string, unknown> = { name: f.name, type: f.type, at: ms(f.at) };
  if (f.duration !== undefined) base.duration = ms(f.duration);
  switch (f.type) {
    case 'latency':
      return {
        ...base,
        target: selector(f.target),
        latency: ms(f.latency),
        ...(f.jitter ? { jitter: ms(f.jitter) } : {}),
      };
    case 'abort':
      return { ...base, target: selector(f.target), percent: f.percent, status: f.status };
    case 'kill':
      return {
        ...base,
        target: selector(f.target),
        ...(f.restartAfter !== undefined ? { restartAfter: ms(f.restartAfter) } : {}),
        coldStart: ms(f.coldStart),
      };
    case 'pause':
    case 'loss':
    case 'cpu':
      return {
        ...base,
        target: selector(f.target),
        ...('percent' in f ? { percent: f.percent } : {}),
        ...('multiplier' in f ? { multiplier: f.multiplier } : {}),
      };
    case 'partition':
      return { ...base, between: [selector(f.between[0]), selector(f.between[1])] };
    case 'node-down':
      return { ...base, node: f.node };
  }
}

export function chaosYaml(
  name: string,
  faults: FaultSpec[],
  comment = 'Faults injected from the meshdojo UI while the run played.',
): string {
  const doc = {
    apiVersion: 'meshdojo/v1',
    kind: 'ChaosExperiment',
    metadata: { name },
    spec: { faults: faults.map(faultDocument) },
  };
  return `# ${comment}\n# Replay: same topology, policies and seed; each fault starts at the simulated time it was injected.\n${stringify(doc)}`;
}
