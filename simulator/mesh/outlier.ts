/**
 * Envoy outlier detection (passive health checking) for one (client proxy, upstream cluster) pair
 * over N hosts, indices 0..N−1 (mesh-semantics §1.4; Envoy `outlier_detection_impl.cc`).
 *
 * Rules followed, as Envoy:
 * - Results: a response with status ≥ 500 is a 5xx; 502/503/504 are also gateway errors. In the
 *   default (non-split) mode locally originated failures are mapped to HTTP codes: connect
 *   failure and reset → 503, per-try timeout → 504, so they count as 5xx *and* gateway errors.
 *   A circuit-breaker overflow (UO) is ignored (it says nothing about the host). Anything else is a
 *   success: it resets both consecutive counters and counts as a success for the success rate.
 * - Consecutive 5xx / consecutive gateway errors eject **inline**, at exactly the Nth error (the
 *   counter is compared with `==`; the gateway detector is checked first). The counter is reset
 *   when the ejection is attempted (even if refused by max ejection percent); an already ejected
 *   host is left alone (its counter keeps counting and is reset at un-ejection).
 * - Ejection is allowed when `100·(ejected+1)/N ≤ maxEjectionPercent`, or when no host is ejected
 *   (at least one host is always ejectable). A refused ejection is counted in `overflows` and
 *   reported as an `ejection` event with state `refused`.
 * - Ejection time = min(base × k, max(maxEjectionTime, base)), where the multiplier k is
 *   incremented at each ejection (while base·k < max + base) and decremented at each interval
 *   sweep at which the host is not ejected and was un-ejected at least one interval earlier.
 * - Sweeps run every `interval` ms from `start()` on the injected Clock. At each sweep, in host
 *   order: a host is un-ejected when `now − ejectedAt ≥ ejection time`, i.e. **at the first sweep
 *   at or after ejectedAt + ejection time** (`readmissionTime(host)` predicts it exactly); then the
 *   success-rate buckets swap (the success rate covers the interval that just ended); then
 *   success-rate ejection: over the non-ejected hosts with ≥ requestVolume requests in that
 *   interval, if there are ≥ minimumHosts of them, hosts whose success rate (%) is below
 *   mean − stdevFactor·stdev (population stdev; Envoy’s 1900 is written 1.9) are ejected, in host order.
 * - Panic: when `100 · healthy / N < minHealthPercent` the balancer must use every host
 *   (`inPanic()`, and `healthyHosts()` returns all of them). With minHealthPercent 0 there is no
 *   panic; with every host ejected `healthyHosts()` is empty (the caller answers 503 UH).
 * - Active health checks (which also un-eject in Envoy) and max ejection time jitter are not modelled.
 */
import type { Clock, TimerId } from '../engine/types.ts';
import type { OutlierDetectionSpec } from '../model/types.ts';
import type { EndpointSet } from './endpoints.ts';
import {
  CLASS_GATEWAY,
  CLASS_IGNORED,
  CLASS_SUCCESS,
  TRY_CONNECT_FAILURE,
  TRY_OVERFLOW,
  TRY_PER_TRY_TIMEOUT,
  TRY_RESET,
  TRY_RESPONSE,
  classifyTry,
} from './outcome.ts';
import type { AttemptOutcome, Host, MeshEventSink } from './types.ts';
import { humanDuration } from '../model/duration.ts';

export interface OutlierDetectorOptions {
  /** Cluster name shown in events, e.g. `productpage→reviews`. */
  subject?: string;
  /** Host names for reasons (`reviews-v1-2`); default `<subject>[i]`. */
  hostNames?: readonly string[];
  sink?: MeshEventSink;
}

const RESULT_IGNORED = CLASS_IGNORED;
const RESULT_OK = CLASS_SUCCESS;
const RESULT_GATEWAY = CLASS_GATEWAY;

