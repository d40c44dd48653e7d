/**
 * The request schedule of a load profile on a seed, as one description both load runners follow:
 * the built-in generator (load.ts, on the virtual or the wall clock) and an exported k6 script.
 * For each iteration i: which request of the mix (the `mix` stream, drawn as the data plane
 * draws it) and which optional headers (the `headers` stream, drawn as the generator draws it);
 * for arrival-rate executors also when it starts. VU executors are closed loops: their start times
 * depend on the answers, so only the per-iteration picks are fixed in advance.
 */
import type { Rng } from '../engine/types.ts';
import { createRng } from '../engine/rng.ts';
import type { LoadProfileSpec } from '../model/types.ts';
import { drawHeaderMask, loadLength, RateCurve } from './load.ts';

export interface RequestSchedule {
  /** Start times (ms) of the iterations of an arrival-rate executor; null for VU executors. */
  arrivals: number[] | null;
  /** Index into the load's request mix (0 when there is no mix). */
  mix: number[];
  /** Bitmask of the optional headers (bit i = `headers[i]`). */
  headers: number[];
}

/** The mix index of one request (the data plane's draw; no draw when there is a single kind). */
export function drawMixIndex(cumulative: readonly number[], rng: Rng): number {
  if (cumulative.length <= 1) return 0;
  const x = rng.next() * cumulative[cumulative.length - 1];
  let i = 0;
  while (i < cumulative.length - 1 && x >= cumulative[i]) i++;
  return i;
}

/** Arrival times of an open-loop profile up to `endMs` (the generator's openLoop, without a clock). */
export function arrivalTimes(load: LoadProfileSpec, rng: Rng, endMs: number): number[] | null {
  let curve: RateCurve;
  if (load.executor === 'constant-arrival-rate')
    curve = new RateCurve([0, load.duration], [load.rate / 1000, load.rate / 1000]);
  else if (load.executor === 'ramping-arrival-rate')
    curve = RateCurve.fromStages(load.startRate, load.stages);
  else return null;
  const until = Math.min(endMs, loadLength(load));
  const poisson = load.arrivals === 'poisson';
  const out: number[] = [];
  let t = 0;
  for (let first = true; ; first = false) {
    const mass = poisson ? -Math.log(1 - rng.next()) : first ? 0 : 1;
    const at = curve.advance(t, mass, until);
    if (at === Infinity || at >= until) return out;
    out.push(at);
    t = at;
  }
}

/** The schedule of `load` on `seed`: `count` iterations of picks (the arrivals fix it when known). */
export function requestSchedule(
  load: LoadProfileSpec,
  seed: number,
  endMs: number,
  count?: number,
): RequestSchedule {
  const root = createRng(seed);
  const arrivals = arrivalTimes(load, root.stream('arrivals'), endMs);
  const n = arrivals ? arrivals.length : (count ?? 0);
  const headerRng = root.stream('headers');
  const mixRng = root.stream('mix');
  let acc = 0;
  const cumulative = load.requests.map((r) => (acc += r.weight));
  const mix: number[] = [];
  const headers: number[] = [];
  for (let i = 0; i < n; i++) {
    headers.push(drawHeaderMask(load, headerRng));
    mix.push(drawMixIndex(cumulative, mixRng));
  }
  return { arrivals, mix, headers };
}
