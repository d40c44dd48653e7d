/** Hand-built normalised scenarios for engine tests (independent of the YAML loader). */
import type {
  Distribution,
  EndpointSpec,
  LoadProfileSpec,
  ScenarioSpec,
  ServiceSpec,
  TopologySpec,
} from '../../simulator/model/types.ts';

export function endpoint(
  name: string,
  serviceTime: Distribution,
  extra: Partial<EndpointSpec> = {},
): EndpointSpec {
  return { name, serviceTime, errorRate: 0, idempotent: true, responseBytes: 1024, calls: [], ...extra };
}

export function service(
  name: string,
  endpoints: EndpointSpec[],
  extra: Partial<ServiceSpec> = {},
): ServiceSpec {
  return {
    name,
    labels: { app: name },
    concurrency: 16,
    queue: 128,
    placement: [],
    inMesh: true,
    versions: [{ name: 'v1', labels: { version: 'v1' }, replicas: 1, endpoints }],
    ...extra,
  };
}

export function topology(services: ServiceSpec[], entry = services[0]): TopologySpec {
  return {
    name: 'test',
    entry: { service: entry.name, endpoint: entry.versions[0].endpoints[0].name },
    nodes: [{ name: 'node-1', cores: 4 }],
    network: {
      sameNode: { latency: 0, jitter: 0 },
      crossNode: { latency: 0.5, jitter: 0.1 },
      links: [],
      connectTimeout: 1000,
    },
    services,
  };
}

export function poisson(
  rate: number,
  duration: number,
  extra: Partial<LoadProfileSpec> = {},
): LoadProfileSpec {
  return {
    name: 'load',
    executor: 'constant-arrival-rate',
    arrivals: 'poisson',
    rate,
    duration,
    timeout: 60000,
    retries: { attempts: 0, backoff: 1000 },
    headers: [],
    thresholds: [],
    ...extra,
  } as LoadProfileSpec;
}

export function scenario(
  topology: TopologySpec,
  load: LoadProfileSpec,
  extra: Partial<ScenarioSpec> = {},
): ScenarioSpec {
  return {
    name: 'test',
    topology,
    policies: [],
    load,
    chaos: [],
    seed: 1,
    interval: 1000,
    sampling: { traces: 0, accessLogs: 0 },
    ...extra,
  };
}

/** M/c queue: one service with c slots and an unbounded-enough queue. */
export function queueingScenario(
  c: number,
  dist: Distribution,
  rate: number,
  duration: number,
  seed = 1,
): ScenarioSpec {
  const svc = service('api', [endpoint('GET /', dist)], { concurrency: c, queue: 1_000_000 });
  return scenario(topology([svc]), poisson(rate, duration), { seed });
}
