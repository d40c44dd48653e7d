/**
 * The compiled world: a ScenarioSpec turned into arrays of services, instances, nodes, proxies and
 * edges indexed by small integers, so the request lifecycle never looks anything up by name.
 */
import { ToxicStack } from '../mesh/toxics.ts';
import { DistributionSampler } from '../engine/distributions.ts';
import type { TimerLane } from '../engine/timer-lane.ts';
import type { Rng } from '../engine/types.ts';
import type { RequestInfo } from '../mesh/types.ts';
import type { CallSpec, EndpointSpec, OnError, ScenarioSpec, ServiceSpec } from '../model/types.ts';
import type { Invocation } from './lifecycle-types.ts';
import type { Cluster } from '../mesh/cluster.ts';
import type { Proxy } from './proxy.ts';

export const ON_ERROR_FAIL = 0;
export const ON_ERROR_FALLBACK = 1;
export const ON_ERROR_IGNORE = 2;
const onErrorCode: Record<OnError, number> = {
  fail: ON_ERROR_FAIL,
  fallback: ON_ERROR_FALLBACK,
  ignore: ON_ERROR_IGNORE,
};

export interface CompiledCall {
  target: number; // service id
  endpoint: number; // service-level endpoint index on the target
  timeout: number; // ms, Infinity = none
  retries: number;
  onError: number;
  probability: number;
  times: number;
  edge: number;
  /** What proxies see of this call, per header set (filled lazily by the data plane). */
  requests: (RequestInfo | undefined)[];
  /** The clock's lane for `timeout` (resolved once by the data plane; null until then). */
  lane?: TimerLane | null;
}

export interface CompiledEndpoint {
  name: string;
  method: string;
  path: string;
  sampler: DistributionSampler;
  errorRate: number;
  idempotent: boolean;
  bytes: number;
  /** Steps: each a group of calls issued together (length 1 = a plain sequential call). */
  steps: CompiledCall[][];
}

export interface SimVersion {
  index: number;
  name: string;
  labels: Record<string, string>;
  /** Indexed by the service-level endpoint index; undefined when this version lacks it. */
  endpoints: (CompiledEndpoint | undefined)[];
  instances: SimInstance[];
}

export interface SimService {
  id: number;
  name: string;
  spec: ServiceSpec;
  inMesh: boolean;
  endpointNames: string[];
  versions: SimVersion[];
  instances: SimInstance[];
  rng: Rng;
  // Busy-slot integral for utilisation (exact, updated at each change).
  busy: number;
  busyArea: number;
  busyLastT: number;
  slotsTotal: number;
  inFlight: number;
  /** Core·ms of compute on CPU-limited instances (processor sharing). */
  cpuBusy: number;
  /** Bumped whenever an instance's readiness changes (keys the balancers' candidate caches). */
  readinessEpoch: number;
}

export interface SimNode {
  id: number;
  name: string;
  cores: number;
  up: boolean;
  /** The shared proxy of this node in `per-node` mode. */
  proxy: Proxy | null;
}

export interface SimInstance {
  id: number;
  name: string;
  svc: SimService;
  version: SimVersion;
  /** Index within the service's instance list (the balancers' host index). */
  hostIndex: number;
  node: SimNode;
  slots: number;
  busy: number;
  queue: (Invocation | undefined)[];
  qHead: number;
  qLen: number;
  qCap: number;
  maxQueue: number;
  /** Requests that reached this instance's endpoint (for per-version counts). */
  served: number;
  /** Invocations holding a worker slot, for resets when the instance dies. */
  active: Invocation[];
  /** Process up (accepts connections). */
  up: boolean;
  /** In the service's endpoints (Kubernetes readiness): proxies and kube-proxy only pick ready ones. */
  ready: boolean;
  paused: boolean;
  frozen: Invocation[];
  /** Incarnation: bumped on each crash so that events of a dead process are ignored. */
  epoch: number;
  /** Destination clients of this instance's outbound proxy, by service id (a cache). */
  clients: (Cluster | undefined)[];
  /** Inbound proxy (its sidecar, or its node's proxy), null without a data plane. */
  proxy: Proxy | null;
  cpu: number; // cores, Infinity = no CPU limit (no processor sharing)
  ps: ProcessorSharing | null;
  /** Chaos faults in force on this instance, stacked per direction as Toxiproxy's toxics. */
  toxics: ToxicStack;
  cpuMultiplier: number;
}

export interface ProcessorSharing {
  v: number;
  lastT: number;
  jobs: Invocation[]; // sorted by finishV
  timer: number;
}

export interface SimEdge {
  id: number;
  from: number; // service id, -1 = client
  to: number;
  key: string;
}

export interface World {
  services: SimService[];
  serviceByName: Map<string, SimService>;
  nodes: SimNode[];
  instances: SimInstance[];
  edges: SimEdge[];
  /** Network: one-way latency and jitter between node i and j at [i * n + j]. */
  latency: Float64Array;
  jitter: Float64Array;
  connectTimeout: number;
  /** Where load arrives: the topology's entry, or the load's request mix (weights relative). */
  entries: { service: SimService; endpoint: number; edge: number; weight: number }[];
}

/** `GET /reviews/0` → method and path (a name without a method is a GET of that path). */
export function splitEndpointName(name: string): { method: string; path: string } {
  const m = /^([A-Z]+)\s+(\S.*)$/.exec(name);
  return m ? { method: m[1], path: m[2] } : { method: 'GET', path: name.startsWith('/') ? name : `/${name}` };
}

