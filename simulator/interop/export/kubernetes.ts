/**
 * Topology → Kubernetes workloads that run the stub services of simulator/live as real pods:
 * one Deployment per version with the topology's replicas, a Service per service (and per version,
 * for meshes that split across Services), a ServiceAccount per service (its mesh identity), and
 * the topology in a ConfigMap the stub reads.
 */
import type { TopologySpec } from '../../model/types.ts';
import { NAMESPACE, STUB_IMAGE, STUB_PORT, type ExportDocs } from './common.ts';

export function exportKubernetes(topo: TopologySpec): ExportDocs {
  const docs: Record<string, unknown>[] = [];
  const notes: string[] = [];
  docs.push({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'meshdojo-topology', namespace: NAMESPACE },
    data: { 'topology.json': JSON.stringify(topo) },
  });
  const port = { name: 'http', port: STUB_PORT, targetPort: STUB_PORT, protocol: 'TCP' };
  for (const s of topo.services) {
    docs.push({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: s.name, namespace: NAMESPACE } });
    docs.push({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: s.name, namespace: NAMESPACE, labels: { app: s.name } },
      spec: { selector: { app: s.name }, ports: [port] },
    });
    for (const v of s.versions) {
      const labels = { ...s.labels, ...v.labels, app: s.name, version: v.labels.version ?? v.name };
      if (s.versions.length > 1)
        docs.push({
          apiVersion: 'v1',
          kind: 'Service',
          metadata: { name: `${s.name}-${v.name}`, namespace: NAMESPACE, labels: { app: s.name } },
          spec: { selector: { app: s.name, version: labels.version }, ports: [port] },
        });
      docs.push({
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: `${s.name}-${v.name}`, namespace: NAMESPACE, labels },
        spec: {
          replicas: v.replicas,
          selector: { matchLabels: { app: s.name, version: labels.version } },
          template: {
            metadata: {
              labels,
              ...(!s.inMesh && {
                annotations: { 'sidecar.istio.io/inject': 'false', 'linkerd.io/inject': 'disabled' },
              }),
            },
            spec: {
              serviceAccountName: s.name,
              containers: [
                {
                  name: 'stub',
                  image: STUB_IMAGE,
                  imagePullPolicy: 'IfNotPresent',
                  ports: [{ name: 'http', containerPort: STUB_PORT }],
                  env: [
                    { name: 'MESHDOJO_SERVICE', value: s.name },
                    { name: 'MESHDOJO_VERSION', value: v.name },
                    { name: 'MESHDOJO_TOPOLOGY', value: '/etc/meshdojo/topology.json' },
                    { name: 'PORT', value: String(STUB_PORT) },
                  ],
                  ...(s.cpu !== undefined && { resources: { limits: { cpu: String(s.cpu) } } }),
                  volumeMounts: [{ name: 'topology', mountPath: '/etc/meshdojo', readOnly: true }],
                },
              ],
              volumes: [{ name: 'topology', configMap: { name: 'meshdojo-topology' } }],
            },
          },
        },
      });
    }
  }
  if (topo.nodes.length > 1)
    notes.push('placement on named nodes is not exported: the cluster schedules the pods');
  notes.push(
    `the pods run ${STUB_IMAGE}: build it with \`docker build -f Dockerfile.stub -t ${STUB_IMAGE} .\` from the repository root`,
  );
  return { docs, notes };
}