/** The shared classifier (mesh/outcome.ts) on the object form of an outcome. */
function classify(o: AttemptOutcome): number {
  switch (o.kind) {
    case 'response':
      return classifyTry(TRY_RESPONSE, o.status);
    case 'connect-failure':
      return classifyTry(TRY_CONNECT_FAILURE, 503);
    case 'reset':
      return classifyTry(TRY_RESET, 503);
    case 'per-try-timeout':
      return classifyTry(TRY_PER_TRY_TIMEOUT, 504);
    case 'overflow':
      return classifyTry(TRY_OVERFLOW, 503);
  }
}

function fmt(x: number): string {
  return x.toFixed(1);
}

/** What a report shows of a detector (the shape of telemetry's `OutlierReport`). */
export interface OutlierSummary {
  subject: string;
  hosts: number;
  ejections: number;
  refused: number;
  ejectedAtEnd: number;
  peakConsecutive5xx: number;
  consecutive5xxToEject: number | null;
  peakConsecutiveGatewayErrors: number;
  consecutiveGatewayErrorsToEject: number | null;
}

export class OutlierDetector {
  /** Member hosts (what maxEjectionPercent and the panic threshold count). */
  hostCount: number;
  readonly subject: string;
  /** Ejections refused by max ejection percent (Envoy `ejections_overflow`). */
  overflows = 0;
  /** Ejections performed. */
  ejections = 0;

  private readonly clock: Clock;
  private readonly sink: MeshEventSink | undefined;
  private readonly names: readonly string[] | undefined;
  private readonly c5xxLimit: number;
  private readonly gwLimit: number;
  private readonly interval: number;
  private readonly base: number;
  private readonly maxTime: number;
  private readonly maxPct: number;
  private readonly minHealthPct: number;
  private readonly sr: OutlierDetectionSpec['successRate'];
  private readonly alwaysEjectOne: boolean;
  /** 1 = the slot is a member host (slots of an EndpointSet that left stay 0). */
  private member: Uint8Array;
  /** Slots tracked (arrays' length). */
  private slots: number;
  private followedVersion = -1;

  private ejected: Uint8Array;
  private ejectedAt: Float64Array;
  private ejectTime: Float64Array;
  private multiplier: Int32Array;
  private timesEjected_: Int32Array;
  private lastUnejectedAt: Float64Array; // NaN = never
  private c5xx: Int32Array;
  private cGw: Int32Array;
  private curTotal: Float64Array;
  private curOk: Float64Array;
  private prevTotal: Float64Array;
  private prevOk: Float64Array;
  private ejectedCount_ = 0;
  private panic = false;
  private timer: TimerId | undefined = undefined;
  private nextSweepAt = NaN;
  private readonly sweepFn = (): void => this.sweep();
  /** Highest consecutive 5xx and gateway-error counts any host reached (for "why no ejection?"). */
  private peak5xx = 0;
  private peakGw = 0;

  /** What a report needs to explain this detector's decisions. */
  summary(): OutlierSummary {
    return {
      subject: this.subject,
      hosts: this.hostCount,
      ejections: this.ejections,
      refused: this.overflows,
      ejectedAtEnd: this.ejectedCount_,
      peakConsecutive5xx: this.peak5xx,
      consecutive5xxToEject: Number.isFinite(this.c5xxLimit) ? this.c5xxLimit : null,
      peakConsecutiveGatewayErrors: this.peakGw,
      consecutiveGatewayErrorsToEject: Number.isFinite(this.gwLimit) ? this.gwLimit : null,
    };
  }

