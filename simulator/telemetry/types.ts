/**
 * RunResult: one shape for simulated and live runs, so every view (CLI report, HTML, UI, labs)
 * can show either, or both. Everything in it is plain JSON (numbers rounded where noted) so that
 * its hash is stable across Node, worker threads and browsers.
 */

export { FAILURE_CAUSES, type FailureCause } from '../model/causes.ts';
import type { FailureCause } from '../model/causes.ts';

export interface LatencySummary {
  p50: number;
  p90: number;
  p99: number;
  p999: number;
  mean: number;
  max: number;
}

export interface ServiceStats {
  /** Invocations that reached an instance of the service (attempts included). */
  requests: number;
  /** Of those, how many ended within the run (successes + failures), and how many were still in flight at its end. */
  completed?: number;
  inFlight?: number;
  /**
   * Stuck work: in flight at the end while nothing completed since this time (ms), e.g. a paused
   * instance. Absent when the service was still answering.
   */
  stuckSinceMs?: number;
  successes: number;
  /** Of the successes, how many were degraded (a fallback was used). */
  degraded: number;
  failures: Partial<Record<FailureCause, number>>;
  successRate: number;
  /** Time from arrival at the instance (queueing included) to its answer, ms. */
  latencyMs: LatencySummary;
  /** Busy worker slots / total worker slots, averaged over the run. */
  utilization: number;
  /** For services with a `cpu` limit: busy cores / (cpu × instances), averaged over the run. */
  cpuUtilization?: number;
  /** Executions of non-idempotent endpoints (side effects), and how many were duplicates caused by retries. */
  sideEffects: number;
  duplicateSideEffects: number;
  /** Executions whose caller had already given up when they finished. */
  orphaned: number;
  maxQueue: number;
  instances: number;
  /** Requests executed per version (subset), e.g. `{ v1: 9900, v2: 100 }`. */
  versions?: Record<string, number>;
}

export interface EdgeStats {
  from: string;
  to: string;
  /** Logical requests the caller made (one per call, before retries of any kind). */
  requests: number;
  /** Tries sent towards the callee (requests + retries, by the app and by the mesh). */
  attempts: number;
  retries: number;
  /**
   * Logical requests that put at least one try on the wire; the others were short-circuited by the
   * caller's proxy (breaker open, no healthy host after ejections, pool overflow, injected abort).
   * `attempts / sent` is the retry amplification, at most (1 + app retries) × (1 + mesh retries).
   */
  sent?: number;
  /** Logical requests started on the edge and not finished at the end of the run. */
  inFlight?: number;
  /** Logical requests that finally failed, and attempts that failed, by cause. */
  failed: number;
  failures: Partial<Record<FailureCause, number>>;
  attemptFailures: Partial<Record<FailureCause, number>>;
  latencyMs: LatencySummary;
  /**
   * Latency of the logical requests as cumulative bucket counts (Prometheus `le` semantics), for
   * the Prometheus export. Optional: a live run may not have it.
   */
  durationBuckets?: DurationBuckets;
}

/** Cumulative histogram buckets: `cumulative[i]` = observations ≤ `leMs[i]`; `count` is `+Inf`. */
export interface DurationBuckets {
  leMs: number[];
  cumulative: number[];
  count: number;
  sumMs: number;
}

/** Per-interval series, columnar: `t[i]` is the end of interval i (ms). */
export interface TimeSeries {
  intervalMs: number;
  t: number[];
  entry: SeriesBlock;
  services: Record<string, SeriesBlock>;
  edges: Record<string, Omit<SeriesBlock, 'queue' | 'inFlight' | 'utilization'>>;
}

export interface SeriesBlock {
  /** Requests that completed in the interval (successes + failures). */
  requests: number[];
  successes: number[];
  failures: number[];
  /** Latency percentiles of the interval's completions, ms (within 1 %); 0 when none completed. */
  p50: number[];
  p99: number[];
  /** Successes in the interval that used a fallback; present only when there were some. */
  degraded?: number[];
  queue?: number[];
  inFlight?: number[];
  utilization?: number[];
  /** Services with a `cpu` limit: busy cores / (cpu × instances) over the interval. */
  cpu?: number[];
  /** Edges only: tries sent in the interval (requests + retries). */
  attempts?: number[];
  /**
   * Edges only, counted by the interval in which the logical request STARTED (so that a request and
   * all its tries fall in the same interval): requests started, of which put ≥ 1 try on the wire,
   * and their tries. Retry amplification of interval i = `attempts[i] / sent[i]`;
   * `started[i] - sent[i]` were short-circuited (or still waiting at the end).
   */
  byStart?: { started: number[]; sent: number[]; attempts: number[] };
  /** Failures per cause, only for causes that occurred. */
  byCause: Partial<Record<FailureCause, number[]>>;
}

