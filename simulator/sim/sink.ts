/** What the data plane reports, by small integer ids (implemented by telemetry's Recorder). */
import type { RunEvent } from '../telemetry/types.ts';

export interface Sink {
  serviceArrival(svc: number): void;
  serviceDone(svc: number, latencyMs: number, ok: boolean, cause: number, degraded: boolean): void;
  /** A logical request started on the edge at `startedAt` (virtual ms). */
  edgeRequest(edge: number, startedAt: number): void;
  /** A try reached the wire; `requestStartedAt` as given to edgeRequest; `firstSent` for its request's first. */
  edgeAttempt(edge: number, isRetry: boolean, requestStartedAt: number, firstSent: boolean): void;
  edgeAttemptFailed(edge: number, cause: number): void;
  edgeDone(edge: number, latencyMs: number, ok: boolean, cause: number): void;
  entryDone(latencyMs: number, ok: boolean, cause: number, degraded: boolean): void;
  clientRetry(): void;
  sideEffect(svc: number, duplicate: boolean): void;
  orphaned(svc: number): void;
  /** Gauges at an interval boundary; `busySlots` is the average over the interval just ended. */
  sampleGauges(
    t: number,
    svc: number,
    queueLen: number,
    inFlight: number,
    busySlots: number,
    totalSlots: number,
  ): void;
  event(e: RunEvent): void;
}
