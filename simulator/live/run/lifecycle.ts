/**
 * The lifecycle of a live run as an xstate v5 statechart:
 *
 *   preparing → starting → healthy → running (steady ⇄ chaos) → draining → stopped
 *        └──────────┴──────────┴───────────┴──────────────────────┴──→ failed
 *
 * Every waiting state has a bound (`after`): a start that never becomes healthy, a run past its
 * time bound or a drain that does not end moves to `failed` with the reason, never a hang. The
 * orchestrator sends the events; whoever watches (the CLI, `live up`) reads the state.
 */
import { assign, createActor, setup, type ActorRefFrom } from 'xstate';

export interface LifecycleBounds {
  /** From `starting` to `healthy`. */
  startMs: number;
  /** In `running` (the run's duration plus a grace). */
  runMs: number;
  drainMs: number;
}

export type LifecycleEvent =
  | { type: 'PREPARED' }
  | { type: 'STARTED' }
  | { type: 'RUN' }
  | { type: 'FAULT_START'; active: number }
  | { type: 'FAULT_END'; active: number }
  | { type: 'DRAIN' }
  | { type: 'STOPPED' }
  | { type: 'FAIL'; reason: string };

export const liveRunMachine = setup({
  types: {
    context: {} as { reason: string | null; bounds: LifecycleBounds },
    events: {} as LifecycleEvent,
    input: {} as LifecycleBounds,
  },
  delays: {
    start: ({ context }) => context.bounds.startMs,
    run: ({ context }) => context.bounds.runMs,
    drain: ({ context }) => context.bounds.drainMs,
  },
  actions: {
    fail: assign({ reason: ({ event }) => (event.type === 'FAIL' ? event.reason : 'failed') }),
  },
}).createMachine({
  id: 'live-run',
  initial: 'preparing',
  context: ({ input }) => ({ reason: null, bounds: input }),
  on: { FAIL: { target: '.failed', actions: 'fail' } },
  states: {
    preparing: { on: { PREPARED: 'starting' } },
    starting: {
      on: { STARTED: 'healthy' },
      after: {
        start: {
          target: 'failed',
          actions: assign({
            reason: ({ context }) => `the units were not healthy within ${context.bounds.startMs} ms`,
          }),
        },
      },
    },
    healthy: { on: { RUN: 'running', DRAIN: 'draining' } },
    running: {
      initial: 'steady',
      states: {
        steady: { on: { FAULT_START: 'chaos' } },
        chaos: {
          on: {
            FAULT_END: [{ guard: ({ event }) => event.active === 0, target: 'steady' }, {}],
          },
        },
      },
      on: { DRAIN: 'draining' },
      after: {
        run: {
          target: 'failed',
          actions: assign({
            reason: ({ context }) => `the run went past its time bound (${context.bounds.runMs} ms)`,
          }),
        },
      },
    },
    draining: {
      on: { STOPPED: 'stopped' },
      after: {
        drain: {
          target: 'failed',
          actions: assign({
            reason: ({ context }) => `draining took longer than ${context.bounds.drainMs} ms`,
          }),
        },
      },
    },
    stopped: { type: 'final' },
    failed: { type: 'final' },
  },
});

export type LifecycleActor = ActorRefFrom<typeof liveRunMachine>;

export function startLifecycle(bounds: LifecycleBounds): LifecycleActor {
  const actor = createActor(liveRunMachine, { input: bounds });
  actor.start();
  return actor;
}

/** `running.chaos` → `running.chaos`; `healthy` → `healthy`. */
export function stateName(actor: LifecycleActor): string {
  const v = actor.getSnapshot().value;
  if (typeof v === 'string') return v;
  const [k, sub] = Object.entries(v)[0];
  return `${k}.${String(sub)}`;
}
