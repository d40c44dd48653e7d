/**
 * Builds the data plane a scenario asks for: proxies (sidecars, per-node proxies, a waypoint) with
 * the chosen profile's costs, and for each (caller proxy, destination) the mesh core's decision
 * objects from the MeshPolicy documents, over the product's defaults. Limits and detectors are
 * per client proxy, as in Envoy.
 */
import type { VirtualClock } from '../engine/clock.ts';
import { DistributionSampler } from '../engine/distributions.ts';
import type { Rng } from '../engine/types.ts';
import type { MeshPolicySpec, MtlsMode, ScenarioSpec } from '../model/types.ts';
import { Cluster } from '../mesh/cluster.ts';
import { buildPolicyCluster } from '../mesh/policy-cluster.ts';
import { CanaryController, type CanaryAnalysis } from '../control/canary.ts';
import { CircuitBreaker } from '../mesh/breaker.ts';
import { resolvePolicies } from '../mesh/resolve.ts';
import { OutlierDetector } from '../mesh/outlier.ts';
import { getProfile, type DataPlaneProfile, type ProfileName } from './profiles.ts';
import { Router } from '../mesh/router.ts';
import { Authorizer, spiffeId } from '../mesh/security.ts';
import type { MeshEvent } from '../mesh/types.ts';
import { CanaryWindow } from './canary-window.ts';
import type { MeshCost } from '../telemetry/types.ts';
import { C_DENIED, C_MTLS } from './causes.ts';
import type { DataPlane, DataPlaneOptions, InboundCheck } from './dataplane.ts';
import { ServiceEndpoints } from './service-endpoints.ts';
import { Proxy } from './proxy.ts';
import type { Sink } from './sink.ts';
import type { SimInstance, SimService, World } from './world.ts';

export interface MeshSetup {
  profile: DataPlaneProfile;
  options: Pick<
    DataPlaneOptions,
    'outboundProxy' | 'makeClient' | 'inboundCheck' | 'identityOf' | 'onServed'
  >;
  attach(dp: DataPlane): void;
  finish(durationMs: number): void;
  cost(durationMs: number, entryRequests: number): MeshCost;
}

/** The identity of traffic entering through the mesh's ingress gateway. */
export const INGRESS_IDENTITY = 'spiffe://cluster.local/ns/istio-system/sa/istio-ingressgateway';

/** The data-plane profile a set of policies selects (no policy: no mesh). */
export function chooseProfile(policies: MeshPolicySpec[]): DataPlaneProfile {
  const p = policies.find((x) => x.dataPlane.profile !== undefined) ?? policies[0];
  if (!p) return getProfile('none');
  if (p.dataPlane.profile) return getProfile(p.dataPlane.profile);
  const byMode: Record<string, ProfileName> = {
    none: 'none',
    sidecar: 'istio-sidecar',
    'per-node': 'istio-ambient-waypoint',
  };
  return getProfile(byMode[p.dataPlane.mode]);
}