  constructor(
    spec: OutlierDetectionSpec,
    hostCount: number,
    clock: Clock,
    opts: OutlierDetectorOptions = {},
  ) {
    if (!(spec.interval > 0)) throw new RangeError('outlierDetection.interval must be > 0 ms');
    this.hostCount = hostCount;
    this.clock = clock;
    this.sink = opts.sink;
    this.subject = opts.subject ?? 'cluster';
    this.names = opts.hostNames;
    this.c5xxLimit =
      spec.consecutive5xxErrors !== undefined && spec.consecutive5xxErrors > 0
        ? spec.consecutive5xxErrors
        : -1;
    this.gwLimit =
      spec.consecutiveGatewayErrors !== undefined && spec.consecutiveGatewayErrors > 0
        ? spec.consecutiveGatewayErrors
        : -1;
    this.interval = spec.interval;
    this.base = spec.baseEjectionTime;
    this.maxTime = spec.maxEjectionTime;
    this.maxPct = Math.min(100, spec.maxEjectionPercent);
    this.minHealthPct = Math.min(100, spec.minHealthPercent ?? 0);
    this.sr = spec.successRate;
    this.alwaysEjectOne = spec.alwaysEjectOneHost === true;
    const n = hostCount;
    this.slots = n;
    this.member = new Uint8Array(n).fill(1);
    this.ejected = new Uint8Array(n);
    this.ejectedAt = new Float64Array(n);
    this.ejectTime = new Float64Array(n);
    this.multiplier = new Int32Array(n);
    this.timesEjected_ = new Int32Array(n);
    this.lastUnejectedAt = new Float64Array(n).fill(NaN);
    this.c5xx = new Int32Array(n);
    this.cGw = new Int32Array(n);
    this.curTotal = new Float64Array(n);
    this.curOk = new Float64Array(n);
    this.prevTotal = new Float64Array(n);
    this.prevOk = new Float64Array(n);
  }

  /**
   * Follow an endpoint set: slots that joined become member hosts with fresh state; slots that
   * left stop counting (an ejected one is released silently). Other hosts keep their state.
   */
  follow(eps: EndpointSet): void {
    if (eps.version === this.followedVersion) return;
    this.followedVersion = eps.version;
    if (eps.slots > this.slots) this.grow(eps.slots);
    let members = 0;
    for (let h = 0; h < this.slots; h++) {
      const present = eps.key(h) !== undefined ? 1 : 0;
      if (present === 0 && this.member[h] === 1) this.forget(h);
      else if (present === 1 && this.member[h] === 0) this.member[h] = 1;
      members += present;
    }
    if (members !== this.hostCount) {
      this.hostCount = members;
      this.updatePanic(this.clock.now());
    }
  }

  private forget(h: number): void {
    this.member[h] = 0;
    if (this.ejected[h] === 1) {
      this.ejected[h] = 0;
      this.ejectedCount_--;
    }
    this.c5xx[h] = 0;
    this.cGw[h] = 0;
    this.curTotal[h] = 0;
    this.curOk[h] = 0;
    this.prevTotal[h] = 0;
    this.prevOk[h] = 0;
    this.multiplier[h] = 0;
    this.lastUnejectedAt[h] = NaN;
  }

  private grow(n: number): void {
    const g = <A extends Uint8Array | Int32Array | Float64Array>(a: A, fill = 0): A => {
      const b = new (a.constructor as new (len: number) => A)(n);
      b.fill(fill);
      b.set(a);
      return b;
    };
    this.member = g(this.member);
    this.ejected = g(this.ejected);
    this.ejectedAt = g(this.ejectedAt);
    this.ejectTime = g(this.ejectTime);
    this.multiplier = g(this.multiplier);
    this.timesEjected_ = g(this.timesEjected_);
    this.lastUnejectedAt = g(this.lastUnejectedAt, NaN);
    this.c5xx = g(this.c5xx);
    this.cGw = g(this.cGw);
    this.curTotal = g(this.curTotal);
    this.curOk = g(this.curOk);
    this.prevTotal = g(this.prevTotal);
    this.prevOk = g(this.prevOk);
    this.slots = n;
  }

  /** Start the interval sweeps: the first at now + interval. */
  start(): void {
    if (this.timer !== undefined) return;
    this.nextSweepAt = this.clock.now() + this.interval;
    this.timer = this.clock.schedule(this.interval, this.sweepFn);
  }

  stop(): void {
    if (this.timer !== undefined) this.clock.cancel(this.timer);
    this.timer = undefined;
    this.nextSweepAt = NaN;
  }

  /** Hosts currently ejected. */
  get ejectedCount(): number {
    return this.ejectedCount_;
  }

  isEjected(host: number): boolean {
    return this.ejected[host] === 1;
  }

  /** True when the healthy share is below minHealthPercent: balance over all hosts. */
  inPanic(): boolean {
    return this.panic;
  }

