/**
 * Data-plane profiles: what a proxy costs per request, and what it can do.
 *
 * Every figure comes from a published source, named in the profile's `source` (the page and the
 * repository it lives in). Where nothing is published the profile says so in `assumptions` and
 * states the value assumed.
 *
 * Definitions:
 * - One **traversal** = one request (and its response) passing through one proxy. A sidecar hop
 *   A → B traverses A's sidecar and B's sidecar: 2 traversals. A per-node hop traverses the
 *   caller node's proxy and the callee node's proxy (ASSUMPTION for the same node: one traversal).
 *   A waypoint hop adds one waypoint traversal between the two ztunnel traversals.
 * - `latency`: the latency one traversal adds, as a lognormal given by median and p99.
 *   Istio publishes the added latency of **two** proxies at p90 and p99; the per-traversal figure
 *   is half of each (an approximation: percentiles of a sum are not sums of percentiles), and the
 *   lognormal is fitted through that p90 and p99 (σ = ln(p99/p90)/(2.3263 − 1.2816),
 *   median = p90 / e^{1.2816σ}).
 * - `cpuMsPerRequest`: ms of one core per traversal. "X vCPU per 1000 req/s" = X ms per request.
 * - `memoryMb`: resident memory per proxy instance (sidecar: per pod; per-node: per node).
 * - `workerCores`: worker threads of the proxy, i.e. how many requests it can process in parallel
 *   (its CPU capacity is `workerCores` cores).
 */
import type { DataPlaneMode, Distribution } from '../model/types.ts';
import type { DefaultsKey } from '../model/types.ts';

export type LognormalDistribution = Extract<Distribution, { dist: 'lognormal' }>;

export interface ProxyCost {
  /** Latency added by one traversal. */
  readonly latency: LognormalDistribution;
  /** CPU per traversal, ms of one core. */
  readonly cpuMsPerRequest: number;
  /** Memory per proxy instance, MB. */
  readonly memoryMb: number;
  /** Worker threads (parallel capacity, cores). */
  readonly workerCores: number;
}

export type ProfileName =
  | 'none'
  | 'istio-sidecar'
  | 'istio-ambient'
  | 'istio-ambient-waypoint'
  | 'linkerd'
  | 'kuma'
  | 'consul'
  | 'appmesh'
  | 'traefik-mesh'
  /** Measured on this machine by `meshdojo live calibrate` (registered by the CLI from its file). */
  | 'local';

export interface DataPlaneProfile {
  readonly name: ProfileName;
  /** Human-readable product and proxy. */
  readonly title: string;
  readonly mode: DataPlaneMode;
  /** Cost of the sidecar (mode `sidecar`) or per-node proxy (mode `per-node`); undefined for `none`. */
  readonly proxy: ProxyCost | undefined;
  /** Istio ambient waypoint: one shared L7 proxy traversed between the two ztunnels. */
  readonly waypoint: ProxyCost | undefined;
  /** Routes, retries, timeouts, L7 authz and faults need an L7 hop on the path. */
  readonly supportsL7: boolean;
  readonly supportsMtls: boolean;
  /** Key into `PRODUCT_DEFAULTS`. */
  readonly defaults: DefaultsKey;
  /** Published figures used, with their original source. */
  readonly source: string;
  /** Figures that are not published and the values assumed for them. */
  readonly assumptions: readonly string[];
}

/** Lognormal fitted through a p90 and a p99 (ms). Rounded to µs. */
export function lognormalFromP90P99(p90: number, p99: number): LognormalDistribution {
  const sigma = Math.log(p99 / p90) / (2.3263 - 1.2816);
  const median = p90 / Math.exp(1.2816 * sigma);
  return { dist: 'lognormal', median: Math.round(median * 1000) / 1000, p99 };
}

// ── Shared figures ───────────────────────────────────────────────────────────────
// (istio.io "Performance and Scalability", Istio 1.20): client + server sidecar
// together add +0.228 ms p90, +0.298 ms p99 ⇒ per traversal p90 0.114, p99 0.149 ⇒ median 0.082.
const ENVOY_TRAVERSAL = lognormalFromP90P99(0.114, 0.149);
// (Istio 1.24 page): Envoy sidecar 0.20 vCPU and 60 MB per 1000 req/s, 2 workers.
const ENVOY_SIDECAR: ProxyCost = Object.freeze({
  latency: ENVOY_TRAVERSAL,
  cpuMsPerRequest: 0.2,
  memoryMb: 60,
  workerCores: 2,
});
const ENVOY_SOURCE =
  'istio.io "Performance and Scalability" (istio/istio.io content/en/docs/ops/deployment/performance-and-scalability): Istio 1.24 sidecar 0.20 vCPU + 60 MB per 1000 req/s with 2 workers, 1 KB, mTLS + telemetry; Istio 1.20 two sidecars +0.228 ms p90 / +0.298 ms p99 (per traversal: half ⇒ p90 0.114, p99 0.149, lognormal median 0.082 ms).';

