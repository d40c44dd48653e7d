/**
 * Istio's own tasks on the real Bookinfo, reproduced: the figures are what istio.io shows
 * (fault-injection task: the page gives up on reviews after about 6 s; request-timeouts task:
 * the page answers in about 1 s), derived from productpage's code (3 s timeout, tried twice).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { runScenario } from '../../simulator/sim/run.ts';
import { scenarioFromYaml } from '../helpers/load.ts';

const bookinfoFile = readFileSync('topologies/bookinfo.yaml', 'utf8');
/** Bookinfo at 2 pages per second, the pace of someone following the task in a browser. */
const bookinfo = bookinfoFile
  .replace(/rate: \d+\n/, 'rate: 2\n')
  .replace(/duration: \w+\n/, 'duration: 60s\n');
const bookinfoTopologyOnly = bookinfoFile.split(/^---$/m)[0];
const jasonLoad = `
apiVersion: meshdojo/v1
kind: LoadProfile
metadata: { name: jason }
spec:
  executor: constant-arrival-rate
  arrivals: uniform
  rate: 2
  duration: 60s
  headers: [ { name: end-user, value: jason, percent: 100 } ]
`;

describe('Bookinfo golden cases (Istio tasks)', () => {
  it('fault injection: a 7 s delay on ratings for jason — productpage gives up on reviews after ≈ 6 s and shows its fallback', () => {
    const policy = `
apiVersion: meshdojo/v1
kind: MeshPolicy
metadata: { name: fault-injection-task }
spec:
  dataPlane: { profile: istio-sidecar }
  destinations:
    - service: reviews
      routes:
        - match: { headers: { end-user: { exact: jason } } }
          split: { v2: 100 }
        - split: { v1: 100 }
    - service: ratings
      faults:
        delay: { percent: 100, fixed: 7s }
        match: { headers: { end-user: { exact: jason } } }
`;
    const r = runScenario(
      scenarioFromYaml(
        { 'bookinfo.yaml': bookinfoTopologyOnly, 'load.yaml': jasonLoad, 'policy.yaml': policy },
        { duration: 75_000 },
      ),
    );
    expect(r.summary.requests).toBeGreaterThan(100);
    // Every page is served (degraded: "reviews are currently unavailable"), after two 3 s tries.
    expect(r.summary.successRate).toBe(1);
    expect(r.summary.degraded).toBe(r.summary.requests);
    expect(r.summary.latencyMs.p50).toBeGreaterThan(6000);
    expect(r.summary.latencyMs.p50).toBeLessThan(6100);
    const pr = r.edges.find((e) => e.from === 'productpage' && e.to === 'reviews')!;
    expect(pr.attempts).toBe(2 * pr.requests);
    expect(pr.failures.timeout).toBe(pr.requests);
    // reviews v2 (10 s ratings timeout) still answers after 7 s: orphaned work.
    expect(r.services.reviews.versions).toMatchObject({ v1: 0, v3: 0 });
    expect(r.services.reviews.orphaned).toBeGreaterThan(0);
  });

  it('request timeouts: reviews route timeout 0.5 s, ratings delayed 2 s — the page answers in ≈ 1 s', () => {
    const policy = `
apiVersion: meshdojo/v1
kind: MeshPolicy
metadata: { name: request-timeouts-task }
spec:
  dataPlane: { profile: istio-sidecar }
  destinations:
    - service: reviews
      routes:
        - split: { v2: 100 }
          timeout: 0.5s
    - service: ratings
      faults: { delay: { percent: 100, fixed: 2s } }
`;
    const r = runScenario(
      scenarioFromYaml({ 'bookinfo.yaml': bookinfo, 'policy.yaml': policy }, { duration: 65_000 }),
    );
    expect(r.summary.successRate).toBe(1);
    expect(r.summary.degraded).toBe(r.summary.requests);
    expect(r.summary.latencyMs.p50).toBeGreaterThan(1000);
    expect(r.summary.latencyMs.p50).toBeLessThan(1100);
    const pr = r.edges.find((e) => e.from === 'productpage' && e.to === 'reviews')!;
    expect(pr.attemptFailures['route-timeout']).toBe(pr.attempts);
  });
});
