/**
 * A minimal driver of the mesh core's Exchange on any `Clock`, with a scripted fake transport:
 * the same code runs on the VirtualClock and on the wall clock (real timers), which is the point
 * of the two-clocks test. It follows the usage comment at the top of simulator/mesh/exchange.ts.
 */
import type { Clock } from '../../simulator/engine/types.ts';
import type { Cluster } from '../../simulator/mesh/cluster.ts';
import {
  CMD_ARM_ROUTE_TIMER,
  CMD_BACKOFF,
  CMD_DELAY,
  CMD_MASK,
  CMD_RESPOND,
  CMD_SEND,
  Exchange,
  type Command,
} from '../../simulator/mesh/exchange.ts';
import { TRY_PER_TRY_TIMEOUT, flagsText } from '../../simulator/mesh/outcome.ts';
import { CAUSE_PER_TRY_TIMEOUT, FAILURE_CAUSES } from '../../simulator/model/causes.ts';

/** What the upstream does with one try: answer after `ms`, or never (`hang`). */
export type TryScript = { ms: number; kind: number; status: number; cause: number } | 'hang';

export interface Reply {
  status: number;
  cause: string;
  flags: string;
  tries: number;
  at: number;
}

interface Run {
  ex: Exchange;
  script: TryScript[];
  routeTimer: number;
  waitTimer: number;
  tryTimer: number;
  perTryTimer: number;
  reply: Reply | null;
  sends: number[];
}

export class ExchangeDriver {
  readonly runs = new Map<string, Run>();
  readonly log: string[] = [];

  constructor(
    readonly clock: Clock,
    readonly cluster: Cluster,
  ) {}

  request(id: string, script: TryScript[], path = '/'): Exchange {
    const ex = new Exchange(this.cluster, { method: 'GET', path, headers: {}, source: 'test' });
    const run: Run = {
      ex,
      script,
      routeTimer: 0,
      waitTimer: 0,
      tryTimer: 0,
      perTryTimer: 0,
      reply: null,
      sends: [],
    };
    this.runs.set(id, run);
    this.perform(run, ex.start(this.clock.now()));
    return ex;
  }

  cancel(id: string): void {
    const run = this.runs.get(id)!;
    this.clearTimers(run);
    run.ex.cancel(this.clock.now());
    this.drain();
  }

  reply(id: string): Reply | null {
    return this.runs.get(id)?.reply ?? null;
  }

  private byEx(ex: Exchange): Run {
    for (const r of this.runs.values()) if (r.ex === ex) return r;
    throw new Error('unknown exchange');
  }

  private perform(run: Run, cmd: Command): void {
    this.performOne(run, cmd);
    this.drain();
  }

  private drain(): void {
    for (let w = this.cluster.nextWoken(); w !== null; w = this.cluster.nextWoken())
      this.performOne(this.byEx(w), w.resume(this.clock.now()));
  }

  private performOne(run: Run, cmd: Command): void {
    const ex = run.ex;
    const clock = this.clock;
    if (cmd & CMD_ARM_ROUTE_TIMER)
      run.routeTimer = clock.schedule(ex.routeTimeoutMs, () => {
        run.routeTimer = 0;
        this.clearTimers(run);
        this.perform(run, ex.routeTimeout(clock.now()));
      });
    switch (cmd & CMD_MASK) {
      case CMD_DELAY:
      case CMD_BACKOFF:
        this.log.push(`wait ${Math.round(ex.waitMs)}`);
        run.waitTimer = clock.schedule(ex.waitMs, () => {
          run.waitTimer = 0;
          this.perform(run, ex.resume(clock.now()));
        });
        return;
      case CMD_SEND: {
        run.sends.push(ex.slot);
        const step = run.script[ex.tries - 1] ?? 'hang';
        if (step !== 'hang')
          run.tryTimer = clock.schedule(step.ms, () => {
            run.tryTimer = 0;
            if (run.perTryTimer) clock.cancel(run.perTryTimer);
            run.perTryTimer = 0;
            this.perform(run, ex.attemptEnded(clock.now(), step.kind, step.status, step.cause));
          });
        if (ex.perTryTimeoutMs !== Infinity)
          run.perTryTimer = clock.schedule(ex.perTryTimeoutMs, () => {
            run.perTryTimer = 0;
            if (run.tryTimer) clock.cancel(run.tryTimer);
            run.tryTimer = 0;
            this.perform(run, ex.attemptEnded(clock.now(), TRY_PER_TRY_TIMEOUT, 504, CAUSE_PER_TRY_TIMEOUT));
          });
        return;
      }
      case CMD_RESPOND:
        this.clearTimers(run);
        run.reply = {
          status: ex.status,
          cause: ex.cause < 0 ? 'ok' : FAILURE_CAUSES[ex.cause],
          flags: flagsText(ex.flags),
          tries: ex.tries,
          at: clock.now(),
        };
        return;
      default:
        return;
    }
  }

  private clearTimers(run: Run): void {
    for (const k of ['routeTimer', 'waitTimer', 'tryTimer', 'perTryTimer'] as const) {
      if (run[k] !== 0) this.clock.cancel(run[k]);
      run[k] = 0;
    }
  }
}