export function compileWorld(scenario: ScenarioSpec, rootRng: Rng): World {
  const topo = scenario.topology;
  const nodes: SimNode[] = topo.nodes.map((n, id) => ({
    id,
    name: n.name,
    cores: n.cores,
    up: true,
    proxy: null,
  }));
  const nodeByName = new Map(nodes.map((n) => [n.name, n]));
  const nn = nodes.length;
  const latency = new Float64Array(nn * nn);
  const jitter = new Float64Array(nn * nn);
  for (let i = 0; i < nn; i++)
    for (let j = 0; j < nn; j++) {
      const same = i === j;
      latency[i * nn + j] = same ? topo.network.sameNode.latency : topo.network.crossNode.latency;
      jitter[i * nn + j] = same ? topo.network.sameNode.jitter : topo.network.crossNode.jitter;
    }
  for (const l of topo.network.links) {
    const a = nodeByName.get(l.from)!.id;
    const b = nodeByName.get(l.to)!.id;
    latency[a * nn + b] = latency[b * nn + a] = l.latency;
    jitter[a * nn + b] = jitter[b * nn + a] = l.jitter;
  }

  const services: SimService[] = topo.services.map((spec, id) => {
    const names: string[] = [];
    for (const v of spec.versions)
      for (const e of v.endpoints) if (!names.includes(e.name)) names.push(e.name);
    return {
      id,
      name: spec.name,
      spec,
      inMesh: spec.inMesh,
      endpointNames: names,
      versions: [],
      instances: [],
      rng: rootRng.stream(`svc:${spec.name}`),
      busy: 0,
      busyArea: 0,
      busyLastT: 0,
      slotsTotal: 0,
      inFlight: 0,
      cpuBusy: 0,
      readinessEpoch: 0,
    };
  });
  const serviceByName = new Map(services.map((s) => [s.name, s]));

  const edges: SimEdge[] = [];
  const edgeIndex = new Map<string, number>();
  const edgeOf = (from: number, to: number): number => {
    const key = `${from < 0 ? 'client' : services[from].name}->${services[to].name}`;
    let id = edgeIndex.get(key);
    if (id === undefined) {
      id = edges.length;
      edges.push({ id, from, to, key });
      edgeIndex.set(key, id);
    }
    return id;
  };

  const entrySvc = serviceByName.get(scenario.load?.entry?.service ?? topo.entry.service)!;
  const mix = scenario.load?.requests ?? [];
  const entries = (
    mix.length
      ? mix.map((r) => ({
          svc: serviceByName.get(r.service ?? entrySvc.name)!,
          endpoint: r.endpoint,
          weight: r.weight,
        }))
      : [{ svc: entrySvc, endpoint: scenario.load?.entry?.endpoint ?? topo.entry.endpoint, weight: 1 }]
  ).map((e) => ({
    service: e.svc,
    endpoint: Math.max(0, e.svc.endpointNames.indexOf(e.endpoint)),
    edge: edgeOf(-1, e.svc.id),
    weight: e.weight,
  }));

  const compileCall = (from: SimService, c: CallSpec): CompiledCall => {
    const target = serviceByName.get(c.service)!;
    return {
      target: target.id,
      endpoint: Math.max(0, target.endpointNames.indexOf(c.endpoint)),
      timeout: c.timeout ?? Infinity,
      retries: c.retries,
      onError: onErrorCode[c.onError],
      probability: c.probability,
      times: c.times,
      edge: edgeOf(from.id, target.id),
      requests: [],
      lane: null,
    };
  };
  const compileEndpoint = (svc: SimService, e: EndpointSpec): CompiledEndpoint => ({
    name: e.name,
    ...splitEndpointName(e.name),
    sampler: new DistributionSampler(e.serviceTime),
    errorRate: e.errorRate,
    idempotent: e.idempotent,
    bytes: e.responseBytes,
    steps: e.calls.map((step) =>
      step.kind === 'call' ? [compileCall(svc, step.call)] : step.calls.map((c) => compileCall(svc, c)),
    ),
  });

  const instances: SimInstance[] = [];
  for (const svc of services) {
    const spec = svc.spec;
    const placement = spec.placement.length ? spec.placement.map((n) => nodeByName.get(n)!) : nodes;
    let k = 0;
    spec.versions.forEach((vs, vi) => {
      const version: SimVersion = {
        index: vi,
        name: vs.name,
        labels: vs.labels,
        endpoints: svc.endpointNames.map((name) => {
          const e = vs.endpoints.find((x) => x.name === name);
          return e ? compileEndpoint(svc, e) : undefined;
        }),
        instances: [],
      };
      svc.versions.push(version);
      for (let r = 0; r < vs.replicas; r++) {
        const inst: SimInstance = {
          id: instances.length,
          name: `${svc.name}-${vs.name}-${r}`,
          svc,
          version,
          hostIndex: svc.instances.length,
          node: placement[k++ % placement.length],
          slots: spec.concurrency,
          busy: 0,
          queue: new Array(Math.min(spec.queue, 1024)),
          qHead: 0,
          qLen: 0,
          qCap: spec.queue,
          maxQueue: 0,
          served: 0,
          active: [],
          up: true,
          ready: true,
          paused: false,
          frozen: [],
          epoch: 0,
          proxy: null,
          clients: [],
          cpu: spec.cpu ?? Infinity,
          ps: spec.cpu !== undefined ? { v: 0, lastT: 0, jobs: [], timer: 0 } : null,
          toxics: new ToxicStack(),
          cpuMultiplier: 1,
        };
        instances.push(inst);
        svc.instances.push(inst);
        version.instances.push(inst);
        svc.slotsTotal += inst.slots;
      }
    });
  }

  return {
    services,
    serviceByName,
    nodes,
    instances,
    edges,
    latency,
    jitter,
    connectTimeout: topo.network.connectTimeout,
    entries,
  };
}
