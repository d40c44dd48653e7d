/**
 * A generated topology of N services for scale tests: a layered call tree (fan-out 2–4 from a
 * frontend), deterministic (no randomness: the shape follows from N alone), with a LoadProfile.
 */
import { stringify } from 'yaml';

export function generatedTopologyYaml(n: number, rate = 200): string {
  const services: Record<string, unknown>[] = [];
  const name = (i: number) => (i === 0 ? 'frontend' : `svc-${String(i).padStart(3, '0')}`);
  // Breadth-first: service i calls services fan·i+1 … fan·i+fan (fan cycles 2, 3, 4).
  let next = 1;
  for (let i = 0; i < n; i++) {
    const fan = 2 + (i % 3);
    const calls: Record<string, unknown>[] = [];
    for (let k = 0; k < fan && next < n; k++, next++) {
      calls.push({ service: name(next), timeout: '2s', onError: 'fallback', probability: i === 0 ? 1 : 0.5 });
    }
    services.push({
      name: name(i),
      replicas: 1 + (i % 2),
      concurrency: 32,
      queue: 64,
      endpoints: [
        {
          name: 'GET /',
          serviceTime: { dist: 'lognormal', median: '1ms', p99: '6ms' },
          ...(calls.length ? { calls } : {}),
        },
      ],
    });
  }
  const topology = {
    apiVersion: 'meshdojo/v1',
    kind: 'Topology',
    metadata: { name: `generated-${n}`, description: `A generated call tree of ${n} services` },
    spec: { entry: { service: 'frontend', endpoint: 'GET /' }, services },
  };
  const load = {
    apiVersion: 'meshdojo/v1',
    kind: 'LoadProfile',
    metadata: { name: `generated-${n}-steady` },
    spec: { executor: 'constant-arrival-rate', arrivals: 'poisson', rate, duration: '1m' },
  };
  return `${stringify(topology)}---\n${stringify(load)}`;
}
