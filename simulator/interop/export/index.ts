/** `meshdojo export`: a scenario → files for a real cluster. Isomorphic (returns texts). */
import { stringify } from 'yaml';
import type { ScenarioSpec } from '../../model/types.ts';
import { exportChaosMesh } from './chaos.ts';
import { exportChaosToolkit } from '../chaos-toolkit.ts';
import { mergedPolicy, type ExportDocs, type ExportResult } from './common.ts';
import { exportIstio } from './istio.ts';
import { exportKubernetes } from './kubernetes.ts';
import { exportLinkerd } from './linkerd.ts';

export const EXPORT_TARGETS = ['k8s', 'istio', 'linkerd', 'chaos-mesh', 'chaos-toolkit'] as const;
export type ExportTarget = (typeof EXPORT_TARGETS)[number];
export type { ExportResult, ExportDocs };
export { exportIstio, exportLinkerd, exportKubernetes, exportChaosMesh, exportChaosToolkit, mergedPolicy };

export const toYaml = (docs: readonly Record<string, unknown>[]): string =>
  docs.map((d) => stringify(d, { lineWidth: 0, aliasDuplicateObjects: false })).join('---\n');

/** The files for `target`. The k8s target lists `Dockerfile.stub`, which the CLI copies from deploy/stub. */
export function exportScenario(s: ScenarioSpec, target: ExportTarget): ExportResult {
  const policy = mergedPolicy(s.policies);
  let out: ExportDocs;
  switch (target) {
    case 'k8s':
      out = exportKubernetes(s.topology);
      return { files: [{ name: `${s.topology.name}.k8s.yaml`, text: toYaml(out.docs) }], notes: out.notes };
    case 'istio':
      out = exportIstio(policy, s.topology);
      return {
        files: out.docs.length ? [{ name: 'istio.yaml', text: toYaml(out.docs) }] : [],
        notes: out.notes,
      };
    case 'linkerd':
      out = exportLinkerd(policy);
      return {
        files: out.docs.length ? [{ name: 'linkerd.yaml', text: toYaml(out.docs) }] : [],
        notes: out.notes,
      };
    case 'chaos-mesh':
      out = exportChaosMesh(s.chaos);
      return {
        files: out.docs.length ? [{ name: 'chaos-mesh.yaml', text: toYaml(out.docs) }] : [],
        notes: s.chaos.length ? out.notes : ['no ChaosExperiment in the scenario', ...out.notes],
      };
    case 'chaos-toolkit': {
      const ct = exportChaosToolkit(s.chaos, s.topology);
      return {
        files: ct.experiments.map((e) => ({
          name: `${e.name}.chaostoolkit.json`,
          text: JSON.stringify(e.json, null, 2) + '\n',
        })),
        notes: ct.notes,
      };
    }
  }
}