// (Istio 1.22 page): ambient ztunnel pair +0.17 ms p90, +0.20 ms p99 ⇒ per traversal
// p90 0.085, p99 0.10 ⇒ median 0.070. Istio 1.24 page: ztunnel 0.06 vCPU, 12 MB.
const ZTUNNEL: ProxyCost = Object.freeze({
  latency: lognormalFromP90P99(0.085, 0.1),
  cpuMsPerRequest: 0.06,
  memoryMb: 12,
  workerCores: 2,
});
// Istio 1.24 page: waypoint 0.25 vCPU, 60 MB per 1000 req/s; its latency is published as charts only.
const WAYPOINT: ProxyCost = Object.freeze({
  latency: ENVOY_TRAVERSAL,
  cpuMsPerRequest: 0.25,
  memoryMb: 60,
  workerCores: 2,
});

const ENVOY_ELSEWHERE = [
  'No per-proxy figures are published for this product’s Envoy; the Istio Envoy sidecar figures are used. Envoy itself publishes no benchmarks. Istio’s include its telemetry configuration; memory depends on configuration size, not on rate.',
  'workerCores 2: as Istio’s benchmark (2 workers); this product’s Envoy concurrency is not published.',
];

export const PROFILES: Readonly<Record<Exclude<ProfileName, 'local'>, DataPlaneProfile>> = Object.freeze({
  none: Object.freeze({
    name: 'none',
    title: 'no mesh',
    mode: 'none',
    proxy: undefined,
    waypoint: undefined,
    supportsL7: false,
    supportsMtls: false,
    defaults: 'none',
    source: 'No proxy on the path: nothing added.',
    assumptions: [],
  }),
  'istio-sidecar': Object.freeze({
    name: 'istio-sidecar',
    title: 'Istio, Envoy sidecars',
    mode: 'sidecar',
    proxy: ENVOY_SIDECAR,
    waypoint: undefined,
    supportsL7: true,
    supportsMtls: true,
    defaults: 'istio',
    source: ENVOY_SOURCE,
    assumptions: [
      'Per-traversal latency is half of the published two-proxy p90/p99 (Istio 1.20; the 1.24 page shows charts only), and the lognormal median is fitted, not published.',
    ],
  }),
  'istio-ambient': Object.freeze({
    name: 'istio-ambient',
    title: 'Istio ambient, per-node ztunnel (L4, mTLS)',
    mode: 'per-node',
    proxy: ZTUNNEL,
    waypoint: undefined,
    supportsL7: false,
    supportsMtls: true,
    defaults: 'istio-ambient',
    source:
      'istio.io "Performance and Scalability": Istio 1.22 ambient ztunnel pair +0.17 ms p90 / +0.20 ms p99 (per traversal p90 0.085, p99 0.10, median 0.070 ms); Istio 1.24 ztunnel 0.06 vCPU + 12 MB per 1000 req/s.',
    assumptions: [
      'Per-traversal latency is half of the published ztunnel-pair p90/p99; the median is fitted.',
      'workerCores 2: ztunnel worker threads are not published; assumed equal to the sidecar benchmark’s 2 workers.',
    ],
  }),
  'istio-ambient-waypoint': Object.freeze({
    name: 'istio-ambient-waypoint',
    title: 'Istio ambient, ztunnel + one shared waypoint (Envoy, L7)',
    mode: 'per-node',
    proxy: ZTUNNEL,
    waypoint: WAYPOINT,
    supportsL7: true,
    supportsMtls: true,
    defaults: 'istio',
    source:
      'istio.io "Performance and Scalability": ztunnel as in istio-ambient; Istio 1.24 waypoint 0.25 vCPU + 60 MB per 1000 req/s.',
    assumptions: [
      'Waypoint latency is published as charts only; the Envoy sidecar per-traversal figure (median 0.082 ms, p99 0.149 ms) is assumed.',
      'workerCores 2 for ztunnel and waypoint: not published.',
    ],
  }),
  linkerd: Object.freeze({
    name: 'linkerd',
    title: 'Linkerd, linkerd2-proxy sidecars',
    mode: 'sidecar',
    proxy: Object.freeze({ latency: ENVOY_TRAVERSAL, cpuMsPerRequest: 0.11, memoryMb: 26.3, workerCores: 1 }),
    waypoint: undefined,
    supportsL7: true,
    supportsMtls: true,
    defaults: 'linkerd',
    source:
      'Linkerd blog "Benchmarking Linkerd and Istio: 2021 Redux" (linkerd/website content/blog/2021/1129-linkerd-vs-istio-benchmarks): max memory per proxy 26.3 MB vs Envoy 156.2 MB; max proxy CPU time 36 ms vs Istio 67 ms on the same harness. Linkerd states a single proxy’s median latency is below 1 ms.',
    assumptions: [
      'Per-proxy latency is not published (the Linkerd/Kinvolk figures are whole-application latencies over several hops); the Envoy per-traversal figure (median 0.082 ms, p99 0.149 ms) is assumed, which is consistent with “below 1 ms median”.',
      'CPU per request is not published; 0.11 ms = Istio 1.24 sidecar 0.20 ms × 36/67 (the 2021 Redux Linkerd/Istio proxy-CPU ratio). Cross-version and cross-study: an estimate.',
      'workerCores 1: not published; assumed (linkerd2-proxy runs one worker unless configured otherwise).',
    ],
  }),
  kuma: Object.freeze({
    name: 'kuma',
    title: 'Kuma, Envoy sidecars',
    mode: 'sidecar',
    proxy: ENVOY_SIDECAR,
    waypoint: undefined,
    supportsL7: true,
    supportsMtls: true,
    defaults: 'kuma',
    source: ENVOY_SOURCE,
    assumptions: ENVOY_ELSEWHERE,
  }),
  consul: Object.freeze({
    name: 'consul',
    title: 'Consul service mesh, Envoy sidecars',
    mode: 'sidecar',
    proxy: ENVOY_SIDECAR,
    waypoint: undefined,
    supportsL7: true,
    supportsMtls: true,
    defaults: 'consul',
    source: ENVOY_SOURCE,
    assumptions: ENVOY_ELSEWHERE,
  }),
  appmesh: Object.freeze({
    name: 'appmesh',
    title: 'AWS App Mesh, Envoy sidecars',
    mode: 'sidecar',
    proxy: ENVOY_SIDECAR,
    waypoint: undefined,
    supportsL7: true,
    supportsMtls: true,
    defaults: 'appmesh',
    source: ENVOY_SOURCE,
    assumptions: ENVOY_ELSEWHERE,
  }),
  'traefik-mesh': Object.freeze({
    name: 'traefik-mesh',
    title: 'Traefik Mesh, per-node Traefik proxy (no mTLS)',
    mode: 'per-node',
    proxy: Object.freeze({ latency: ENVOY_TRAVERSAL, cpuMsPerRequest: 0.2, memoryMb: 60, workerCores: 2 }),
    waypoint: undefined,
    supportsL7: true,
    supportsMtls: false,
    defaults: 'traefik-mesh',
    source:
      'Traefik publishes no per-proxy figures for Traefik Mesh; values are assumptions anchored on the Istio Envoy sidecar figures and on this project’s measurement (an L7 proxy hop adds +64–80 µs p50 in a hot loop, close to the 82 µs Envoy median; docs/benchmarks.md).',
    assumptions: [
      'Latency: the Envoy per-traversal figure (median 0.082 ms, p99 0.149 ms) is assumed.',
      'CPU 0.20 ms per request and memory 60 MB: assumed equal to the Istio 1.24 Envoy sidecar (Traefik does no mTLS, so this is conservative).',
      'workerCores 2: Traefik is a Go process that uses all cores it is given; 2 assumed for a per-node proxy.',
    ],
  }),
});

