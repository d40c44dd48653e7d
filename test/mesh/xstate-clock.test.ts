import { describe, expect, it } from 'vitest';
import { createActor, setup } from 'xstate';
import { VirtualClock } from '../../simulator/engine/clock.ts';
import { xstateClock } from '../../simulator/mesh/xstate-clock.ts';

function chainMachine(log: string[], clock: VirtualClock) {
  return setup({}).createMachine({
    initial: 'a',
    states: {
      a: { entry: () => log.push(`a@${clock.now()}`), after: { 100: 'b' }, on: { LEAVE: 'y' } },
      b: { entry: () => log.push(`b@${clock.now()}`), after: { 50: 'c' } },
      c: { entry: () => log.push(`c@${clock.now()}`), after: { 1000: 'd' } },
      d: { entry: () => log.push(`d@${clock.now()}`) },
      y: { entry: () => log.push(`y@${clock.now()}`) },
    },
  });
}

describe('xstateClock', () => {
  it('fires each delayed transition at its own virtual deadline, interleaved with other timers', () => {
    const clock = new VirtualClock();
    const log: string[] = [];
    const actor = createActor(chainMachine(log, clock), { clock: xstateClock(clock) }).start();
    // A foreign timer between b's entry (100) and c's (150) must see state b, not c.
    clock.schedule(120, () => log.push(`probe@${clock.now()}:${String(actor.getSnapshot().value)}`));
    clock.runUntil(500);
    expect(log).toEqual(['a@0', 'b@100', 'probe@120:b', 'c@150']);
    expect(actor.getSnapshot().value).toBe('c');
    clock.runUntil(1149);
    expect(actor.getSnapshot().value).toBe('c');
    clock.runUntil(1150);
    expect(log.at(-1)).toBe('d@1150');
    expect(clock.queue.size).toBe(0);
  });

  it('cancels the timer of a state left before its deadline', () => {
    const clock = new VirtualClock();
    const log: string[] = [];
    const actor = createActor(chainMachine(log, clock), { clock: xstateClock(clock) }).start();
    expect(clock.queue.size).toBe(1);
    clock.runUntil(50);
    actor.send({ type: 'LEAVE' });
    expect(clock.queue.size).toBe(0);
    clock.runUntil(10_000);
    expect(log).toEqual(['a@0', 'y@50']);
  });

  it('starts delays from the time of state entry and clamps bad delays to 0', () => {
    const clock = new VirtualClock();
    clock.runUntil(1000);
    const log: string[] = [];
    createActor(chainMachine(log, clock), { clock: xstateClock(clock) }).start();
    clock.runUntil(1_000_000);
    expect(log).toEqual(['a@1000', 'b@1100', 'c@1150', 'd@2150']);

    const xc = xstateClock(clock);
    const fired: number[] = [];
    xc.setTimeout(() => fired.push(clock.now()), -5);
    xc.setTimeout(() => fired.push(clock.now()), Number.NaN);
    const id = xc.setTimeout(() => fired.push(-1), 10);
    xc.clearTimeout(id);
    clock.runUntil(clock.now() + 100);
    expect(fired).toEqual([1_000_000, 1_000_000]);
  });
});