/** A mesh or chaos event with its reason: breaker transitions, ejections, fault start/stop, canary steps. */
export interface RunEvent {
  t: number;
  kind:
    | 'breaker'
    | 'ejection'
    | 'unejection'
    | 'fault-start'
    | 'fault-end'
    | 'instance-down'
    | 'instance-up'
    | 'canary'
    | 'panic';
  /** Who: e.g. `productpage-v1-0 → ratings` for a breaker held by that proxy. */
  subject: string;
  /** For breakers: closed | open | half-open; for canaries: the new state. */
  state?: string;
  reason: string;
}

export interface Span {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  service: string;
  instance: string;
  kind: 'server' | 'client';
  startMs: number;
  endMs: number;
  status: number;
  flags?: string;
  attributes?: Record<string, string | number | boolean>;
}

/**
 * `no-data`: the check's window held no sample (e.g. a probe window the run never reached), so it
 * cannot hold: evidence is required for a pass.
 */
export type CheckStatus = 'held' | 'violated' | 'no-data';

/** What a check's `observed` measures: a 0..1 share, milliseconds, a count, or per second. */
export type CheckUnit = 'ratio' | 'ms' | 'count' | 'per-second';

export interface ProbeResult {
  name: string;
  ok: boolean;
  status: CheckStatus;
  /** null when there was no sample. */
  observed: number | null;
  /** How many completions the probe saw in its window. */
  samples: number;
  expected: string;
  unit: CheckUnit;
}

export interface ThresholdResult {
  metric: string;
  source: string;
  ok: boolean;
  status: CheckStatus;
  /** null when there was no sample. */
  observed: number | null;
  unit: CheckUnit;
}

/**
 * The run's verdict: `passed` only with at least one check and every check held; `no-checks` when
 * the scenario declares no threshold and no steady-state probe (neutral: nothing was tested).
 */
export type Verdict = 'passed' | 'failed' | 'no-checks';

/** "Why did (or didn't) my breaker trip?": how close each closed breaker came to its triggers. */
export interface BreakerReport {
  /** `caller-instance → destination`: breakers live in each caller's proxy. */
  subject: string;
  state: 'closed' | 'open' | 'half-open';
  opens: number;
  rejected: number;
  peakConsecutiveFailures: number;
  consecutiveFailuresToTrip: number | null;
  peakFailureRatePct: number | null;
  failureRateToTripPct: number | null;
}

/** The same question for outlier detection. */
export interface OutlierReport {
  subject: string;
  hosts: number;
  ejections: number;
  /** Ejections refused by maxEjectionPercent. */
  refused: number;
  ejectedAtEnd: number;
  peakConsecutive5xx: number;
  consecutive5xxToEject: number | null;
  peakConsecutiveGatewayErrors: number;
  consecutiveGatewayErrorsToEject: number | null;
}

export interface MeshCost {
  /** Data-plane profile name, or `none`. */
  profile: string;
  proxies: number;
  /** Mean latency the proxies added to one entry request end to end, ms. */
  addedLatencyMsPerRequest: number;
  /** Proxy CPU, core-seconds in total and as cores on average. */
  cpuCoreSeconds: number;
  cpuCores: number;
  memoryMB: number;
  breakers: BreakerReport[];
  outlierDetectors: OutlierReport[];
}

export interface RunResult {
  /** `simulated` or `live`. */
  mode: 'simulated' | 'live';
  scenario: string;
  seed: number;
  durationMs: number;
  /** sha256 (hex) of the canonical JSON of this object without `hash`, `wall` and `scenario` (a label). */
  hash: string;
  summary: {
    /** Entry requests that completed, as the load generator saw them. */
    requests: number;
    /** Entry requests sent by the load generator (reloads not counted again), and those still in flight at the end. */
    arrived?: number;
    inFlight?: number;
    /** Stuck work at the entry: in flight at the end while nothing completed since this time (ms). */
    stuckSinceMs?: number;
    successes: number;
    degraded: number;
    failures: Partial<Record<FailureCause, number>>;
    successRate: number;
    latencyMs: LatencySummary;
    /** Requests the load generator sent again after a failure (users pressing reload). */
    clientRetries: number;
  };
  services: Record<string, ServiceStats>;
  edges: EdgeStats[];
  series: TimeSeries;
  events: RunEvent[];
  mesh: MeshCost;
  traces: Span[];
  accessLog: string[];
  thresholds: ThresholdResult[];
  probes: ProbeResult[];
  /** `verdict === 'passed'`: at least one check, and every threshold and steady-state probe held. */
  passed: boolean;
  verdict: Verdict;
  engine: { events: number; serviceCalls: number };
  /** Wall-clock facts; not part of the hash. */
  wall?: { elapsedMs: number; eventsPerSecond: number; callsPerSecond: number };
}
