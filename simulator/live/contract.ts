/**
 * The seams between the pieces of the live data plane, fixed first so that they can be built
 * side by side: what a backend (process or docker) must do with a unit, how a sidecar is
 * configured and steered by its control plane (the admin API), and what every sidecar writes per
 * request (the access log the live run's report is built from).
 *
 * Every address is 127.0.0.1; every port is chosen free by the orchestrator.
 */
import type { MeshPolicySpec } from '../model/types.ts';

// ── backends ──────────────────────────────────────────────────────────────────────────────────

/** One program of a live run: a stub service, or a sidecar in front of one (or of a node). */
export interface UnitSpec {
  /** Unique within the run, e.g. `reviews-v2-0.app`, `reviews-v2-0.sidecar`, `node-1.proxy`. */
  name: string;
  role: 'app' | 'sidecar';
  service: string;
  /** The instance it belongs to (a per-node proxy: the node's name). */
  instance: string;
  /** Module to run, relative to the repository root, e.g. `simulator/live/sidecar/main.ts`. */
  entry: string;
  args: string[];
  env: Record<string, string>;
  /** GET this (127.0.0.1 only) until it answers 200 to call the unit healthy. */
  healthUrl: string;
  /** Units that are killed, paused and restarted together (a pod: app + its sidecar). */
  group: string;
}

export interface UnitExit {
  name: string;
  code: number | null;
  signal: string | null;
  /** The last lines the unit wrote to stderr (for the error a user sees). */
  stderrTail: string;
}

/** Where the units of a live run execute. `process` is the embedded default; `docker` needs dockerd. */
export interface Backend {
  readonly kind: 'process' | 'docker';
  /** Starts a unit; resolves once it is spawned (health is checked by the caller on `healthUrl`). */
  start(unit: UnitSpec): Promise<void>;
  /** SIGKILL every unit of the group (a crash). */
  kill(group: string): Promise<void>;
  /** SIGSTOP / freeze every unit of the group (it still accepts TCP connections, answers nothing). */
  pause(group: string): Promise<void>;
  resume(group: string): Promise<void>;
  /** Starts the group's units again with their original spec (after a kill). */
  restart(group: string): Promise<void>;
  /** Called when a unit exits on its own or is killed. */
  onExit(listener: (exit: UnitExit) => void): void;
  /** Stops and removes everything the backend started (graceful, then forced); idempotent. */
  teardown(): Promise<void>;
}

// ── the sidecar ───────────────────────────────────────────────────────────────────────────────

/** One endpoint of a destination: an instance's inbound listener (its sidecar, or the app without a mesh). */
export interface EndpointRecord {
  /** Stable key (the instance name): ring hash and outlier detection follow it. */
  key: string;
  service: string;
  version: string;
  /** `127.0.0.1:<port>`. */
  address: string;
  /** Kubernetes readiness: not ready = not picked (unless the balancer is in panic). */
  ready: boolean;
  /**
   * No sidecar in front of it (a service outside the mesh): the caller's sidecar speaks plain
   * text to it even when it has TLS material. Absent = a sidecar's inbound listener.
   */
  plaintext?: boolean;
}

/** Destinations' endpoints, by service name (what a control plane pushes as EDS). */
export type EndpointTable = Record<string, EndpointRecord[]>;

export interface TlsMaterial {
  /** PEM. */
  caCert: string;
  cert: string;
  key: string;
}

