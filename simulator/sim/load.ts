/**
 * The load generator, k6-shaped. Arrival-rate executors are open models (arrivals do not wait for
 * answers, as k6's and wrk2's: queueing at the system is real latency); VU executors are closed
 * loops with think time.
 *
 * Arrival times come from inverting the integrated rate Λ(t) of a piecewise-linear rate curve:
 * Poisson arrivals draw Exp(1) gaps in Λ, evenly spaced arrivals take gaps of exactly 1.
 */
import { DistributionSampler } from '../engine/distributions.ts';
import type { Rng } from '../engine/types.ts';
import type { LoadProfileSpec, Stage } from '../model/types.ts';

/** A piecewise-linear rate: points (t, r) with linear interpolation, constant after the last. */
export class RateCurve {
  constructor(
    readonly times: number[],
    readonly rates: number[], // per ms
  ) {}

  static fromStages(startRatePerSec: number, stages: Stage[]): RateCurve {
    const times = [0];
    const rates = [startRatePerSec / 1000];
    let t = 0;
    for (const s of stages) {
      t += s.duration;
      times.push(t);
      rates.push(s.target / 1000);
    }
    return new RateCurve(times, rates);
  }

  get end(): number {
    return this.times[this.times.length - 1];
  }

  /**
   * The time at which Λ has grown by `mass` from `t0`, or Infinity if that never happens before
   * `limit`.
   */
  advance(t0: number, mass: number, limit: number): number {
    const { times, rates } = this;
    let t = t0;
    let left = mass;
    for (let i = 0; i < times.length - 1; i++) {
      const a = times[i];
      const b = times[i + 1];
      if (b <= t) continue;
      const ra = rates[i];
      const slope = (rates[i + 1] - ra) / (b - a);
      const r0 = ra + slope * (t - a);
      const r1 = rates[i + 1];
      const segMass = ((r0 + r1) / 2) * (b - t);
      if (segMass >= left) {
        // Solve r0·x + slope·x²/2 = left for x ≥ 0.
        let x: number;
        if (Math.abs(slope) < 1e-15) x = left / r0;
        else {
          const disc = r0 * r0 + 2 * slope * left;
          x = (-r0 + Math.sqrt(Math.max(0, disc))) / slope;
        }
        const at = t + x;
        return at <= limit ? at : Infinity;
      }
      left -= segMass;
      t = b;
    }
    const rLast = rates[rates.length - 1];
    if (rLast <= 0) return Infinity;
    const at = t + left / rLast;
    return at <= limit ? at : Infinity;
  }
}

export interface LoadTarget {
  /** Send one request now; call `done` when its final answer arrives (closed-loop VUs). */
  send(hdr: number, sample: number, done?: () => void): void;
  at(time: number, fn: () => void): void;
  now(): number;
}

/** The length of a load profile's own schedule. */
export function loadLength(load: LoadProfileSpec): number {
  switch (load.executor) {
    case 'constant-arrival-rate':
    case 'constant-vus':
      return load.duration;
    case 'ramping-arrival-rate':
    case 'ramping-vus':
      return load.stages.reduce((s, x) => s + x.duration, 0);
  }
}

/** Header sets: index = bitmask of the optional headers a request carries. */
export function headerSets(load: LoadProfileSpec | undefined): Record<string, string>[] {
  const shares = load?.headers ?? [];
  const n = Math.min(shares.length, 10);
  const sets: Record<string, string>[] = [];
  for (let mask = 0; mask < 1 << n; mask++) {
    const h: Record<string, string> = {};
    for (let i = 0; i < n; i++) if (mask & (1 << i)) h[shares[i].name.toLowerCase()] = shares[i].value;
    sets.push(Object.freeze(h));
  }
  return sets;
}

/** The header bitmask of one request (the generator's draw: one number per share, at most 10). */
export function drawHeaderMask(load: LoadProfileSpec, rng: Rng): number {
  let hdr = 0;
  const shares = load.headers;
  for (let i = 0; i < shares.length && i < 10; i++) if (rng.next() * 100 < shares[i].percent) hdr |= 1 << i;
  return hdr;
}

