/**
 * ChaosExperiment → Chaos Mesh resources (chaos-mesh.org/v1alpha1: NetworkChaos, PodChaos,
 * HTTPChaos, StressChaos) or a Chaos Toolkit experiment (chaostoolkit-kubernetes and
 * chaostoolkit-istio actions). Chaos Mesh starts a chaos when it is applied: a fault's `at` offset
 * is noted, not scheduled.
 */
import type { ChaosSpec, FaultSpec, TargetSelector, TopologySpec } from '../../model/types.ts';
import { dur, NAMESPACE, STUB_PORT, type ExportDocs } from './common.ts';

type Obj = Record<string, unknown>;

function selector(t: TargetSelector): Obj {
  const labels: Record<string, string> = {};
  if (t.service) labels.app = t.service;
  if (t.version) labels.version = t.version;
  return { namespaces: [NAMESPACE], ...(Object.keys(labels).length && { labelSelectors: labels }) };
}
const mode = (t: TargetSelector): Obj =>
  t.count !== undefined
    ? { mode: 'fixed', value: String(t.count) }
    : t.percent !== undefined
      ? { mode: 'fixed-percent', value: String(t.percent) }
      : { mode: 'all' };
const name = (c: ChaosSpec, f: FaultSpec) => `${c.name}-${f.name}`.toLowerCase().replace(/[^a-z0-9-]/g, '-');
const meta = (c: ChaosSpec, f: FaultSpec) => ({ name: name(c, f), namespace: NAMESPACE });
const duration = (f: FaultSpec) => (f.duration !== undefined ? { duration: dur(f.duration) } : {});

export function exportChaosMesh(chaos: readonly ChaosSpec[]): ExportDocs {
  const docs: Obj[] = [];
  const notes: string[] = [];
  const api = 'chaos-mesh.org/v1alpha1';
  for (const c of chaos) {
    for (const f of c.faults) {
      if (f.at > 0)
        notes.push(
          `${f.name}: apply it ${dur(f.at)} into the run (Chaos Mesh starts a chaos when it is applied)`,
        );
      if (f.duration === undefined && f.type !== 'kill')
        notes.push(`${f.name}: no duration — the chaos lasts until deleted`);
      switch (f.type) {
        case 'latency':
          docs.push({
            apiVersion: api,
            kind: 'NetworkChaos',
            metadata: meta(c, f),
            spec: {
              action: 'delay',
              ...mode(f.target),
              selector: selector(f.target),
              delay: { latency: dur(f.latency), ...(f.jitter > 0 && { jitter: dur(f.jitter) }) },
              ...duration(f),
            },
          });
          break;
        case 'loss':
          docs.push({
            apiVersion: api,
            kind: 'NetworkChaos',
            metadata: meta(c, f),
            spec: {
              action: 'loss',
              ...mode(f.target),
              selector: selector(f.target),
              loss: { loss: String(f.percent) },
              ...duration(f),
            },
          });
          break;
        case 'partition': {
          const [a, b] = f.between;
          docs.push({
            apiVersion: api,
            kind: 'NetworkChaos',
            metadata: meta(c, f),
            spec: {
              action: 'partition',
              ...mode(a),
              selector: selector(a),
              direction: 'both',
              target: { ...mode(b), selector: selector(b) },
              ...duration(f),
            },
          });
          break;
        }
        case 'kill':
          docs.push({
            apiVersion: api,
            kind: 'PodChaos',
            metadata: meta(c, f),
            spec: { action: 'pod-kill', ...mode(f.target), selector: selector(f.target) },
          });
          if (f.restartAfter !== undefined || f.coldStart > 0)
            notes.push(
              `${f.name}: Kubernetes restarts a killed pod by itself; restartAfter / coldStart are not exported`,
            );
          break;
        case 'pause':
          docs.push({
            apiVersion: api,
            kind: 'PodChaos',
            metadata: meta(c, f),
            spec: { action: 'pod-failure', ...mode(f.target), selector: selector(f.target), ...duration(f) },
          });
          notes.push(`${f.name}: pause ≈ pod-failure (the pod stops answering)`);
          break;
        case 'abort':
          docs.push({
            apiVersion: api,
            kind: 'HTTPChaos',
            metadata: meta(c, f),
            spec: {
              ...mode(f.target),
              selector: selector(f.target),
              target: 'Request',
              port: STUB_PORT,
              abort: true,
              ...duration(f),
            },
          });
          notes.push(
            `${f.name}: HTTPChaos aborts every request of the selected pods (no per-request percentage, no status ${f.status}): narrow the pods instead`,
          );
          break;
        case 'cpu':
          docs.push({
            apiVersion: api,
            kind: 'StressChaos',
            metadata: meta(c, f),
            spec: {
              ...mode(f.target),
              selector: selector(f.target),
              stressors: { cpu: { workers: Math.max(1, Math.round(f.multiplier)), load: 100 } },
              ...duration(f),
            },
          });
          notes.push(
            `${f.name}: a CPU slowdown ×${f.multiplier} ≈ ${Math.max(1, Math.round(f.multiplier))} CPU stress workers`,
          );
          break;
        case 'node-down':
          notes.push(`${f.name}: node-down is not a Chaos Mesh resource (drain or stop the node)`);
          break;
      }
    }
    if (c.steadyState.length)
      notes.push(`${c.name}: steady-state probes are not Chaos Mesh resources (use --to chaos-toolkit)`);
  }
  return { docs, notes };
}

