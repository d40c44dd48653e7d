/**
 * A Flagger / Argo-Rollouts-like canary controller, as an xstate v5 statechart:
 *
 *   idle ──START──▶ progressing ──(pass at maxWeight)──▶ promoting ──after interval──▶ promoted
 *                   │  ▲  every `interval`: pass → weight += stepWeight (≤ maxWeight)
 *                   └──┘                   fail → failedChecks += 1 (weight held)
 *                   └──(failedChecks reaches threshold)──▶ rolled-back
 *
 * Semantics (documented choices):
 * - `start()` moves idle → progressing and sends the first step at once (weight = stepWeight,
 *   capped at maxWeight): the canary must receive traffic before anything can be analysed.
 * - At each tick (every `interval` ms after entering progressing, on the injected Clock) the
 *   machine pulls the interval's analysis from the driver's `analysis` source
 *   (`{ successRate, p99Ms, requests }`, successRate a ratio 0..1 like `minSuccessRate`) and
 *   evaluates it — the simulator and a live control plane both use this. Without a source, the
 *   most recent analysis pushed with `analyse()` since the previous tick is used. No analysis, or
 *   0 requests, is a failed check (as Flagger's "no values found").
 * - A check passes when successRate ≥ minSuccessRate and, if maxP99 is set, p99Ms ≤ maxP99.
 *   Pass below maxWeight: weight = min(weight + stepWeight, maxWeight). Pass at maxWeight:
 *   promoting (weight stays at maxWeight for one interval: the promotion), then promoted with
 *   weight 100. Fail: failedChecks + 1, weight held; at the `threshold`-th failed check (failed
 *   checks accumulate over the whole analysis, as Flagger's and Argo's failure limits) the
 *   rollout is rolled back at once: weight 0.
 * - promoted and rolled-back are final states.
 *
 * `canaryMachine` is exported for a UI; `CanaryController` runs it on the injected Clock and
 * reports every change as a `canary` MeshEvent with the reason the machine recorded.
 */
import { and, assign, createActor, raise, setup, type Actor } from 'xstate';
import type { Clock } from '../engine/types.ts';
import type { CanarySpec } from '../model/types.ts';
import type { MeshEventSink } from '../mesh/types.ts';
import { xstateClock } from '../mesh/xstate-clock.ts';
import { humanDuration } from '../model/duration.ts';

export type CanaryState = 'idle' | 'progressing' | 'promoting' | 'promoted' | 'rolled-back';

/** One interval's measurements of the canary subset. */
export interface CanaryAnalysis {
  /** Ratio 0..1. */
  successRate: number;
  p99Ms: number;
  requests: number;
}

export interface CanaryInput {
  canary: string;
  stepWeight: number;
  maxWeight: number;
  interval: number;
  threshold: number;
  minSuccessRate: number;
  maxP99?: number;
  pull?: () => CanaryAnalysis;
}

export interface CanaryContext extends Omit<CanaryInput, 'pull'> {
  /** Where the analysis comes from at each tick, when the driver offers one (see `CanaryControllerOptions.analysis`). */
  pull: (() => CanaryAnalysis) | null;
  /** Share of traffic (0..100) sent to the canary subset. */
  weight: number;
  failedChecks: number;
  /** The latest analysis pushed since the last tick. */
  sample: CanaryAnalysis | null;
  /** Why the machine is where it is (reason of the last step). */
  reason: string;
  /** The reason of the last failed check. */
  lastFailure: string;
}

export type CanaryEvent =
  | { type: 'START' }
  | { type: 'ANALYSIS'; sample: CanaryAnalysis }
  /** Internal: the tick, raised once the interval's analysis is in the context. */
  | { type: 'TICK' };

/** Format a ratio as a percentage with just enough decimals to tell it from `other`. */
function pctOf(x: number, other: number): string {
  const cmp = Math.sign(x - other);
  for (let d = 1; d <= 6; d++) {
    const a = Number((x * 100).toFixed(d));
    const b = Number((other * 100).toFixed(d));
    if (Math.sign(a - b) === cmp || d === 6) return String(a);
  }
  return String(x * 100);
}

