/**
 * Benchmark scenarios: Bookinfo scaled to 1000 pages per second (replicas raised so that no
 * service is past 60 % busy), with and without a mesh and policies.
 */
import { loadFiles } from '../simulator/cli/files.ts';
import { parseDocuments } from '../simulator/model/load.ts';
import type { MeshPolicySpec, ScenarioSpec } from '../simulator/model/types.ts';

const ALL_POLICIES = `
apiVersion: meshdojo/v1
kind: MeshPolicy
metadata: { name: everything-on }
spec:
  dataPlane: { profile: istio-sidecar }
  destinations:
    - service: productpage
      timeout: 10s
      retries: { attempts: 2, perTryTimeout: 5s, retryOn: [5xx, connect-failure, reset] }
      circuitBreaker: { consecutiveFailures: 50, openFor: 30s, halfOpenRequests: 1 }
      connectionPool: { maxConnections: 4000, maxPendingRequests: 1000, maxRequests: 4000 }
      outlierDetection: { consecutive5xxErrors: 5, interval: 10s, baseEjectionTime: 30s, maxEjectionPercent: 50 }
      loadBalancer: least-request
    - service: details
      timeout: 3s
      retries: { attempts: 2, perTryTimeout: 1s, retryOn: [5xx, connect-failure, reset] }
      circuitBreaker: { failureRate: { threshold: 50, window: 10s, minimumRequests: 20 }, openFor: 30s, halfOpenRequests: 1 }
      connectionPool: { maxConnections: 1000, maxPendingRequests: 1000, maxRequests: 1000 }
      outlierDetection: { consecutive5xxErrors: 5, interval: 10s, baseEjectionTime: 30s, maxEjectionPercent: 50 }
      loadBalancer: round-robin
    - service: reviews
      timeout: 10s
      routes:
        - match: { headers: { end-user: { exact: jason } } }
          split: { v2: 100 }
        - split: { v1: 34, v2: 33, v3: 33 }
      retries: { attempts: 2, perTryTimeout: 2s, retryOn: [5xx, connect-failure, reset] }
      retryBudget: { percent: 20, minRetryConcurrency: 3 }
      circuitBreaker: { consecutiveFailures: 50, openFor: 30s, halfOpenRequests: 1 }
      connectionPool: { maxConnections: 1000, maxPendingRequests: 1000, maxRequests: 1000 }
      outlierDetection: { consecutive5xxErrors: 5, interval: 10s, baseEjectionTime: 30s, maxEjectionPercent: 50 }
      loadBalancer: least-request
    - service: ratings
      retries: { attempts: 3, perTryTimeout: 2s, retryOn: [5xx, connect-failure, reset], backoff: { base: 25ms, max: 250ms } }
      outlierDetection: { consecutive5xxErrors: 5, interval: 10s, baseEjectionTime: 30s, maxEjectionPercent: 50 }
      circuitBreaker: { consecutiveFailures: 50, openFor: 30s, halfOpenRequests: 1 }
      connectionPool: { maxConnections: 1000, maxPendingRequests: 1000, maxRequests: 1000 }
      loadBalancer: { ringHash: { header: end-user } }
      faults: { delay: { percent: 0.1, fixed: 5ms }, abort: { percent: 0.1, status: 503 } }
  security:
    mtls: strict
    authorization:
      - { to: details, allow: [{ from: productpage }] }
      - { to: reviews, allow: [{ from: productpage }] }
      - { to: ratings, allow: [{ from: reviews }] }
`;

const SIDECARS_ONLY = `
apiVersion: meshdojo/v1
kind: MeshPolicy
metadata: { name: sidecars }
spec:
  dataPlane: { profile: istio-sidecar }
`;

export type CaseName = 'no-mesh' | 'sidecars' | 'all-policies';

/** Bookinfo at `rate` pages/s for `minutes` simulated minutes. */
export function bookinfoCase(name: CaseName, minutes: number, rate = 1000): ScenarioSpec {
  const bundle = loadFiles(['topologies/bookinfo.yaml']);
  const topology = structuredClone(bundle.topology!);
  const scale = Math.ceil(rate / 200);
  for (const svc of topology.services) for (const v of svc.versions) v.replicas *= scale;
  const policyText = name === 'all-policies' ? ALL_POLICIES : name === 'sidecars' ? SIDECARS_ONLY : '';
  const policies: MeshPolicySpec[] = policyText
    ? parseDocuments(policyText, `${name}.yaml`).flatMap((d) => (d.kind === 'MeshPolicy' ? [d.value] : []))
    : [];
  const load = structuredClone(bundle.load!);
  if (load.executor !== 'constant-arrival-rate')
    throw new Error('bench expects a constant-arrival-rate load');
  load.rate = rate;
  load.duration = minutes * 60_000;
  load.headers = [{ name: 'end-user', value: 'jason', percent: 5 }];
  return {
    name: `bookinfo-${name}-${rate}rps-${minutes}m`,
    topology,
    policies,
    load,
    chaos: [],
    seed: 1,
    duration: minutes * 60_000,
    interval: 1000,
    sampling: { traces: 0.0001, accessLogs: 0.0001 },
  };
}

