/**
 * Adapter from our `Clock` to the clock option of xstate v5 (`createActor(machine, { clock })`).
 *
 * xstate schedules every delayed transition (`after`) and every delayed `raise`/`sendTo` through
 * `clock.setTimeout(fn, ms)` and cancels them through `clock.clearTimeout(id)`. Routing both to
 * our Clock makes each delayed transition fire at its own deadline (`now + ms`) in the
 * simulator's event order — unlike xstate's `SimulatedClock`, whose `increment(ms)` jumps the
 * time to the end first and only then runs every due timer — and on the wall clock in live mode.
 *
 * xstate processes an event synchronously when the timer calls back, so by the time our timer
 * returns the actor has already taken the delayed transition (no microtask is left pending, which
 * a virtual clock could not tolerate).
 */
import type { ActorOptions, AnyActorLogic } from 'xstate';
import type { Clock, TimerId } from '../engine/types.ts';

/** The clock shape xstate's `createActor` accepts (`{ setTimeout, clearTimeout }`). */
export type XstateClock = NonNullable<ActorOptions<AnyActorLogic>['clock']>;

/** Wrap `clock` for `createActor(machine, { clock: xstateClock(clock) })`. */
export function xstateClock(clock: Clock): XstateClock {
  return {
    setTimeout(fn: (...args: unknown[]) => void, ms: number): TimerId {
      // xstate passes numbers; guard against NaN/negative delays (fire "now", in order).
      return clock.schedule(ms > 0 ? ms : 0, fn as () => void);
    },
    clearTimeout(id: TimerId): void {
      clock.cancel(id);
    },
  };
}
