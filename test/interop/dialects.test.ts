/**
 * Forms beyond the Bookinfo fixtures: Linkerd ServiceProfile, Kuma legacy policies, Consul config
 * entries as JSON, App Mesh API JSON, and what a product lacks reported as such.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { importManifests, importText } from '../../simulator/interop/import.ts';

const topology = readFileSync('topologies/bookinfo.yaml', 'utf8').split(/^---$/m)[0]!;
const withTopo = (file: string, text: string, mesh?: Parameters<typeof importManifests>[1]) =>
  importManifests(
    [
      { file, text },
      { file: 'bookinfo.yaml', text: topology },
    ],
    mesh,
  );

describe('other forms', () => {
  it('Linkerd ServiceProfile: route timeouts (10 s when absent, reported), retryable routes under the budget, dstOverrides split', () => {
    const r = withTopo(
      'sp.yaml',
      `apiVersion: linkerd.io/v1alpha2
kind: ServiceProfile
metadata: { name: reviews.default.svc.cluster.local, namespace: default }
spec:
  routes:
    - { name: GET /reviews, condition: { method: GET, pathRegex: /reviews/.* }, isRetryable: true, timeout: 300ms }
    - { name: POST /reviews, condition: { method: POST, pathRegex: /reviews } }
  retryBudget: { retryRatio: 0.3, minRetriesPerSecond: 5, ttl: 20s }
  dstOverrides:
    - { authority: reviews-v1.default.svc.cluster.local:9080, weight: 900m }
    - { authority: reviews-v3.default.svc.cluster.local:9080, weight: 100m }
`,
    );
    const d = r.policy.destinations[0]!;
    expect(d.routes!.map((x) => x.timeout)).toEqual([300, 10_000, undefined]);
    expect(d.routes![2]!.split).toEqual({ v1: 0.9, v3: 0.1 });
    expect(d.retryBudget).toEqual({ kind: 'linkerd', ratio: 0.3, minRetriesPerSecond: 5, ttl: 20_000 });
    expect(r.report.defaults.find((x) => x.field === 'destinations[reviews].routes[1].timeout')!.value).toBe(
      '10s',
    );
  });

  it('Kuma legacy TrafficRoute / Retry / Timeout / CircuitBreaker / FaultInjection / TrafficPermission', () => {
    const r = withTopo(
      'legacy.yaml',
      `apiVersion: kuma.io/v1alpha1
kind: TrafficRoute
mesh: default
metadata: { name: reviews }
spec:
  sources: [ { match: { kuma.io/service: '*' } } ]
  destinations: [ { match: { kuma.io/service: reviews_default_svc_9080 } } ]
  conf:
    http: [ { match: { headers: { end-user: { exact: jason } } }, split: [ { weight: 100, destination: { kuma.io/service: reviews_default_svc_9080, version: v2 } } ] } ]
    split: [ { weight: 90, destination: { kuma.io/service: reviews_default_svc_9080, version: v1 } }, { weight: 10, destination: { kuma.io/service: reviews_default_svc_9080, version: v3 } } ]
---
apiVersion: kuma.io/v1alpha1
kind: Retry
mesh: default
metadata: { name: ratings }
spec:
  sources: [ { match: { kuma.io/service: '*' } } ]
  destinations: [ { match: { kuma.io/service: ratings_default_svc_9080 } } ]
  conf: { http: { numRetries: 2, perTryTimeout: 300ms, retryOn: [all_5xx, connect_failure], retriableStatusCodes: [503] } }
---
apiVersion: kuma.io/v1alpha1
kind: Timeout
mesh: default
metadata: { name: ratings }
spec:
  sources: [ { match: { kuma.io/service: '*' } } ]
  destinations: [ { match: { kuma.io/service: ratings_default_svc_9080 } } ]
  conf: { connectTimeout: 5s, http: { requestTimeout: 1s } }
---
apiVersion: kuma.io/v1alpha1
kind: CircuitBreaker
mesh: default
metadata: { name: ratings }
spec:
  sources: [ { match: { kuma.io/service: '*' } } ]
  destinations: [ { match: { kuma.io/service: ratings_default_svc_9080 } } ]
  conf: { interval: 5s, baseEjectionTime: 15s, maxEjectionPercent: 50, detectors: { totalErrors: { consecutive: 3 } }, thresholds: { maxConnections: 50 } }
---
apiVersion: kuma.io/v1alpha1
kind: FaultInjection
mesh: default
metadata: { name: ratings }
spec:
  sources: [ { match: { kuma.io/service: '*' } } ]
  destinations: [ { match: { kuma.io/service: ratings_default_svc_9080, kuma.io/protocol: http } } ]
  conf: { delay: { percentage: 50, value: 1s } }
---
apiVersion: kuma.io/v1alpha1
kind: TrafficPermission
mesh: default
metadata: { name: ratings }
spec:
  sources: [ { match: { kuma.io/service: reviews_default_svc_9080 } } ]
  destinations: [ { match: { kuma.io/service: ratings_default_svc_9080 } } ]
`,
    );
    expect(r.report.dialect).toBe('kuma');
    const reviews = r.policy.destinations.find((d) => d.service === 'reviews')!;
    expect(reviews.routes).toEqual([
      { match: { headers: { 'end-user': { exact: 'jason' } } }, split: { v2: 100 } },
      { split: { v1: 90, v3: 10 } },
    ]);
    const ratings = r.policy.destinations.find((d) => d.service === 'ratings')!;
    expect(ratings.retries).toMatchObject({
      attempts: 2,
      perTryTimeout: 300,
      retryOn: ['5xx', 'connect-failure', 'retriable-status-codes'],
      retriableStatusCodes: [503],
    });
    expect(ratings.timeout).toBe(1000);
    expect(ratings.outlierDetection).toMatchObject({
      consecutive5xxErrors: 3,
      interval: 5000,
      baseEjectionTime: 15_000,
      maxEjectionPercent: 50,
    });
    expect(ratings.connectionPool).toEqual({ maxConnections: 50 });
    expect(ratings.faults).toEqual({ delay: { percent: 50, fixed: 1000 } });
    expect(r.policy.security.authorization).toEqual([
      { to: 'ratings', allow: [{ from: 'reviews' }], deny: [] },
    ]);
    expect(r.report.unmapped.some((n) => n.path === 'spec.conf.connectTimeout')).toBe(true);
  });

  it('Consul config entries as JSON (PascalCase keys)', () => {
    const r = withTopo(
      'entries.json',
      JSON.stringify([
        {
          Kind: 'service-resolver',
          Name: 'reviews',
          Subsets: {
            v1: { Filter: 'Service.Meta.version == v1' },
            v2: { Filter: 'Service.Meta.version == v2' },
          },
        },
        {
          Kind: 'service-splitter',
          Name: 'reviews',
          Splits: [
            { Weight: 50, ServiceSubset: 'v1' },
            { Weight: 50, ServiceSubset: 'v2' },
          ],
        },
        {
          Kind: 'service-intentions',
          Name: 'ratings',
          Sources: [
            { Name: 'reviews', Action: 'allow' },
            { Name: '*', Action: 'deny' },
          ],
        },
      ]),
    );
    expect(r.report.dialect).toBe('consul');
    expect(r.policy.destinations[0]!.routes).toEqual([{ split: { v1: 50, v2: 50 } }]);
    expect(r.policy.security.authorization[0]).toEqual({
      to: 'ratings',
      allow: [{ from: 'reviews' }],
      deny: [{ from: '*' }],
    });
  });

  it('App Mesh API JSON (create-route --cli-input-json)', () => {
    const r = withTopo(
      'route.json',
      JSON.stringify({
        meshName: 'bookinfo',
        virtualRouterName: 'reviews-router',
        routeName: 'canary',
        spec: {
          httpRoute: {
            match: { prefix: '/' },
            action: {
              weightedTargets: [
                { virtualNode: 'reviews-v1', weight: 80 },
                { virtualNode: 'reviews-v2', weight: 20 },
              ],
            },
            retryPolicy: {
              maxRetries: 3,
              perRetryTimeout: { unit: 'ms', value: 250 },
              httpRetryEvents: ['gateway-error'],
            },
          },
        },
      }),
    );
    expect(r.report.dialect).toBe('appmesh');
    const d = r.policy.destinations[0]!;
    expect(d.routes).toEqual([{ split: { v1: 80, v2: 20 } }]);
    expect(d.retries).toMatchObject({ attempts: 3, perTryTimeout: 250, retryOn: ['gateway-error'] });
  });

  it('what a product lacks is reported as such (Traefik Mesh: no mTLS, timeouts, faults)', () => {
    const r = importText(
      `apiVersion: v1
kind: Service
metadata: { name: ratings, annotations: { mesh.traefik.io/retry-attempts: "1", mesh.traefik.io/ratelimit-average: "100" } }
spec: { selector: { app: ratings } }
`,
      'svc.yaml',
    );
    expect(r.report.dialect).toBe('traefik');
    expect(r.policy.destinations[0]!.retries).toMatchObject({ attempts: 0 });
    expect(r.report.unmapped.map((n) => n.note).join('\n')).toMatch(/no mTLS/);
    expect(r.report.unmapped.find((n) => n.path.includes('ratelimit-average'))!.note).toMatch(
      /rate limiting/,
    );
  });

  it('Istio portLevelSettings for the one port replace the destination-level policy; per-subset policy is reported', () => {
    const r = importText(readFileSync('test/interop/fixtures/istio-port-level.yaml', 'utf8'), 'pls.yaml');
    expect(r.policy.destinations[0]).toMatchObject({
      loadBalancer: { algorithm: 'least-request' },
      outlierDetection: { consecutive5xxErrors: 2 },
    });
    expect(r.policy.destinations[0]!.connectionPool).toBeUndefined();
    expect(r.report.approximated.map((n) => n.path)).toContain('spec.trafficPolicy.portLevelSettings[0]');
    expect(r.report.unmapped.find((n) => n.path === 'spec.subsets[0].trafficPolicy')!.note).toMatch(
      /per-subset/,
    );
  });

  it('Linkerd with a Gateway API HTTPRoute and an SMI TrafficSplit (as linkerd-smi uses it)', () => {
    const r = withTopo(
      'gw.yaml',
      `apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: { name: reviews, annotations: { timeout.linkerd.io/request: 1500ms } }
spec:
  parentRefs: [ { group: core, kind: Service, name: reviews, port: 9080 } ]
  rules:
    - matches: [ { path: { type: PathPrefix, value: /reviews } } ]
      backendRefs: [ { name: reviews-v2, port: 9080 } ]
---
apiVersion: split.smi-spec.io/v1alpha2
kind: TrafficSplit
metadata: { name: details }
spec:
  service: details
  backends: [ { service: details-v1, weight: 1 } ]
`,
    );
    expect(r.report.dialect).toBe('linkerd');
    const reviews = r.policy.destinations.find((d) => d.service === 'reviews')!;
    expect(reviews.routes).toEqual([
      { match: { headers: {}, path: { prefix: '/reviews' } }, split: { v2: 1 }, timeout: 1500 },
    ]);
    expect(r.policy.destinations.find((d) => d.service === 'details')!.routes).toEqual([
      { split: { v1: 1 } },
    ]);
  });
});