export class LoadGenerator {
  private readonly arrivals: Rng;
  private readonly headerRng: Rng;
  private readonly sampleRng: Rng;
  private readonly think: DistributionSampler | null;
  private vus = 0;
  private wantedVus = 0;
  sent = 0;

  constructor(
    private readonly load: LoadProfileSpec,
    private readonly target: LoadTarget,
    rng: Rng,
    private readonly endMs: number,
    private readonly sampling: { traces: number; accessLogs: number },
  ) {
    this.arrivals = rng.stream('arrivals');
    this.headerRng = rng.stream('headers');
    this.sampleRng = rng.stream('sampling');
    this.think = 'thinkTime' in load ? new DistributionSampler(load.thinkTime) : null;
  }

  start(): void {
    const load = this.load;
    switch (load.executor) {
      case 'constant-arrival-rate': {
        const curve = new RateCurve([0, load.duration], [load.rate / 1000, load.rate / 1000]);
        this.openLoop(curve, load.arrivals === 'poisson', Math.min(this.endMs, load.duration));
        break;
      }
      case 'ramping-arrival-rate': {
        const curve = RateCurve.fromStages(load.startRate, load.stages);
        this.openLoop(curve, load.arrivals === 'poisson', Math.min(this.endMs, curve.end));
        break;
      }
      case 'constant-vus':
        this.wantedVus = load.vus;
        for (let i = 0; i < load.vus; i++) this.startVu(Math.min(this.endMs, load.duration));
        break;
      case 'ramping-vus':
        this.rampVus(load.startVUs, load.stages);
        break;
    }
  }

  private openLoop(curve: RateCurve, poisson: boolean, until: number): void {
    let t = 0;
    let first = true;
    const next = (): void => {
      this.fire();
      schedule();
    };
    const schedule = (): void => {
      // Evenly spaced arrivals start at once, as k6's iterations do.
      const mass = poisson ? -Math.log(1 - this.arrivals.next()) : first ? 0 : 1;
      first = false;
      const at = curve.advance(t, mass, until);
      if (at === Infinity || at >= until) return;
      t = at;
      this.target.at(at, next);
    };
    schedule();
  }

  private fire(done?: () => void): void {
    const hdr = drawHeaderMask(this.load, this.headerRng);
    let sample = 0;
    if (this.sampling.traces > 0 && this.sampleRng.next() < this.sampling.traces) sample |= 1;
    if (this.sampling.accessLogs > 0 && this.sampleRng.next() < this.sampling.accessLogs) sample |= 2;
    this.sent++;
    this.target.send(hdr, sample, done);
  }

  private startVu(until: number): void {
    this.vus++;
    const iterate = (): void => {
      if (this.target.now() >= until || this.vus > this.wantedVus) {
        this.vus--;
        return;
      }
      this.fire(() => {
        const pause = this.think ? this.think.draw(this.arrivals) : 0;
        this.target.at(this.target.now() + pause, iterate);
      });
    };
    iterate();
  }

  private rampVus(start: number, stages: Stage[]): void {
    const curve = RateCurve.fromStages(start * 1000, stages); // reuse interpolation: "rate" = VUs
    const end = Math.min(this.endMs, curve.end);
    const step = 100;
    const tick = (): void => {
      const t = this.target.now();
      this.wantedVus = Math.round(vusAt(curve, t));
      while (this.vus < this.wantedVus) this.startVu(end);
      if (t + step < end) this.target.at(t + step, tick);
    };
    tick();
  }
}

function vusAt(curve: RateCurve, t: number): number {
  const { times, rates } = curve;
  for (let i = 0; i < times.length - 1; i++) {
    if (t < times[i + 1]) {
      const f = (t - times[i]) / (times[i + 1] - times[i]);
      return (rates[i] + f * (rates[i + 1] - rates[i])) * 1000;
    }
  }
  return rates[rates.length - 1] * 1000;
}
