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
