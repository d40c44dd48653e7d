/**
 * An endpoint's program on the wall clock, as the simulator runs it (simulator/sim/dataplane.ts,
 * `runSteps` / `callTryDone` / `finishCall`): the steps in order, the calls of a parallel group
 * at once, each call made with its probability, repeated `times`, tried `1 + retries` times with
 * its own timeout (retries at once, no back-off, as application code does), and a final failure
 * handled by `onError`: `fail` answers 500 at once, `fallback` answers degraded, `ignore` goes on.
 */
import type { CallSpec, CallStep } from '../../model/types.ts';
import type { Rng } from '../../engine/types.ts';
import { splitEndpointName } from '../../sim/world.ts';
import type { Downstream } from './downstream.ts';
import type { StubRecord } from './config.ts';
import { STUB_HEADERS } from './config.ts';

export interface ProgramOutcome {
  /** 200, or 500 when a call with `onError: fail` failed. */
  status: number;
  cause: string | null;
  degraded: boolean;
}

export interface ProgramContext {
  service: string;
  instance: string;
  rng: Rng;
  downstream: Downstream;
  /** Headers propagated to every call (request id, trace context, the load's header set). */
  headers: Record<string, string>;
  /** Set the caller's deadline header on calls (there is a sidecar to propagate it or not). */
  deadlines: boolean;
  /** ms since the run's epoch. */
  now: () => number;
  epochMs: number;
  record: (r: StubRecord) => void;
  onTry: () => void;
}

export async function runProgram(steps: readonly CallStep[], ctx: ProgramContext): Promise<ProgramOutcome> {
  let degraded = false;
  for (const step of steps) {
    const group = step.kind === 'call' ? [step.call] : step.calls;
    // Draw which calls of the group happen before issuing any (the simulator's order of draws).
    const chosen = group.filter((c) => c.probability >= 1 || ctx.rng.next() < c.probability);
    if (chosen.length === 0) continue;
    const failed = await firstFailure(chosen.map((c) => callRepeated(c, ctx)));
    for (const r of failed.settled) if (r.degraded) degraded = true;
    if (failed.fail) return { status: 500, cause: 'error-5xx', degraded };
  }
  return { status: 200, cause: null, degraded };
}

interface CallEnd {
  ok: boolean;
  degraded: boolean;
  /** The call failed for good and its onError is `fail`. */
  fail: boolean;
}

/** Resolves when every call ended, or at once when one ends with `fail`. */
function firstFailure(calls: Promise<CallEnd>[]): Promise<{ fail: boolean; settled: CallEnd[] }> {
  return new Promise((resolve) => {
    const settled: CallEnd[] = [];
    let left = calls.length;
    for (const p of calls)
      void p.then((r) => {
        settled.push(r);
        left--;
        if (r.fail) resolve({ fail: true, settled });
        else if (left === 0) resolve({ fail: false, settled });
      });
  });
}

async function callRepeated(spec: CallSpec, ctx: ProgramContext): Promise<CallEnd> {
  let degraded = false;
  for (let rep = 0; rep < spec.times; rep++) {
    const r = await callOnce(spec, ctx);
    if (!r.ok) {
      if (spec.onError === 'fail') return { ok: false, degraded, fail: true };
      if (spec.onError === 'fallback') degraded = true;
      return { ok: false, degraded, fail: false };
    }
    if (r.degraded) degraded = true;
  }
  return { ok: true, degraded, fail: false };
}

/** One logical call: up to 1 + retries tries, each with the call's own timeout. */
async function callOnce(spec: CallSpec, ctx: ProgramContext): Promise<{ ok: boolean; degraded: boolean }> {
  const { method, path } = splitEndpointName(spec.endpoint);
  const t0 = ctx.now();
  const tryCauses: string[] = [];
  let last = { status: 0, cause: null as string | null, degraded: false };
  let tries = 0;
  while (tries <= spec.retries) {
    const headers: Record<string, string> = { ...ctx.headers, [STUB_HEADERS.source]: ctx.service };
    if (tries > 0) headers[STUB_HEADERS.retry] = String(tries);
    if (ctx.deadlines && spec.timeout !== undefined)
      headers['x-meshdojo-deadline'] = String(Math.round(ctx.epochMs + ctx.now() + spec.timeout));
    tries++;
    ctx.onTry();
    last = await ctx.downstream.send(spec.service, method, path, headers, spec.timeout);
    if (last.cause === null && last.status < 500) break;
    tryCauses.push(last.cause ?? 'error-5xx');
  }
  const ok = last.cause === null && last.status < 500;
  ctx.record({
    direction: 'outbound',
    t: t0,
    duration: ctx.now() - t0,
    from: ctx.service,
    to: spec.service,
    instance: ctx.instance,
    status: last.status,
    cause: ok ? null : (last.cause ?? 'error-5xx'),
    degraded: ok && last.degraded,
    tries,
    tryCauses,
  });
  return { ok, degraded: ok && last.degraded };
}
