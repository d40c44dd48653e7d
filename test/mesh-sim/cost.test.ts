/**
 * "What does a mesh cost my topology?": proxies add latency, CPU and memory per the profile's
 * published figures, and a proxy saturates like any server when requests outrun its cores.
 */
import { describe, expect, it } from 'vitest';
import { runScenario } from '../../simulator/sim/run.ts';
import { loadFiles } from '../../simulator/cli/files.ts';
import { parseDocuments } from '../../simulator/model/load.ts';
import type { MeshPolicySpec } from '../../simulator/model/types.ts';
import { scenarioFromFiles, scenarioFromYaml } from '../helpers/load.ts';

const profile = (name: string): MeshPolicySpec[] =>
  parseDocuments(
    `apiVersion: meshdojo/v1\nkind: MeshPolicy\nmetadata: { name: p }\nspec: { dataPlane: { profile: ${name} } }\n`,
    'p.yaml',
  ).map((d) => d.value as MeshPolicySpec);

describe('data-plane cost on Bookinfo', () => {
  const run = (name: string) =>
    runScenario(
      scenarioFromFiles(['topologies/bookinfo.yaml'], {
        duration: 30_000,
        policies: name === 'none' ? [] : profile(name),
      }),
    );
  const none = run('none');
  const istio = run('istio-sidecar');
  const linkerd = run('linkerd');
  const ambient = run('istio-ambient');

  it('counts the proxies of each shape: a sidecar per pod, one ztunnel per node', () => {
    const pods = loadFiles(['topologies/bookinfo.yaml']).topology!.services.reduce(
      (n, s) => n + s.versions.reduce((m, v) => m + v.replicas, 0),
      0,
    );
    expect(none.mesh).toMatchObject({ profile: 'none', proxies: 0, cpuCores: 0, memoryMB: 0 });
    expect(istio.mesh.proxies).toBe(pods);
    expect(linkerd.mesh.proxies).toBe(pods);
    expect(ambient.mesh.proxies).toBe(1);
    expect(istio.mesh.memoryMB).toBe(pods * 60);
  });

  it('orders the products as their published benchmarks do: ambient < Linkerd < Istio sidecars in CPU', () => {
    expect(ambient.mesh.cpuCores).toBeGreaterThan(0);
    expect(ambient.mesh.cpuCores).toBeLessThan(linkerd.mesh.cpuCores);
    expect(linkerd.mesh.cpuCores).toBeLessThan(istio.mesh.cpuCores);
    // Every page crosses its hops' proxies: the added latency shows at the entry.
    expect(istio.mesh.addedLatencyMsPerRequest).toBeGreaterThan(0.3);
    expect(istio.summary.latencyMs.mean - none.summary.latencyMs.mean).toBeGreaterThan(0.3);
    expect(ambient.summary.latencyMs.mean - none.summary.latencyMs.mean).toBeLessThan(
      istio.summary.latencyMs.mean - none.summary.latencyMs.mean,
    );
  });
});

describe('proxy capacity', () => {
  const app = (rate: number) => `
apiVersion: meshdojo/v1
kind: Topology
metadata: { name: hot }
spec:
  entry: { service: front, endpoint: GET / }
  services:
    - { name: front, concurrency: 100000, queue: 0, endpoints: [ { name: GET /, serviceTime: 10us, calls: [ { service: api } ] } ] }
    - { name: api, concurrency: 100000, queue: 0, endpoints: [ { name: GET /, serviceTime: 10us } ] }
---
apiVersion: meshdojo/v1
kind: LoadProfile
metadata: { name: l }
spec: { executor: constant-arrival-rate, rate: ${rate}, duration: 10s }
`;
  const mesh = `apiVersion: meshdojo/v1\nkind: MeshPolicy\nmetadata: { name: m }\nspec: { dataPlane: { profile: istio-sidecar } }\n`;

  it('an Envoy sidecar (2 workers × 0.2 ms per request) keeps up at 60% and falls behind at 120%', () => {
    // front's sidecar carries each request twice (inbound, then outbound to api): 3000 pages/s = 6000 traversals/s.
    const ok = runScenario(scenarioFromYaml({ 'a.yaml': app(3000), 'm.yaml': mesh }));
    const over = runScenario(scenarioFromYaml({ 'a.yaml': app(6000), 'm.yaml': mesh }));
    expect(ok.summary.latencyMs.p99).toBeLessThan(5);
    expect(over.summary.latencyMs.p99).toBeGreaterThan(100); // the proxy's backlog grows for 10 s
    expect(over.mesh.cpuCores).toBeGreaterThan(ok.mesh.cpuCores);
  });
});