function ms(x: number): string {
  return String(Math.round(x * 100) / 100);
}

export interface CanaryVerdict {
  pass: boolean;
  text: string;
}

/** Evaluate the pending sample against the analysis criteria. */
export function evaluateCanary(c: CanaryContext): CanaryVerdict {
  const s = c.sample;
  if (s === null || !(s.requests > 0)) return { pass: false, text: `no requests to ${c.canary}` };
  const minTxt = pctOf(c.minSuccessRate, c.minSuccessRate);
  const okRate = s.successRate >= c.minSuccessRate;
  const rateTxt = okRate
    ? `success ${pctOf(s.successRate, c.minSuccessRate)}% ≥ ${minTxt}%`
    : `success ${pctOf(s.successRate, c.minSuccessRate)}% < ${minTxt}%`;
  if (c.maxP99 === undefined) return { pass: okRate, text: rateTxt };
  const okP99 = s.p99Ms <= c.maxP99;
  const p99Txt = okP99
    ? `p99 ${ms(s.p99Ms)} ms ≤ ${ms(c.maxP99)} ms`
    : `p99 ${ms(s.p99Ms)} ms > ${ms(c.maxP99)} ms`;
  if (okRate && okP99) return { pass: true, text: `${rateTxt}, ${p99Txt}` };
  return { pass: false, text: !okRate && !okP99 ? `${rateTxt}, ${p99Txt}` : !okRate ? rateTxt : p99Txt };
}

export const canaryMachine = setup({
  types: {
    context: {} as CanaryContext,
    events: {} as CanaryEvent,
    input: {} as CanaryInput,
  },
  delays: {
    interval: ({ context }) => context.interval,
  },
  guards: {
    passed: ({ context }) => evaluateCanary(context).pass,
    atMaxWeight: ({ context }) => context.weight >= context.maxWeight,
    thresholdReached: ({ context }) => context.failedChecks + 1 >= context.threshold,
  },
}).createMachine({
  id: 'canary',
  context: ({ input }) => ({
    ...input,
    pull: input.pull ?? null,
    weight: 0,
    failedChecks: 0,
    sample: null,
    reason: 'idle',
    lastFailure: '',
  }),
  initial: 'idle',
  on: {
    ANALYSIS: { actions: assign({ sample: ({ event }) => event.sample }) },
  },
  states: {
    idle: {
      on: {
        START: {
          target: 'progressing',
          actions: assign(({ context }) => {
            const w = Math.min(context.stepWeight, context.maxWeight);
            return {
              weight: w,
              sample: null,
              reason: `start: ${w}% to ${context.canary} (step ${context.stepWeight}%, max ${context.maxWeight}%, every ${humanDuration(context.interval)})`,
            };
          }),
        },
      },
    },
    progressing: {
      // The tick pulls the interval's analysis itself (when a source is given): no reliance on
      // another timer of the same instant having pushed it first.
      after: {
        interval: {
          actions: [
            assign({ sample: ({ context }) => (context.pull ? context.pull() : context.sample) }),
            raise({ type: 'TICK' }),
          ],
        },
      },
      on: {
        TICK: [
          {
            guard: and(['passed', 'atMaxWeight']),
            target: 'promoting',
            actions: assign(({ context }) => ({
              sample: null,
              reason: `promoting ${context.canary}: analysis passed at max weight ${context.weight}% (${evaluateCanary(context).text})`,
            })),
          },
          {
            guard: 'passed',
            target: 'progressing',
            reenter: true,
            // Passed below max weight: one more step.
            actions: assign(({ context }) => {
              const v = evaluateCanary(context);
              const w = Math.min(context.weight + context.stepWeight, context.maxWeight);
              return { weight: w, sample: null, reason: `step to ${w}%: ${v.text}` };
            }),
          },
          {
            guard: 'thresholdReached',
            target: 'rolled-back',
            actions: assign(({ context }) => {
              const v = evaluateCanary(context);
              const n = context.failedChecks + 1;
              return {
                weight: 0,
                failedChecks: n,
                sample: null,
                lastFailure: v.text,
                reason: `rollback: ${n} failed checks (${v.text})`,
              };
            }),
          },
          {
            target: 'progressing',
            reenter: true,
            actions: assign(({ context }) => {
              const v = evaluateCanary(context);
              const n = context.failedChecks + 1;
              return {
                failedChecks: n,
                sample: null,
                lastFailure: v.text,
                reason: `check failed (${n}/${context.threshold}): ${v.text}; holding at ${context.weight}%`,
              };
            }),
          },
        ],
      },
    },
    promoting: {
      after: {
        interval: {
          target: 'promoted',
          actions: assign(({ context }) => ({ weight: 100, reason: `promoted: 100% to ${context.canary}` })),
        },
      },
    },
    promoted: { type: 'final' },
    'rolled-back': { type: 'final' },
  },
});

