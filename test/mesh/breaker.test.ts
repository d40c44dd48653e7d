import { describe, expect, it } from 'vitest';
import { createActor } from 'xstate';
import { VirtualClock } from '../../simulator/engine/clock.ts';
import { CircuitBreaker, circuitBreakerMachine } from '../../simulator/mesh/breaker.ts';
import type { MeshEvent } from '../../simulator/mesh/types.ts';
import type { CircuitBreakerSpec } from '../../simulator/model/types.ts';

function make(spec: CircuitBreakerSpec, startAt = 0) {
  const clock = new VirtualClock();
  clock.runUntil(startAt);
  const events: { t: number; e: MeshEvent }[] = [];
  const b = new CircuitBreaker(spec, clock, {
    subject: 'productpage→reviews',
    sink: (t, e) => events.push({ t, e }),
  });
  return { clock, b, events };
}

/** One admitted request that fails. */
function fail(b: CircuitBreaker, cause = 'error-5xx'): void {
  expect(b.allow()).toBe(true);
  b.onFailure(cause);
}
function succeed(b: CircuitBreaker): void {
  expect(b.allow()).toBe(true);
  b.onSuccess();
}

describe('CircuitBreaker — consecutive failures', () => {
  const spec: CircuitBreakerSpec = { consecutiveFailures: 5, openFor: 30_000, halfOpenRequests: 1 };

  it('opens at exactly the Nth consecutive failure; a success resets the run', () => {
    const { b, events } = make(spec);
    for (let i = 0; i < 4; i++) fail(b);
    succeed(b);
    for (let i = 0; i < 4; i++) fail(b);
    expect(b.state).toBe('closed');
    expect(events).toEqual([]);
    fail(b, 'per-try-timeout');
    expect(b.state).toBe('open');
    expect(b.actor.getSnapshot().value).toBe('open');
    expect(events).toEqual([
      {
        t: 0,
        e: {
          kind: 'breaker',
          subject: 'productpage→reviews',
          state: 'open',
          reason: 'opened: 5 consecutive failures (last: per-try-timeout)',
        },
      },
    ]);
  });

  it('rejects while open, ignores late results, goes half-open at exactly openFor, closes after the probe', () => {
    const { clock, b, events } = make(spec, 1000);
    for (let i = 0; i < 5; i++) fail(b);
    expect(b.state).toBe('open');
    for (let i = 0; i < 3; i++) expect(b.allow()).toBe(false);
    expect(b.rejected).toBe(3);
    b.onSuccess(); // a request admitted before the trip answers late: ignored
    b.onFailure('reset');
    expect(b.state).toBe('open');

    clock.runUntil(30_999);
    expect(b.state).toBe('open');
    expect(b.allow()).toBe(false);
    clock.runUntil(31_000);
    expect(b.state).toBe('half-open');
    expect(events.at(-1)).toEqual({
      t: 31_000,
      e: {
        kind: 'breaker',
        subject: 'productpage→reviews',
        state: 'half-open',
        reason: 'half-open after 30 s',
      },
    });

    expect(b.allow()).toBe(true); // the probe
    expect(b.allow()).toBe(false); // only 1 probe in flight
    clock.runUntil(31_040);
    b.onSuccess();
    expect(b.state).toBe('closed');
    expect(events.at(-1)).toEqual({
      t: 31_040,
      e: {
        kind: 'breaker',
        subject: 'productpage→reviews',
        state: 'closed',
        reason: 'closed: 1/1 probes succeeded',
      },
    });
    // Closed again with a fresh count: 4 failures do not trip it.
    for (let i = 0; i < 4; i++) fail(b);
    expect(b.state).toBe('closed');
    expect(events.map((x) => x.e.state)).toEqual(['open', 'half-open', 'closed']);
  });

  it('re-opens on a failed probe and waits openFor again', () => {
    const { clock, b, events } = make(spec);
    for (let i = 0; i < 5; i++) fail(b);
    clock.runUntil(30_000);
    expect(b.state).toBe('half-open');
    expect(b.allow()).toBe(true);
    clock.runUntil(30_500);
    b.onFailure('per-try-timeout');
    expect(b.state).toBe('open');
    expect(events.at(-1)).toEqual({
      t: 30_500,
      e: {
        kind: 'breaker',
        subject: 'productpage→reviews',
        state: 'open',
        reason: 're-opened: probe failed (per-try-timeout)',
      },
    });
    clock.runUntil(60_499);
    expect(b.state).toBe('open');
    clock.runUntil(60_500);
    expect(b.state).toBe('half-open');
    expect(b.actor.getSnapshot().context.opens).toBe(2);
  });

  it('needs halfOpenRequests successful probes, at most that many in flight', () => {
    const { clock, b, events } = make({ consecutiveFailures: 2, openFor: 1000, halfOpenRequests: 2 });
    fail(b);
    fail(b);
    clock.runUntil(1000);
    expect(b.allow()).toBe(true);
    expect(b.allow()).toBe(true);
    expect(b.allow()).toBe(false);
    b.onSuccess();
    expect(b.state).toBe('half-open');
    expect(b.allow()).toBe(true); // one slot freed
    expect(b.allow()).toBe(false);
    b.onSuccess();
    expect(b.state).toBe('closed');
    expect(events.at(-1)?.e.reason).toBe('closed: 2/2 probes succeeded');
  });
});

