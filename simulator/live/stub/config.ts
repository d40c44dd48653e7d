/**
 * The JSON file a stub service is started with (`simulator/live/stub/main.ts <config.json>`): which
 * service and instance it plays, its endpoints as the model wrote them, its worker limit, and how
 * it reaches the services it calls (its sidecar's outbound port, or their endpoints directly when
 * there is no mesh).
 */
import type { EndpointSpec } from '../../model/types.ts';
import type { EndpointTable } from '../contract.ts';

export interface StubConfig {
  runId: string;
  service: string;
  instance: string;
  version: string;
  /** Port on 127.0.0.1 the app listens on (its sidecar forwards inbound requests here). */
  port: number;
  /** Worker slots and bounded queue (overflow answers 503 at once). */
  concurrency: number;
  queue: number;
  /** Cores: at most this many requests compute at once (others wait for a core). Undefined = no limit. */
  cpu?: number;
  /** This version's endpoints (the service's, merged with the version's overrides). */
  endpoints: EndpointSpec[];
  /** The run's seed: the stub's random stream is keyed by it and by the instance name. */
  seed: number;
  downstream: { mode: 'sidecar'; outbound: number } | { mode: 'direct'; endpoints: EndpointTable };
  /** File the stub appends its records to, one JSON object per line (`StubRecord`). */
  log: string;
  /** Wall-clock epoch ms of the run's t = 0. */
  epochMs: number;
  /** Cold start: wait this long before listening (a restarted pod that needs time to start). */
  startDelayMs?: number;
}

/** Paths the stub answers itself (never an endpoint of a topology). */
export const STUB_PATHS = {
  health: '/healthz',
  stats: '/_meshdojo/stats',
  /** PUT an EndpointTable (direct mode: what a control plane would push to a sidecar). */
  endpoints: '/_meshdojo/endpoints',
  /** PUT `{ abort?: { percent, status } }`: abort that share of inbound requests (a fault without a mesh). */
  fault: '/_meshdojo/fault',
} as const;

/** Headers the stub sets and reads besides the contract's. */
export const STUB_HEADERS = {
  /** Set on an application-level retry (a duplicate execution of a non-idempotent endpoint). */
  retry: 'x-meshdojo-retry',
  /** Set on an answer that used a fallback somewhere below. */
  degraded: 'x-meshdojo-degraded',
  /** The calling service. */
  source: 'x-meshdojo-source',
  /** The failure cause of a non-2xx answer, when the stub knows it (`simulator/model/causes.ts`). */
  cause: 'x-meshdojo-cause',
  /** Envoy's try counter (set by a sidecar on its retries). */
  envoyAttempt: 'x-envoy-attempt-count',
} as const;

/** What `GET /_meshdojo/stats` answers (cumulative counters and current gauges). */
export interface StubStats {
  instance: string;
  service: string;
  arrivals: number;
  served: number;
  overflow: number;
  aborted: number;
  sideEffects: number;
  duplicateSideEffects: number;
  orphaned: number;
  /** Worker slots, busy now, queued now, the longest queue seen. */
  slots: number;
  busy: number;
  queued: number;
  maxQueue: number;
  /** Σ busy slots × time, ms (utilization = Δ / (slots × Δt)). */
  busySlotMs: number;
  /** Downstream calls made (logical) and tries. */
  calls: number;
  tries: number;
}

/**
 * One line of a stub's log. `inbound`: a request this instance served (or refused); `outbound`: a
 * logical call it made to a destination (all of its application tries).
 */
export interface StubRecord {
  direction: 'inbound' | 'outbound';
  /** ms since the run's epoch when the request arrived / the call started. */
  t: number;
  /** ms until the answer (inbound) or the call's end (outbound). */
  duration: number;
  from: string;
  to: string;
  instance: string;
  status: number;
  /** Failure cause (`simulator/model/causes.ts`), null for a success. */
  cause: string | null;
  degraded: boolean;
  /** Inbound: a non-idempotent execution, a duplicate of one, finished after its caller left. */
  sideEffect?: boolean;
  duplicate?: boolean;
  orphaned?: boolean;
  /** Outbound: application tries made (1 + retries used), and the cause of each failed one. */
  tries?: number;
  tryCauses?: string[];
}