  /**
   * Hot path: fill `out` with the hosts the balancer may pick — the non-ejected ones, or all of
   * them in panic — and return it. `hosts[k].index` must be the detector's host index.
   */
  healthyHosts(hosts: readonly Host[], out: Host[]): Host[] {
    out.length = 0;
    const all = this.panic || this.ejectedCount_ === 0;
    for (let k = 0; k < hosts.length; k++) {
      const h = hosts[k];
      if (all || this.ejected[h.index] === 0) out.push(h);
    }
    return out;
  }

  /** Times the host was ejected so far. */
  timesEjected(host: number): number {
    return this.timesEjected_[host];
  }

  /** The current ejection-time multiplier of the host. */
  ejectionMultiplier(host: number): number {
    return this.multiplier[host];
  }

  /** Duration of the host's current (or last) ejection, ms. */
  ejectionTime(host: number): number {
    return this.ejectTime[host];
  }

  /**
   * When an ejected host will be re-admitted: the first sweep at or after ejectedAt + ejection
   * time (computed the way the sweeps are scheduled). NaN when the host is not ejected or the
   * sweeps are not running.
   */
  readmissionTime(host: number): number {
    if (this.ejected[host] === 0 || this.timer === undefined) return NaN;
    const at = this.ejectedAt[host];
    const d = this.ejectTime[host];
    let t = this.nextSweepAt;
    while (t - at < d) t += this.interval;
    return t;
  }

  /** The outcome of one attempt to `host` (object form). */
  onResult(host: number, outcome: AttemptOutcome): void {
    this.onTryClass(host, classify(outcome));
  }

  /** Hot path: one try to `host` ended with the shared classifier's verdict (mesh/outcome.ts). */
  onTryClass(host: number, r: number): void {
    if (r === RESULT_IGNORED || host < 0 || host >= this.slots || this.member[host] === 0) return;
    this.curTotal[host]++;
    if (r === RESULT_OK) {
      this.curOk[host]++;
      this.c5xx[host] = 0;
      this.cGw[host] = 0;
      return;
    }
    if (r === RESULT_GATEWAY) {
      if (++this.cGw[host] === this.gwLimit) {
        if (this.ejected[host] === 0) {
          this.cGw[host] = 0;
          this.eject(host, `${this.gwLimit} consecutive gateway errors`);
        }
      }
    } else {
      this.cGw[host] = 0;
    }
    if (this.cGw[host] > this.peakGw) this.peakGw = this.cGw[host];
    const c5 = this.c5xx[host] + 1;
    if (c5 > this.peak5xx) this.peak5xx = c5;
    if (++this.c5xx[host] === this.c5xxLimit) {
      if (this.ejected[host] === 0) {
        this.c5xx[host] = 0;
        this.eject(host, `${this.c5xxLimit} consecutive 5xx`);
      }
    }
  }

  private name(host: number): string {
    return this.names?.[host] ?? `${this.subject}[${host}]`;
  }

  private eject(host: number, why: string): void {
    const n = this.hostCount;
    const active = this.ejectedCount_;
    // Envoy: eject when (ejected + 1)/N ≤ max %, or — only with always_eject_one_host — when none is.
    if (!((100 * (active + 1)) / n <= this.maxPct || (this.alwaysEjectOne && active === 0))) {
      this.overflows++;
      this.sink?.(this.clock.now(), {
        kind: 'ejection',
        subject: this.subject,
        state: 'refused',
        reason:
          `not ejected ${this.name(host)}: ${why}, but max ejection ${this.maxPct}% reached ` +
          `(${active}/${n} hosts ejected)`,
      });
      return;
    }
    const now = this.clock.now();
    const base = this.base;
    if (this.multiplier[host] * base < this.maxTime + base) this.multiplier[host]++;
    const k = this.multiplier[host];
    const d = Math.min(base * k, Math.max(this.maxTime, base));
    this.ejected[host] = 1;
    this.ejectedAt[host] = now;
    this.ejectTime[host] = d;
    const times = ++this.timesEjected_[host];
    this.ejectedCount_++;
    this.ejections++;
    this.sink?.(now, {
      kind: 'ejection',
      subject: this.subject,
      state: 'ejected',
      reason: `ejected ${this.name(host)}: ${why}; ejection #${times}${k !== times ? ` (multiplier ${k})` : ''} for ${humanDuration(d)}`,
    });
    this.updatePanic(now);
  }