export function buildMesh(
  scenario: ScenarioSpec,
  world: World,
  clock: VirtualClock,
  rng: Rng,
  sink: Sink,
): MeshSetup {
  const policies = scenario.policies;
  const profile = chooseProfile(policies);
  const resolved = resolvePolicies(policies, profile.defaults);
  const mtls: MtlsMode = resolved.mtls;
  const rules = resolved.authorization;
  const meshOn = profile.mode !== 'none';
  const lbRng = rng.stream('lb');
  const outlierDetectors: OutlierDetector[] = [];
  const breakers: CircuitBreaker[] = [];
  const routersByService = new Map<string, Router[]>();

  const meshSink = (now: number, e: MeshEvent): void => {
    sink.event({ t: now, kind: e.kind, subject: e.subject, state: e.state, reason: e.reason });
    if (e.kind === 'canary') applyCanaryWeights();
  };

  // ── proxies ──
  const proxies: Proxy[] = [];
  const newProxy = (
    name: string,
    kind: 'sidecar' | 'node' | 'waypoint',
    cost: NonNullable<DataPlaneProfile['proxy']>,
    identity?: string,
  ): Proxy => {
    const p = new Proxy(
      proxies.length,
      name,
      kind,
      cost.workerCores,
      new DistributionSampler(cost.latency),
      cost.cpuMsPerRequest,
      cost.memoryMb,
      identity,
    );
    proxies.push(p);
    return p;
  };
  if (meshOn && profile.proxy) {
    const waypoint = profile.waypoint ? newProxy('waypoint', 'waypoint', profile.waypoint) : null;
    if (profile.mode === 'sidecar') {
      for (const inst of world.instances)
        if (inst.svc.inMesh)
          inst.proxy = newProxy(`${inst.name}.sidecar`, 'sidecar', profile.proxy, spiffeId(inst.svc.name));
    } else {
      for (const node of world.nodes) {
        node.proxy = newProxy(`${node.name}.proxy`, 'node', profile.proxy);
        node.proxy.chain = waypoint;
      }
      for (const inst of world.instances) if (inst.svc.inMesh) inst.proxy = inst.node.proxy;
    }
  }

  const outboundProxy = (inst: SimInstance | null): Proxy | null =>
    inst !== null && inst.svc.inMesh ? inst.proxy : null;

  // ── per (caller proxy, destination) decision objects ──
  const endpointsOf = new Map<number, ServiceEndpoints>();
  const makeClient = (proxy: Proxy | null, svc: SimService, meshRng: Rng): Cluster => {
    const label = `${proxy ? proxy.name.replace(/\.(sidecar|proxy)$/, '') : 'client'} → ${svc.name}`;
    let endpoints = endpointsOf.get(svc.id);
    if (!endpoints) {
      endpoints = new ServiceEndpoints(svc);
      endpointsOf.set(svc.id, endpoints);
    }
    if (!proxy || !profile.supportsL7) return new Cluster(endpoints, {}, meshRng, label);
    const canary = canaries.find((k) => k.spec.service === svc.name);
    const built = buildPolicyCluster({
      dest: resolved.destination(svc.name),
      versions: svc.versions.map((v) => v.name),
      endpoints,
      clock,
      rng: meshRng,
      balancerRng: lbRng.stream(label),
      label,
      hostNames: svc.instances.map((i) => i.name),
      sink: meshSink,
      fallbackRoutes: canary ? [{ split: { [canary.spec.stable]: 100, [canary.spec.canary]: 0 } }] : [],
    });
    if (built.router) {
      const list = routersByService.get(svc.name) ?? [];
      list.push(built.router);
      routersByService.set(svc.name, list);
      if (canary)
        setCanaryWeight(built.router, canary.spec.stable, canary.spec.canary, canary.ctl.canaryWeight);
    }
    if (built.outlier) outlierDetectors.push(built.outlier);
    if (built.breaker) breakers.push(built.breaker);
    return built.cluster;
  };

  // ── callee side: mTLS and authorization ──
  const authorizer = meshOn ? new Authorizer(rules, mtls) : null;
  const needsCheck = authorizer !== null && (mtls === 'strict' || rules.length > 0);
  const inboundCheck: InboundCheck | null = needsCheck
    ? (callerSvc, identity, inst, req) => {
        if (!inst.proxy || !inst.proxy.up) return null; // no proxy in front of it: nothing enforces
        const r = authorizer!.check(identity, inst.svc.name, req, profile.supportsL7);
        if (r.allowed) return null;
        return r.cause === 'mtls' ? { status: 503, cause: C_MTLS } : { status: 403, cause: C_DENIED };
      }
    : null;
  const identityOf = (inst: SimInstance | null, proxy: Proxy | null): string | undefined => {
    if (!meshOn || mtls === 'disable' || !profile.supportsMtls) return undefined;
    if (inst === null) return INGRESS_IDENTITY;
    return proxy && proxy.up ? spiffeId(inst.svc.name) : undefined;
  };

  // ── canaries ──
  const canaries = resolved.canaries.map((spec) => {
    const observed = new CanaryWindow();
    const k = {
      spec,
      ctl: null as unknown as CanaryController,
      window: observed,
      svcId: world.serviceByName.get(spec.service)?.id ?? -1,
    };
    // The controller reads the interval's measurements at its own tick, then they start again.
    const analysis = (): CanaryAnalysis => observed.take();
    k.ctl = new CanaryController(spec, clock, { sink: meshSink, analysis });
    return k;
  });
  function setCanaryWeight(router: Router, stable: string, canary: string, w: number): void {
    for (let i = 0; i < router.routeCount; i++) {
      const names = router.weights(i).map((x) => x.subset);
      if (names.includes(canary) || names.includes(stable)) {
        router.setWeight(i, canary, w);
        router.setWeight(i, stable, 100 - w);
      }
    }
  }
  function applyCanaryWeights(): void {
    for (const k of canaries)
      for (const r of routersByService.get(k.spec.service) ?? [])
        setCanaryWeight(r, k.spec.stable, k.spec.canary, k.ctl.canaryWeight);
  }
  const onServed =
    canaries.length > 0
      ? (inst: SimInstance, latencyMs: number, ok: boolean): void => {
          for (const k of canaries) {
            if (k.svcId !== inst.svc.id || inst.version.name !== k.spec.canary) continue;
            k.window.record(ok, latencyMs);
          }
        }
      : null;

  return {
    profile,
    options: { outboundProxy, makeClient, inboundCheck, identityOf, onServed },
    attach: () => {
      for (const k of canaries) {
        k.ctl.start();
        applyCanaryWeights();
      }
    },
    finish: () => {
      for (const od of outlierDetectors) od.stop();
      for (const b of breakers) b.stop();
      for (const k of canaries) k.ctl.stop();
    },
    cost: (durationMs, entryRequests) => {
      let cpuMs = 0;
      let added = 0;
      let mem = 0;
      for (const p of proxies) {
        cpuMs += p.cpuMs;
        added += p.addedMs;
        mem += p.memoryMB;
      }
      return {
        profile: profile.name,
        proxies: proxies.length,
        addedLatencyMsPerRequest: entryRequests ? round3(added / entryRequests) : 0,
        cpuCoreSeconds: round3(cpuMs / 1000),
        cpuCores: round3(cpuMs / durationMs),
        memoryMB: round3(mem),
        breakers: breakers.map((b) => b.summary()),
        outlierDetectors: outlierDetectors.map((o) => o.summary()),
      };
    },
  };
}

function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}