describe('CircuitBreaker — failure rate over a sliding window', () => {
  const spec: CircuitBreakerSpec = {
    failureRate: { threshold: 50, window: 10_000, minimumRequests: 10 },
    openFor: 5000,
    halfOpenRequests: 1,
  };

  it('waits for the minimum volume, then opens when the rate reaches the threshold', () => {
    const { b, events } = make(spec);
    for (let i = 0; i < 9; i++) fail(b);
    expect(b.state).toBe('closed'); // 9/9 failed but only 9 requests
    fail(b, 'reset');
    expect(b.state).toBe('open');
    expect(events[0].e.reason).toBe(
      'opened: failure rate 100% ≥ 50% over 10000 ms (10/10 requests, last: reset)',
    );
  });

  it('opens at exactly 50 % (S F S F …), not at 4/9', () => {
    const { b } = make(spec);
    for (let i = 0; i < 4; i++) {
      succeed(b);
      fail(b);
    }
    succeed(b); // 4/9
    expect(b.state).toBe('closed');
    fail(b); // 5/10
    expect(b.state).toBe('open');
  });

  it('stays closed below the threshold', () => {
    const { b } = make(spec);
    for (let i = 0; i < 100; i++) {
      succeed(b);
      succeed(b);
      fail(b); // 33 %
    }
    expect(b.state).toBe('closed');
    expect(b.windowCounts()).toEqual({ requests: 300, failures: 100 });
  });

  it('slides: failures older than the window (10 buckets of 1 s) no longer count', () => {
    const a = make(spec);
    for (let i = 0; i < 9; i++) fail(a.b);
    a.clock.runUntil(9_999); // still the 10th bucket of the window
    fail(a.b);
    expect(a.b.state).toBe('open');

    const c = make(spec);
    for (let i = 0; i < 9; i++) fail(c.b);
    c.clock.runUntil(10_000); // bucket 0 has expired
    fail(c.b);
    expect(c.b.state).toBe('closed');
    expect(c.b.windowCounts()).toEqual({ requests: 1, failures: 1 });
    c.clock.runUntil(50_000);
    expect(c.b.windowCounts()).toEqual({ requests: 0, failures: 0 });
  });
});

describe('circuitBreakerMachine', () => {
  it('is inspectable and runnable on its own', () => {
    expect(Object.keys(circuitBreakerMachine.states)).toEqual(['closed', 'open', 'half-open']);
    const clock = new VirtualClock();
    const b = new CircuitBreaker({ consecutiveFailures: 1, openFor: 10, halfOpenRequests: 1 }, clock);
    const seen: string[] = [];
    b.actor.subscribe((s) => seen.push(String(s.value)));
    fail(b);
    clock.runUntil(10);
    expect(seen).toEqual(['open', 'half-open']);
    b.stop();

    const standalone = createActor(circuitBreakerMachine, {
      input: { openFor: 10, halfOpenRequests: 1 },
    }).start();
    standalone.send({ type: 'TRIP', reason: 'manual' });
    expect(standalone.getSnapshot().value).toBe('open');
    expect(standalone.getSnapshot().context.reason).toBe('opened: manual');
    standalone.stop();
  });
});
