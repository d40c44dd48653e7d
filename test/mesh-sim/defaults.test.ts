/**
 * What a mesh does when a destination has no retry policy: the chosen product's defaults
 * (docs/policies.md; Istio 1.24 release notes, Linkerd retries docs): Istio ≥ 1.24 retries connection failures twice, Istio ≤ 1.23
 * also 503s, Linkerd retries nothing.
 */
import { describe, expect, it } from 'vitest';
import { runScenario } from '../../simulator/sim/run.ts';
import type { RunResult } from '../../simulator/telemetry/types.ts';
import { scenarioFromYaml } from '../helpers/load.ts';

const app = `
apiVersion: meshdojo/v1
kind: Topology
metadata: { name: two-backs }
spec:
  entry: { service: front, endpoint: GET / }
  services:
    - { name: front, concurrency: 256, endpoints: [ { name: GET /, serviceTime: 1ms, calls: [ { service: back, timeout: 2s } ] } ] }
    - { name: back, replicas: 2, concurrency: 64, endpoints: [ { name: GET /, serviceTime: 2ms } ] }
---
apiVersion: meshdojo/v1
kind: LoadProfile
metadata: { name: load }
spec: { executor: constant-arrival-rate, arrivals: uniform, rate: 500, duration: 20s }
`;
const kill = `
apiVersion: meshdojo/v1
kind: ChaosExperiment
metadata: { name: kill-one }
spec:
  faults: [ { type: kill, target: { service: back, count: 1 }, at: 5s } ]
`;
const abort = `
apiVersion: meshdojo/v1
kind: ChaosExperiment
metadata: { name: half-503 }
spec:
  faults: [ { type: abort, target: { service: back }, at: 0s, percent: 50, status: 503 } ]
`;
const mesh = (profile: string, defaults = '') => `
apiVersion: meshdojo/v1
kind: MeshPolicy
metadata: { name: m }
spec:
  dataPlane: { profile: ${profile} }
${defaults ? `  defaults: ${defaults}\n` : ''}`;
const edge = (r: RunResult) => r.edges.find((e) => e.from === 'front' && e.to === 'back')!;

describe('product default retries', () => {
  it('a killed instance: Istio retries the connection failures on the other host; Linkerd and no mesh do not', () => {
    const istio = runScenario(
      scenarioFromYaml({ 'a.yaml': app, 'c.yaml': kill, 'm.yaml': mesh('istio-sidecar') }),
    );
    const linkerd = runScenario(
      scenarioFromYaml({ 'a.yaml': app, 'c.yaml': kill, 'm.yaml': mesh('linkerd') }),
    );
    const none = runScenario(scenarioFromYaml({ 'a.yaml': app, 'c.yaml': kill }));
    // Nearly every connection failure is retried on the live host; a handful of requests draw the
    // dead host on all three tries (Envoy's previous-host predicate is best effort: a few re-picks).
    expect(edge(istio).attemptFailures['connect-failure']).toBeGreaterThan(150);
    expect(edge(istio).retries).toBeGreaterThan(150);
    expect(edge(istio).failed).toBeLessThan(10);
    // Until readiness removes the dead pod (1 s), about half of the calls hit it.
    for (const r of [linkerd, none]) {
      expect(edge(r).retries).toBe(0);
      expect(edge(r).failures['connect-failure']).toBeGreaterThan(150);
      expect(edge(r).failures['connect-failure']).toBeLessThan(350);
    }
  });

  it('503s: Istio ≥ 1.24 does not retry them, Istio ≤ 1.23 did (2 retries: 0.5³ = 12.5% still fail)', () => {
    const now = runScenario(
      scenarioFromYaml({ 'a.yaml': app, 'c.yaml': abort, 'm.yaml': mesh('istio-sidecar') }),
    );
    const old = runScenario(
      scenarioFromYaml({ 'a.yaml': app, 'c.yaml': abort, 'm.yaml': mesh('istio-sidecar', 'istio-1.23') }),
    );
    const rate = (r: RunResult) => edge(r).failed / edge(r).requests;
    expect(Math.abs(rate(now) - 0.5)).toBeLessThan(0.02);
    expect(edge(now).retries).toBe(0);
    expect(Math.abs(rate(old) - 0.125)).toBeLessThan(0.015);
    expect(edge(old).retries).toBeGreaterThan(5000);
  });
});

describe('panic threshold (mesh-semantics.md §1.4, §5.6)', () => {
  const single = `
apiVersion: meshdojo/v1
kind: Topology
metadata: { name: single }
spec:
  entry: { service: front, endpoint: GET / }
  services:
    - { name: front, concurrency: 256, endpoints: [ { name: GET /, serviceTime: 1ms, calls: [ { service: back } ] } ] }
    - { name: back, endpoints: [ { name: GET /, serviceTime: 1ms } ] }
---
apiVersion: meshdojo/v1
kind: LoadProfile
metadata: { name: l }
spec: { executor: constant-arrival-rate, rate: 100, duration: 20s }
`;
  const sick = `
apiVersion: meshdojo/v1
kind: ChaosExperiment
metadata: { name: sick }
spec:
  faults: [ { type: abort, target: { service: back }, at: 2s, duration: 5s, percent: 100, status: 503 } ]
`;
  const od = (profile: string) => `
apiVersion: meshdojo/v1
kind: MeshPolicy
metadata: { name: od }
spec:
  dataPlane: { profile: ${profile} }
  destinations:
    - service: back
      outlierDetection: { consecutive5xxErrors: 5, interval: 1s, baseEjectionTime: 10s, maxEjectionPercent: 100 }
`;
  it('Istio (no panic mode): ejecting the only pod leaves no healthy upstream (503 UH) until it returns', () => {
    const r = runScenario(
      scenarioFromYaml({ 'a.yaml': single, 'c.yaml': sick, 'm.yaml': od('istio-sidecar') }),
    );
    expect(edge(r).failures['no-healthy-upstream']).toBeGreaterThan(800); // ~10 s of 100/s
  });

  it('Kuma (Envoy panic threshold 50 %): the ejection is ignored, traffic still reaches the pod', () => {
    const r = runScenario(scenarioFromYaml({ 'a.yaml': single, 'c.yaml': sick, 'm.yaml': od('kuma') }));
    expect(r.events.some((e) => e.kind === 'ejection')).toBe(true);
    expect(edge(r).failures['no-healthy-upstream'] ?? 0).toBe(0);
    expect(r.services.back.requests).toBeGreaterThan(1900);
  });
});