/** The published profiles (`local`, measured here, is registered at run time: `registerProfile`). */
export const PROFILE_NAMES: readonly Exclude<ProfileName, 'local'>[] = [
  'none',
  'istio-sidecar',
  'istio-ambient',
  'istio-ambient-waypoint',
  'linkerd',
  'kuma',
  'consul',
  'appmesh',
  'traefik-mesh',
];

/**
 * Profiles measured at run time (`local`): the isomorphic simulator cannot read files, so the
 * CLI reads the calibration file and registers the profile here before it runs.
 */
const measured = new Map<string, DataPlaneProfile>();

export function registerProfile(p: DataPlaneProfile): void {
  measured.set(p.name, Object.freeze({ ...p }));
}

export function registeredProfile(name: string): DataPlaneProfile | undefined {
  return measured.get(name);
}

export function isProfileName(name: string): name is Exclude<ProfileName, 'local'> {
  return (PROFILE_NAMES as readonly string[]).includes(name);
}

/** The profile called `name`; throws with the list of known names. */
export function getProfile(name: string): DataPlaneProfile {
  if (name === 'local') {
    const p = measured.get('local');
    if (!p)
      throw new Error(
        'the data-plane profile `local` is measured on this machine: run `meshdojo live calibrate` first (it writes .meshdojo/profile-local.json)',
      );
    return p;
  }
  if (!isProfileName(name)) {
    throw new Error(
      `unknown data-plane profile '${name}' (known: ${[...PROFILE_NAMES, 'local'].join(', ')})`,
    );
  }
  return PROFILES[name];
}