/**
 * A generated layered DAG with Istio sidecars: a gateway and `layers` layers of `width` services.
 * The gateway calls each first-layer service with probability 6 / width (in parallel), and every
 * service calls one of the next layer, so each entry request makes 61 service calls on average
 * (6 chains through every layer). Every
 * call has a 1 s timeout (a lane timer per call: what the timer-lane leak was made of).
 * `dagCase(200, …)` has 201 services (10 layers of 20), `dagCase(1000, …)` 1001 (10 of 100).
 */
export function dagCase(services: 200 | 1000, rate: number, seconds: number): ScenarioSpec {
  const layers = 10;
  const width = services / layers;
  // A caller's slot stays held while it waits downstream, so size for in-flight work: a call's
  // residence at the first layer is at most ~30 ms (ten hops with sidecars); twice that in slots.
  // Each sidecar has 2 workers at 0.2 ms of CPU per traversal: keep them at most half busy.
  const perService = (rate * 6) / width;
  const sidecarReplicas = (traversals: number): number => Math.ceil((traversals * 0.2e-3) / (2 * 0.5));
  const replicas = Math.max(1, Math.ceil((2 * perService * 0.03) / 512), sidecarReplicas(2 * perService));
  const gatewayReplicas = Math.max(1, Math.ceil((2 * rate * 0.035) / 512), sidecarReplicas(7 * rate));
  const name = (l: number, i: number): string => `s${l}-${i}`;
  const lines = [
    'apiVersion: meshdojo/v1',
    'kind: Topology',
    `metadata: { name: dag-${services} }`,
    'spec:',
    '  entry: { service: gateway, endpoint: GET / }',
    '  services:',
    '    - name: gateway',
    `      replicas: ${gatewayReplicas}`,
    '      concurrency: 512',
    '      queue: 4096',
    '      endpoints:',
    '        - name: GET /',
    '          serviceTime: { dist: lognormal, median: 0.3ms, p99: 2ms }',
    '          calls:',
    '            - parallel:',
  ];
  // Every first-layer service with probability 6 / width: six chains per request on average, the
  // load spread evenly (the chains' next hops, i → 7i + 1 mod width, are a permutation).
  for (let i = 0; i < width; i++)
    lines.push(
      `                - { service: ${name(0, i)}, endpoint: GET /, timeout: 1s, probability: ${6 / width} }`,
    );
  for (let l = 0; l < layers; l++)
    for (let i = 0; i < width; i++) {
      lines.push(
        `    - name: ${name(l, i)}`,
        `      replicas: ${replicas}`,
        '      concurrency: 512',
        '      queue: 1024',
        '      endpoints:',
        '        - name: GET /',
        '          serviceTime: { dist: lognormal, median: 0.5ms, p99: 2ms }',
      );
      if (l + 1 < layers)
        lines.push(
          '          calls:',
          `            - { service: ${name(l + 1, (i * 7 + 1) % width)}, endpoint: GET /, timeout: 1s }`,
        );
    }
  const duration = seconds * 1000;
  const load = `apiVersion: meshdojo/v1
kind: LoadProfile
metadata: { name: steady }
spec: { executor: constant-arrival-rate, arrivals: poisson, rate: ${rate}, duration: ${duration}ms }
`;
  const docs = parseDocuments(
    `${lines.join('\n')}\n---\n${SIDECARS_ONLY}\n---\n${load}`,
    `dag-${services}.yaml`,
  );
  const pick = <K extends string>(kind: K) => docs.filter((d) => d.kind === kind).map((d) => d.value);
  const topology = pick('Topology')[0] as ScenarioSpec['topology'];
  const policies = pick('MeshPolicy') as MeshPolicySpec[];
  return {
    name: `dag-${services}-${rate}rps-${seconds}s`,
    topology,
    policies,
    load: pick('LoadProfile')[0] as ScenarioSpec['load'],
    chaos: [],
    seed: 1,
    duration,
    interval: 1000,
    sampling: { traces: 0.0001, accessLogs: 0.0001 },
  };
}