/** The JSON file a sidecar is started with: `entry simulator/live/sidecar/main.ts`, `args [<path>]`. */
export interface SidecarConfig {
  runId: string;
  service: string;
  instance: string;
  version: string;
  namespace: string;
  /** Ports on 127.0.0.1: inbound (from other sidecars; TLS when mTLS is on), outbound (from the local app), admin. */
  listen: { inbound: number; outbound: number; admin: number };
  /** The local app's port: inbound requests are forwarded there. */
  appPort: number;
  /** The policy documents as written (the sidecar resolves them with `simulator/mesh/resolve.ts`). */
  policies: MeshPolicySpec[];
  /** Every service of the topology with its versions (the router's subsets). */
  services: { name: string; versions: string[] }[];
  endpoints: EndpointTable;
  tls?: TlsMaterial;
  /**
   * How long a new upstream connection has to be usable (TCP, and the TLS handshake under mTLS);
   * the topology's `network.connectTimeout` in a live run. Default 10 s (Envoy's).
   */
  connectTimeoutMs?: number;
  /** File the sidecar appends its access log to, one JSON object per line (`AccessRecord`). */
  accessLog: string;
  /** Wall-clock epoch ms of the run's t = 0 (access-log `t` is relative to it). */
  epochMs: number;
}

/**
 * The admin API on `listen.admin` (what a control plane pushes; nothing needs a restart):
 *
 *   GET  /ready       200 when serving, 503 while draining or before the first endpoints
 *   GET  /metrics     Prometheus text (istio_requests_total-style counters, duration histograms)
 *   GET  /stats       JSON: counters per cluster (requests, tries, retries, by cause), breaker and detector states
 *   GET  /policy      the policy documents in force
 *   PUT  /policy      MeshPolicySpec[]: swap the policy without a restart
 *   PUT  /endpoints   EndpointTable: replace the endpoints of the services named in the body
 *   PUT  /certs       TlsMaterial: rotate the workload certificate without a restart
 *   POST /drain       stop accepting new downstream requests, finish the in-flight ones
 */
export const ADMIN_PATHS = {
  ready: '/ready',
  metrics: '/metrics',
  stats: '/stats',
  policy: '/policy',
  endpoints: '/endpoints',
  certs: '/certs',
  drain: '/drain',
} as const;

/**
 * The local app calls a destination through its sidecar as `http://127.0.0.1:<outbound>/<path>`
 * with `Host: <service>` (the authority names the destination, as with Envoy's outbound listener).
 * Headers the sidecar reads and propagates: `traceparent` (W3C), `x-request-id`, and the
 * `x-meshdojo-*` headers below.
 */
export const HEADERS = {
  requestId: 'x-request-id',
  traceparent: 'traceparent',
  /** The caller's deadline as epoch ms (set by the app; the sidecar propagates it when the policy says so). */
  deadline: 'x-meshdojo-deadline',
  /** The request kind of the load's mix (the header set index), for route matches. */
  caller: 'x-meshdojo-caller',
  /**
   * On an answer: meshdojo's failure cause (`simulator/model/causes.ts` name) when a proxy or the
   * service knows it (`denied`, `mtls`, `overflow`, `breaker-open`…); absent on a success. The
   * caller's sidecar reads it as the upstream's cause, the app as the reason its call failed.
   */
  cause: 'x-meshdojo-cause',
  /** Set by the caller's sidecar: the calling service (what an inbound sidecar logs as `from` without mTLS). */
  source: 'x-meshdojo-source',
} as const;

/** One line of a sidecar's access log (Envoy's JSON access-log fields, plus what the report needs). */
export interface AccessRecord {
  /** ms since the run's epoch when the downstream request arrived at the sidecar. */
  t: number;
  /** `outbound`: the app's call to a destination (the caller's view); `inbound`: a request to the local app. */
  direction: 'outbound' | 'inbound';
  /** Calling service (`client` for the load generator) and destination service. */
  from: string;
  to: string;
  instance: string;
  method: string;
  path: string;
  response_code: number;
  /** Envoy response flags (`UO`, `URX`, `UT`, `UF`, `UH`, `DI`, `FI`, `-`). */
  response_flags: string;
  /** meshdojo's failure cause (`simulator/model/causes.ts`), null for a success. */
  cause: string | null;
  /** ms from arrival to the last byte of the answer. */
  duration: number;
  /** Wire tries made (outbound). */
  tries: number;
  upstream_host: string | null;
  request_id: string;
  trace_id: string;
  /** Why, in words, when the cause alone does not say it (a refused certificate: `expired (CERT_HAS_EXPIRED)`). */
  detail?: string;
}