/** A Chaos Toolkit experiment (JSON) per ChaosExperiment. */
export function exportChaosToolkit(
  chaos: readonly ChaosSpec[],
  topo: TopologySpec,
): { experiments: { name: string; json: Obj }[]; notes: string[] } {
  const notes: string[] = [];
  const entry = topo.entry;
  const url = (svc?: string) => `http://${svc ?? entry.service}.${NAMESPACE}.svc.cluster.local:${STUB_PORT}/`;
  const experiments = chaos.map((c) => {
    const probes = c.steadyState.map((p) => ({
      type: 'probe',
      name: p.name,
      tolerance: p.metric === 'successRate' ? 200 : true,
      provider: {
        type: 'http',
        url: url(p.service),
        ...(p.metric === 'latency' && p.max !== undefined && { timeout: p.max / 1000 }),
      },
    }));
    if (c.steadyState.some((p) => p.metric === 'successRate'))
      notes.push(
        `${c.name}: a success-rate probe becomes one HTTP request expecting 200 (Chaos Toolkit probes are single requests)`,
      );
    const method: Obj[] = [];
    for (const f of c.faults) {
      const pauses = f.at > 0 ? { pauses: { before: f.at / 1000 } } : {};
      if (f.type === 'kill') {
        const labels = [
          f.target.service && `app=${f.target.service}`,
          f.target.version && `version=${f.target.version}`,
        ]
          .filter(Boolean)
          .join(',');
        method.push({
          type: 'action',
          name: f.name,
          provider: {
            type: 'python',
            module: 'chaosk8s.pod.actions',
            func: 'terminate_pods',
            arguments: {
              label_selector: labels,
              ns: NAMESPACE,
              ...(f.target.count !== undefined && { qty: f.target.count }),
              ...(f.target.percent !== undefined && { mode: 'percentage', qty: f.target.percent }),
            },
          },
          ...pauses,
        });
      } else if ((f.type === 'latency' || f.type === 'abort') && f.target.service) {
        const args =
          f.type === 'latency'
            ? { fixed_delay: dur(f.latency), percentage: 100 }
            : { http_status: f.status, percentage: f.percent };
        method.push({
          type: 'action',
          name: f.name,
          provider: {
            type: 'python',
            module: 'chaosistio.fault.actions',
            func: f.type === 'latency' ? 'add_delay_fault' : 'add_abort_fault',
            arguments: {
              virtual_service_name: f.target.service,
              routes: [{ destination: { host: f.target.service } }],
              ns: NAMESPACE,
              ...args,
            },
          },
          ...pauses,
        });
        if (f.type === 'latency')
          notes.push(
            `${f.name}: an Istio delay fault on the caller side stands in for network latency at ${f.target.service}`,
          );
      } else notes.push(`${f.name}: ${f.type} has no Chaos Toolkit action here (use --to chaos-mesh)`);
    }
    return {
      name: c.name,
      json: {
        version: '1.0.0',
        title: c.name,
        description: `meshdojo ChaosExperiment ${c.name}`,
        tags: ['meshdojo'],
        'steady-state-hypothesis': { title: `${c.name} steady state`, probes },
        method,
        rollbacks: [],
      },
    };
  });
  return { experiments, notes };
}
