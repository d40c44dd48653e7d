/**
 * Fault injection as Istio configures it (`VirtualService http[].fault` → Envoy
 * `envoy.filters.http.fault` on the **caller's** sidecar, before the router):
 *
 * - Delay and abort are decided independently, each with its own percentage.
 * - The delay happens before the router: it is not bounded by the caller proxy's route or per-try
 *   timeouts (the application's own timeout still runs). Flag `DI`.
 * - The abort never reaches the router, so that proxy never retries it. Flag `FI`.
 * - When both fire, the delay is served first, then the abort (Envoy aborts after the delay).
 * - With `match.headers`, only matching requests are considered (no random draw otherwise).
 *
 * Percentages are honoured as Envoy's `FractionalPercent` with denominator 1 000 000 (Istio
 * converts `percentage.value` to parts per million): fire when ⌊u × 10^6⌋ < round(percent × 10^4).
 * One `rng.next()` per configured fault kind per considered request, delay first, then abort, so
 * that two variants with the same faults consume the stream alike.
 *
 * Hot path: `decide()` returns one of four frozen decisions built at construction (none, delay,
 * abort, both): immutable, never allocated per request, safe to keep.
 */
import type { FaultInjectionSpec, Ms, Pct } from '../model/types.ts';
import type { Rng } from '../engine/types.ts';
import { compileHeaderMatch, type RouteMatcher } from './match.ts';
import type { RequestInfo } from './types.ts';

export interface FaultDecision {
  /** Injected delay before the request proceeds; 0 = none. */
  readonly delayMs: Ms;
  /** Status of the injected abort; 0 = no abort. */
  readonly abortStatus: number;
}

const PER_MILLION = 1_000_000;

/** Parts per million of a percentage, as Istio hands it to Envoy. */
function ppm(percent: Pct, what: string): number {
  if (!(percent >= 0 && percent <= 100))
    throw new Error(`faults.${what}.percent must be in 0..100, got ${percent}`);
  return Math.round(percent * 10_000);
}

export class FaultInjector {
  private readonly matcher: RouteMatcher | undefined;
  private readonly delayPpm: number;
  private readonly delayMs: Ms;
  private readonly abortPpm: number;
  private readonly abortStatus: number;
  /** Index bit 0 = delay, bit 1 = abort. */
  private readonly decisions: readonly FaultDecision[];
  /** False when the spec can never inject anything. */
  readonly active: boolean;

  constructor(spec: FaultInjectionSpec | undefined) {
    this.matcher = spec?.match === undefined ? undefined : compileHeaderMatch(spec.match.headers);
    const delay = spec?.delay;
    const abort = spec?.abort;
    if (delay !== undefined && !(delay.fixed >= 0)) {
      throw new Error(`faults.delay.fixed must be ≥ 0, got ${delay.fixed}`);
    }
    if (
      abort !== undefined &&
      !(Number.isInteger(abort.status) && abort.status >= 200 && abort.status <= 599)
    ) {
      throw new Error(`faults.abort.status must be an HTTP status 200..599, got ${abort.status}`);
    }
    this.delayPpm = delay === undefined ? -1 : ppm(delay.percent, 'delay');
    this.delayMs = delay?.fixed ?? 0;
    this.abortPpm = abort === undefined ? -1 : ppm(abort.percent, 'abort');
    this.abortStatus = abort?.status ?? 0;
    this.active = this.delayPpm > 0 || this.abortPpm > 0;
    const d = this.delayMs;
    const a = this.abortStatus;
    this.decisions = [
      Object.freeze({ delayMs: 0, abortStatus: 0 }),
      Object.freeze({ delayMs: d, abortStatus: 0 }),
      Object.freeze({ delayMs: 0, abortStatus: a }),
      Object.freeze({ delayMs: d, abortStatus: a }),
    ];
  }

  /** Decide the faults of one request (an immutable decision). */
  decide(req: RequestInfo, rng: Rng): FaultDecision {
    if (this.delayPpm < 0 && this.abortPpm < 0) return this.decisions[0];
    if (this.matcher !== undefined && !this.matcher.matches(req)) return this.decisions[0];
    let k = 0;
    if (this.delayPpm >= 0 && Math.floor(rng.next() * PER_MILLION) < this.delayPpm) k |= 1;
    if (this.abortPpm >= 0 && Math.floor(rng.next() * PER_MILLION) < this.abortPpm) k |= 2;
    return this.decisions[k];
  }
}
