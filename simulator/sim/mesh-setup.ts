/**
 * Builds the data plane a scenario asks for: proxies (sidecars, per-node proxies, a waypoint) with
 * the chosen profile's costs, and for each (caller proxy, destination) the mesh core's decision
 * objects from the MeshPolicy documents, over the product's defaults. Limits and detectors are
 * per client proxy, as in Envoy.
 */
import type { VirtualClock } from '../engine/clock.ts';
import { makeSampler } from '../engine/distributions.ts';
import type { Rng } from '../engine/types.ts';
import type { DestinationPolicySpec, MeshPolicySpec, MtlsMode, ScenarioSpec } from '../model/types.ts';
import { createBalancer } from '../mesh/balancer.ts';
import { Cluster, type ClusterPolicy } from '../mesh/cluster.ts';
import type { Exchange } from '../mesh/exchange.ts';
import { CanaryController } from '../mesh/canary.ts';
import { CircuitBreaker } from '../mesh/breaker.ts';
import { getDefaults, UNLIMITED, type ProductDefaults } from '../mesh/defaults.ts';
import { FaultInjector } from '../mesh/fault.ts';
import { OutlierDetector } from '../mesh/outlier.ts';
import { ConnectionPool } from '../mesh/pool.ts';
import { getProfile, type DataPlaneProfile, type ProfileName } from '../mesh/profiles.ts';
import { createRetryGate } from '../mesh/retry-budget.ts';
import { RetryPolicy } from '../mesh/retry.ts';
import { Router } from '../mesh/router.ts';
import { Authorizer, spiffeId } from '../mesh/security.ts';
import type { MeshEvent } from '../mesh/types.ts';
import { LatencyHistogram } from '../telemetry/histogram.ts';
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

/** Later documents override earlier ones, destination by destination. */
function mergeDestinations(policies: MeshPolicySpec[]): Map<string, DestinationPolicySpec> {
  const m = new Map<string, DestinationPolicySpec>();
  for (const p of policies) for (const d of p.destinations) m.set(d.service, { ...m.get(d.service), ...d });
  return m;
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
  const defaultsKey = policies.find((p) => p.defaults !== undefined)?.defaults ?? profile.defaults;
  const defaults: ProductDefaults = getDefaults(defaultsKey);
  const destinations = mergeDestinations(policies);
  const security = policies.length ? policies[policies.length - 1].security : undefined;
  const mtls: MtlsMode = security?.mtls ?? defaults.mtls;
  const rules = policies.flatMap((p) => p.security.authorization);
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
      makeSampler(cost.latency),
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
    const policy: ClusterPolicy = {};
    const dest = destinations.get(svc.name);
    const routeTimeout = dest?.timeout ?? defaults.timeout;
    policy.routeTimeoutMs = routeTimeout ?? Infinity;
    const canary = canaries.find((k) => k.spec.service === svc.name);
    const routes = dest?.routes.length
      ? dest.routes
      : canary
        ? [{ split: { [canary.spec.stable]: 100, [canary.spec.canary]: 0 } }]
        : [];
    if (routes.length) {
      const router = new Router(
        routes,
        svc.versions.map((v) => v.name),
        { timeout: routeTimeout },
      );
      policy.router = router;
      const list = routersByService.get(svc.name) ?? [];
      list.push(router);
      routersByService.set(svc.name, list);
      if (canary) setCanaryWeight(router, canary.spec.stable, canary.spec.canary, canary.ctl.canaryWeight);
    }
    const retrySpec = dest?.retries ?? defaults.retries;
    if (retrySpec && retrySpec.attempts > 0) policy.retry = new RetryPolicy(retrySpec);
    // Thresholds the policy leaves out take the product's defaults.
    const poolSpec = { ...defaults.connectionPool, ...dest?.connectionPool };
    if (policy.retry) {
      policy.retryGate = createRetryGate(dest?.retryBudget ?? defaults.retryBudget, poolSpec.maxRetries);
    }
    if (
      poolSpec.maxConnections < UNLIMITED ||
      poolSpec.maxRequests < UNLIMITED ||
      poolSpec.maxPendingRequests < UNLIMITED
    )
      policy.pool = new ConnectionPool<Exchange>(poolSpec);
    const given = dest?.outlierDetection ?? defaults.outlierDetection;
    // A field the policy leaves out takes the product's default (Istio: no panic mode; Envoy: 50 %).
    const outlierSpec = given && {
      ...given,
      minHealthPercent: given.minHealthPercent ?? defaults.minHealthPercent,
    };
    if (outlierSpec) {
      const od = new OutlierDetector(outlierSpec, svc.instances.length, clock, {
        subject: label,
        hostNames: svc.instances.map((i) => i.name),
        sink: meshSink,
      });
      od.start();
      outlierDetectors.push(od);
      policy.outlier = od;
    }
    if (dest?.circuitBreaker) {
      const b = new CircuitBreaker(dest.circuitBreaker, clock, { subject: label, sink: meshSink });
      breakers.push(b);
      policy.breaker = b;
    }
    policy.balancer = createBalancer(dest?.loadBalancer ?? defaults.loadBalancer, lbRng.stream(label));
    if (dest?.faults) {
      const f = new FaultInjector(dest.faults);
      if (f.active) policy.fault = f;
    }
    policy.deadlinePropagation = dest?.deadlinePropagation ?? false;
    policy.rerouteOnRetry = defaults.retryRebalancesSplit;
    return new Cluster(endpoints, policy, meshRng, label);
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
  const canaries = policies
    .flatMap((p) => p.canaries)
    .map((spec) => ({
      spec,
      ctl: new CanaryController(spec, clock, { sink: meshSink }),
      served: 0,
      ok: 0,
      hist: new LatencyHistogram(),
      svcId: world.serviceByName.get(spec.service)?.id ?? -1,
    }));
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
            k.served++;
            if (ok) k.ok++;
            k.hist.record(latencyMs);
          }
        }
      : null;

  return {
    profile,
    options: { outboundProxy, makeClient, inboundCheck, identityOf, onServed },
    attach: () => {
      for (const k of canaries) {
        // Push the interval's analysis just before the controller's own tick (same instant, earlier timer).
        const push = (): void => {
          k.ctl.analyse({
            successRate: k.served ? k.ok / k.served : 1,
            p99Ms: k.hist.count ? k.hist.percentile(99) : 0,
            requests: k.served,
          });
          k.served = 0;
          k.ok = 0;
          k.hist.reset();
          clock.schedule(k.spec.interval, push);
        };
        clock.schedule(k.spec.interval, push);
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