export type CanaryActor = Actor<typeof canaryMachine>;

export interface CanaryControllerOptions {
  sink?: MeshEventSink;
  /**
   * The canary's measurements over the interval that is ending, read by the controller at each
   * tick (and reset by the driver when read). Without it, the driver pushes them with `analyse()`.
   */
  analysis?: () => CanaryAnalysis;
}

export class CanaryController {
  readonly actor: CanaryActor;
  readonly spec: CanarySpec;
  private readonly clock: Clock;
  private readonly sink: MeshEventSink | undefined;
  private lastValue: string = 'idle';
  private lastWeight = 0;
  private lastFailed = 0;

  constructor(spec: CanarySpec, clock: Clock, opts: CanaryControllerOptions = {}) {
    if (!(spec.stepWeight > 0)) throw new RangeError('canary.stepWeight must be > 0');
    if (!(spec.maxWeight > 0 && spec.maxWeight <= 100))
      throw new RangeError('canary.maxWeight must be in (0, 100]');
    if (!(spec.interval > 0)) throw new RangeError('canary.interval must be > 0 ms');
    if (!(spec.threshold >= 1)) throw new RangeError('canary.threshold must be ≥ 1');
    const min = spec.analysis.minSuccessRate;
    if (!(min >= 0 && min <= 1)) throw new RangeError('canary.analysis.minSuccessRate is a ratio in [0, 1]');
    this.spec = spec;
    this.clock = clock;
    this.sink = opts.sink;
    this.actor = createActor(canaryMachine, {
      clock: xstateClock(clock),
      input: {
        canary: spec.canary,
        stepWeight: spec.stepWeight,
        maxWeight: spec.maxWeight,
        interval: spec.interval,
        threshold: spec.threshold,
        minSuccessRate: min,
        maxP99: spec.analysis.maxP99,
        ...(opts.analysis && { pull: opts.analysis }),
      },
    });
    this.actor.subscribe((snap) => {
      const v = snap.value as string;
      const c = snap.context;
      if (v === this.lastValue && c.weight === this.lastWeight && c.failedChecks === this.lastFailed) return;
      this.lastValue = v;
      this.lastWeight = c.weight;
      this.lastFailed = c.failedChecks;
      this.sink?.(this.clock.now(), { kind: 'canary', subject: spec.service, state: v, reason: c.reason });
    });
    this.actor.start();
  }

  /** Begin the rollout: first step now, analysis every `interval`. */
  start(): void {
    this.actor.send({ type: 'START' });
  }

  /** Stop the actor (cancels the pending tick); the weight stays where it is. */
  stop(): void {
    this.actor.stop();
  }

  /** The driver's measurements of the canary for the interval that is ending (ignored once finished). */
  analyse(sample: CanaryAnalysis): void {
    if (this.actor.getSnapshot().status !== 'active') return; // promoted / rolled-back / stopped
    this.actor.send({
      type: 'ANALYSIS',
      sample: { successRate: sample.successRate, p99Ms: sample.p99Ms, requests: sample.requests },
    });
  }

  /** Share (0..100) of the service's traffic the router sends to the canary subset. */
  get canaryWeight(): number {
    return this.actor.getSnapshot().context.weight;
  }

  get state(): CanaryState {
    return this.actor.getSnapshot().value as CanaryState;
  }

  get failedChecks(): number {
    return this.actor.getSnapshot().context.failedChecks;
  }
}