  private uneject(host: number, now: number): void {
    this.ejected[host] = 0;
    this.ejectedCount_--;
    this.c5xx[host] = 0;
    this.cGw[host] = 0;
    this.lastUnejectedAt[host] = now;
    this.sink?.(now, {
      kind: 'unejection',
      subject: this.subject,
      state: 'healthy',
      reason:
        `un-ejected ${this.name(host)}: ejection time ${humanDuration(this.ejectTime[host])} elapsed ` +
        `(ejected at ${humanDuration(this.ejectedAt[host])}, checked at the interval sweep)`,
    });
    this.updatePanic(now);
  }

  private updatePanic(now: number): void {
    const n = this.hostCount;
    const healthy = n - this.ejectedCount_;
    const share = n === 0 ? 0 : (100 * healthy) / n;
    const p = share < this.minHealthPct;
    if (p === this.panic) return;
    this.panic = p;
    this.sink?.(now, {
      kind: 'panic',
      subject: this.subject,
      state: p ? 'on' : 'off',
      reason: p
        ? `panic: ${healthy}/${n} hosts healthy (${fmt(share)}%) < min health ${this.minHealthPct}%; balancing over all hosts`
        : `panic over: ${healthy}/${n} hosts healthy (${fmt(share)}%) ≥ min health ${this.minHealthPct}%`,
    });
  }

  private sweep(): void {
    const now = this.clock.now();
    this.nextSweepAt = now + this.interval;
    this.timer = this.clock.schedule(this.interval, this.sweepFn);
    const n = this.slots;
    for (let h = 0; h < n; h++) {
      if (this.member[h] === 0) continue;
      if (this.ejected[h] === 1) {
        if (now - this.ejectedAt[h] >= this.ejectTime[h]) this.uneject(h, now);
      } else if (this.multiplier[h] > 0 && now - this.lastUnejectedAt[h] >= this.interval) {
        // NaN (never un-ejected) compares false.
        this.multiplier[h]--;
      }
      this.prevTotal[h] = this.curTotal[h];
      this.prevOk[h] = this.curOk[h];
      this.curTotal[h] = 0;
      this.curOk[h] = 0;
    }
    if (this.sr !== undefined) this.successRateEjections();
  }

  private successRateEjections(): void {
    const sr = this.sr!;
    const n = this.slots;
    let valid = 0;
    let sum = 0;
    for (let h = 0; h < n; h++) {
      if (this.ejected[h] === 0 && this.prevTotal[h] > 0 && this.prevTotal[h] >= sr.requestVolume) {
        valid++;
        sum += (this.prevOk[h] * 100) / this.prevTotal[h];
      }
    }
    if (valid === 0 || valid < sr.minimumHosts) return;
    const mean = sum / valid;
    let variance = 0;
    for (let h = 0; h < n; h++) {
      if (this.ejected[h] === 0 && this.prevTotal[h] > 0 && this.prevTotal[h] >= sr.requestVolume) {
        const d = (this.prevOk[h] * 100) / this.prevTotal[h] - mean;
        variance += d * d;
      }
    }
    variance /= valid;
    const stdev = Math.sqrt(variance);
    const factor = sr.stdevFactor;
    const threshold = mean - factor * stdev;
    // Ejecting host h changes only h's own flag, so the valid set stays the one the threshold was computed on.
    for (let h = 0; h < n; h++) {
      const total = this.prevTotal[h];
      if (this.ejected[h] === 0 && total > 0 && total >= sr.requestVolume) {
        const rate = (this.prevOk[h] * 100) / total;
        if (rate < threshold) {
          this.eject(
            h,
            `success rate ${fmt(rate)}% < threshold ${fmt(threshold)}% ` +
              `(mean ${fmt(mean)}%, stdev ${fmt(stdev)}, factor ${factor}, ${valid} hosts)`,
          );
        }
      }
    }
  }
}
