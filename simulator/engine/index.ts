export type { Clock, Rng, TimerId } from './types.ts';
export { EventQueue, type EventHandler } from './event-queue.ts';
export { VirtualClock } from './clock.ts';
export { createRng, SeededRng } from './rng.ts';
export { makeSampler, meanOf, standardNormal, type Sampler } from './distributions.ts';
