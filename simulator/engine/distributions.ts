/**
 * Samplers for the distributions a topology may name. Each compiles once to a closure over its
 * parameters; sampling draws only from the Rng it is given.
 */
import type { Distribution } from '../model/types.ts';
import type { Rng } from './types.ts';

export type Sampler = (rng: Rng) => number;

/** z of the 99th percentile of the standard normal. */
const Z99 = 2.3263478740408408;

export function standardNormal(rng: Rng): number {
  // Box–Muller; 1 − u keeps the log argument in (0, 1].
  const u = 1 - rng.next();
  const v = rng.next();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

export function makeSampler(d: Distribution): Sampler {
  switch (d.dist) {
    case 'constant': {
      const v = d.value;
      return () => v;
    }
    case 'exponential': {
      const mean = d.mean;
      return (rng) => -mean * Math.log(1 - rng.next());
    }
    case 'uniform': {
      const lo = d.min;
      const span = d.max - d.min;
      return (rng) => lo + span * rng.next();
    }
    case 'normal': {
      const { mean, stddev } = d;
      return (rng) => {
        for (let i = 0; i < 64; i++) {
          const x = mean + stddev * standardNormal(rng);
          if (x >= 0) return x;
        }
        return 0;
      };
    }
    case 'lognormal': {
      const mu = Math.log(d.median);
      const sigma = Math.log(d.p99 / d.median) / Z99;
      return (rng) => Math.exp(mu + sigma * standardNormal(rng));
    }
  }
}

/** Mean of a distribution (for capacity planning in reports and docs). */
export function meanOf(d: Distribution): number {
  switch (d.dist) {
    case 'constant':
      return d.value;
    case 'exponential':
      return d.mean;
    case 'uniform':
      return (d.min + d.max) / 2;
    case 'normal':
      return d.mean; // truncation ignored: callers use this for estimates only
    case 'lognormal': {
      const sigma = Math.log(d.p99 / d.median) / Z99;
      return d.median * Math.exp((sigma * sigma) / 2);
    }
  }
}
