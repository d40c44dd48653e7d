/**
 * A learner's progress through a lab as a statechart (xstate v5): each step is predicted, acted
 * on, then checked; a failed check goes back to acting, a passed one moves on. The UI and the
 * terminal walk the same machine, so "where am I?" has one answer.
 */
import { assign, setup } from 'xstate';

export interface LabProgressContext {
  steps: number;
  step: number;
  /** The learner's prediction per step (step index → text), shown beside the outcome. */
  predictions: Record<number, string>;
  /** Checks run per step, passed or not. */
  attempts: Record<number, number>;
  passed: number[];
}

export type LabProgressEvent =
  | { type: 'PREDICT'; prediction: string }
  | { type: 'SKIP_PREDICTION' }
  | { type: 'CHECK' }
  | { type: 'CHECKED'; passed: boolean }
  | { type: 'NEXT' }
  | { type: 'RESET_STEP' };

export const labProgressMachine = setup({
  types: {
    context: {} as LabProgressContext,
    events: {} as LabProgressEvent,
    input: {} as { steps: number },
  },
  guards: {
    passed: ({ event }) => event.type === 'CHECKED' && event.passed,
    lastStep: ({ context }) => context.step + 1 >= context.steps,
  },
}).createMachine({
  id: 'labProgress',
  context: ({ input }) => ({ steps: input.steps, step: 0, predictions: {}, attempts: {}, passed: [] }),
  initial: 'predicting',
  states: {
    predicting: {
      on: {
        PREDICT: {
          target: 'acting',
          actions: assign({
            predictions: ({ context, event }) => ({
              ...context.predictions,
              [context.step]: event.prediction,
            }),
          }),
        },
        SKIP_PREDICTION: 'acting',
      },
    },
    acting: { on: { CHECK: 'checking' } },
    checking: {
      entry: assign({
        attempts: ({ context }) => ({
          ...context.attempts,
          [context.step]: (context.attempts[context.step] ?? 0) + 1,
        }),
      }),
      on: {
        CHECKED: [
          {
            guard: 'passed',
            target: 'passed',
            actions: assign({ passed: ({ context }) => [...context.passed, context.step] }),
          },
          { target: 'acting' },
        ],
      },
    },
    passed: {
      on: {
        NEXT: [
          { guard: 'lastStep', target: 'done' },
          { target: 'predicting', actions: assign({ step: ({ context }) => context.step + 1 }) },
        ],
        RESET_STEP: 'acting',
      },
    },
    done: { type: 'final' },
  },
});
