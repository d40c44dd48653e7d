/** The documents the model must load exactly as written (from the brief and docs/formats.md). */

export const MM1 = `apiVersion: meshdojo/v1
kind: Topology
metadata: { name: mm1 }
spec:
  entry: { service: api, endpoint: GET / }
  services:
    - name: api
      replicas: 1
      concurrency: 1
      queue: 100000
      endpoints:
        - name: GET /
          serviceTime: { dist: exponential, mean: 10ms }
---
apiVersion: meshdojo/v1
kind: LoadProfile
metadata: { name: steady }
spec:
  executor: constant-arrival-rate
  arrivals: poisson
  rate: 80
  duration: 4h
`;

export const RESILIENT = `apiVersion: meshdojo/v1
kind: MeshPolicy
metadata: { name: resilient }
spec:
  dataPlane: { mode: sidecar }          # none | sidecar | per-node, or a named profile
  destinations:
    - service: reviews
      timeout: 10s
      routes:
        - match: { headers: { end-user: { exact: jason } } }
          split: { v2: 100 }
        - split: { v1: 90, v2: 10 }
    - service: ratings
      retries: { attempts: 3, perTryTimeout: 2s, retryOn: [5xx, connect-failure, reset], backoff: { base: 25ms, max: 250ms } }
      outlierDetection: { consecutive5xxErrors: 5, interval: 10s, baseEjectionTime: 30s, maxEjectionPercent: 50 }
      circuitBreaker: { consecutiveFailures: 5, openFor: 30s, halfOpenRequests: 1 }
      connectionPool: { maxConnections: 100, maxPendingRequests: 10, maxRequests: 100 }
      loadBalancer: least-request
      faults: { delay: { percent: 50, fixed: 5s }, abort: { percent: 0, status: 503 } }
  security:
    mtls: strict                         # disable | permissive | strict
    authorization:
      - { to: ratings, allow: [{ from: reviews }] }
`;

/** A small Bookinfo: productpage → details, reviews (v1 no ratings; v2, v3 → ratings). */
export const BOOKINFO = `apiVersion: meshdojo/v1
kind: Topology
metadata: { name: bookinfo, description: Istio's Bookinfo sample }
spec:
  entry: { service: productpage, endpoint: GET /productpage }
  nodes:
    - { name: node-a }
    - { name: node-b, cores: 8 }
  network:
    links: [ { from: node-a, to: node-b, latency: 2ms } ]
  services:
    - name: productpage
      placement: [node-a]
      endpoints:
        - name: GET /productpage
          serviceTime: { dist: lognormal, median: 4ms, p99: 30ms }
          calls:
            - { service: details, timeout: 3s, onError: fallback }
            - { service: reviews, timeout: 3s, retries: 1, onError: fallback }
    - name: details
      endpoints:
        - { name: GET /details, serviceTime: 2ms }
    - name: reviews
      endpoints:
        - name: GET /reviews
          serviceTime: { dist: uniform, min: 5ms, max: 15ms }
          calls: [ { service: ratings, timeout: 10s } ]
      versions:
        - name: v1
          endpoints: [ { name: GET /reviews, serviceTime: 5ms } ]
        - name: v2
        - name: v3
          labels: { color: red }
          replicas: 2
    - name: ratings
      endpoints:
        - { name: GET /ratings, serviceTime: { dist: normal, mean: 3ms, stddev: 1ms } }
`;
