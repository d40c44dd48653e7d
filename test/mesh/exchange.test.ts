/**
 * Acceptance 1 of the mesh-core issue: the same Exchange, driven by the same small driver, passes
 * one table of scripted cases on the virtual clock AND on the wall clock with real (short) timers
 * and a scripted fake transport. Times are in ms and chosen with wide margins so that a loaded
 * machine's timer slack (a few ms) cannot change an outcome.
 */
import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../../simulator/engine/clock.ts';
import { createRng } from '../../simulator/engine/rng.ts';
import type { Clock } from '../../simulator/engine/types.ts';
import { CircuitBreaker } from '../../simulator/mesh/breaker.ts';
import { Cluster, type ClusterPolicy } from '../../simulator/mesh/cluster.ts';
import { Endpoints } from '../../simulator/mesh/endpoints.ts';
import { EX_DONE, type Exchange } from '../../simulator/mesh/exchange.ts';
import { TRY_RESPONSE } from '../../simulator/mesh/outcome.ts';
import { ConnectionPool } from '../../simulator/mesh/pool.ts';
import { MaxRetriesGate } from '../../simulator/mesh/retry-budget.ts';
import { RetryPolicy } from '../../simulator/mesh/retry.ts';
import { CAUSE_5XX, CAUSE_NONE } from '../../simulator/model/causes.ts';
import type { RetrySpec } from '../../simulator/model/types.ts';
import { WallClock } from '../../simulator/live/wall-clock.ts';
import { ExchangeDriver, type TryScript } from '../helpers/exchange-driver.ts';

const ok = (ms = 2): TryScript => ({ ms, kind: TRY_RESPONSE, status: 200, cause: CAUSE_NONE });
const e503 = (ms = 2): TryScript => ({ ms, kind: TRY_RESPONSE, status: 503, cause: CAUSE_5XX });
const e500 = (ms = 2): TryScript => ({ ms, kind: TRY_RESPONSE, status: 500, cause: CAUSE_5XX });

const retries = (over: Partial<RetrySpec> = {}): RetryPolicy =>
  new RetryPolicy({
    attempts: 2,
    retryOn: ['5xx'],
    retriableStatusCodes: [],
    backoff: { base: 5, max: 10 },
    otherHost: true,
    ...over,
  });

interface Setup {
  clock: Clock;
  driver: ExchangeDriver;
  cluster: Cluster;
  endpoints: Endpoints;
  breaker: CircuitBreaker | null;
  /** Values a step recorded (e.g. the breaker's state at that moment). */
  notes: Record<string, unknown>;
}

interface Case {
  name: string;
  policy: (clock: Clock) => ClusterPolicy;
  /** Endpoints: ready flags (default: two ready endpoints). */
  ready?: boolean[];
  /** Scheduled steps: requests, cancels. */
  steps: Array<[at: number, (s: Setup) => void]>;
  /** How long the case runs (ms). */
  duration: number;
  check: (s: Setup) => void;
}

const cases: Case[] = [
  {
    name: 'success',
    policy: () => ({ retry: retries() }),
    steps: [[0, (s) => s.driver.request('a', [ok()])]],
    duration: 50,
    check: ({ driver }) =>
      expect(driver.reply('a')).toMatchObject({ status: 200, cause: 'ok', flags: '-', tries: 1 }),
  },
  {
    name: '5xx retried, on the other host',
    policy: () => ({ retry: retries(), retryGate: new MaxRetriesGate(3) }),
    steps: [[0, (s) => s.driver.request('a', [e503(), ok()])]],
    duration: 80,
    check: ({ driver }) => {
      expect(driver.reply('a')).toMatchObject({ status: 200, cause: 'ok', tries: 2 });
      const sends = driver.runs.get('a')!.sends;
      expect(sends[0]).not.toBe(sends[1]);
    },
  },
  {
    name: '5xx retries exhausted: the last answer with URX',
    policy: () => ({ retry: retries({ attempts: 1 }) }),
    steps: [[0, (s) => s.driver.request('a', [e503(), e503()])]],
    duration: 80,
    check: ({ driver }) =>
      expect(driver.reply('a')).toMatchObject({ status: 503, cause: 'error-5xx', flags: 'URX', tries: 2 }),
  },
  {
    name: 'per-try timeout, retried',
    policy: () => ({ retry: retries({ perTryTimeout: 40 }) }),
    steps: [[0, (s) => s.driver.request('a', ['hang', ok()])]],
    duration: 150,
    check: ({ driver }) => {
      const r = driver.reply('a')!;
      expect(r).toMatchObject({ status: 200, cause: 'ok', tries: 2 });
      expect(r.at).toBeGreaterThanOrEqual(40);
    },
  },
  {
    name: 'route timeout',
    policy: () => ({ routeTimeoutMs: 40, retry: retries() }),
    steps: [[0, (s) => s.driver.request('a', ['hang'])]],
    duration: 120,
    check: ({ driver }) => {
      const r = driver.reply('a')!;
      expect(r).toMatchObject({ status: 504, cause: 'route-timeout', flags: 'UT', tries: 1 });
      expect(r.at).toBeGreaterThanOrEqual(40);
    },
  },
  {
    name: 'pool overflow (UO), never retried',
    policy: () => ({
      retry: retries(),
      pool: new ConnectionPool<Exchange>({
        maxConnections: 1,
        maxRequests: 1,
        maxPendingRequests: 0,
        maxRetries: 3,
      }),
    }),
    steps: [
      [0, (s) => s.driver.request('a', ['hang'])],
      [5, (s) => s.driver.request('b', [ok()])],
      [30, (s) => s.driver.cancel('a')],
    ],
    duration: 60,
    check: ({ driver }) => {
      expect(driver.reply('b')).toMatchObject({ status: 503, cause: 'pool-overflow', flags: 'UO', tries: 0 });
      expect(driver.reply('a')).toBeNull(); // cancelled: nobody is answered
    },
  },
  {
    name: 'a queued request gets the slot the first one frees',
    policy: () => ({
      pool: new ConnectionPool<Exchange>({
        maxConnections: 1,
        maxRequests: 1,
        maxPendingRequests: 5,
        maxRetries: 3,
      }),
    }),
    steps: [
      [0, (s) => s.driver.request('a', [ok(30)])],
      [5, (s) => s.driver.request('b', [ok(2)])],
    ],
    duration: 100,
    check: ({ driver }) => {
      expect(driver.reply('a')).toMatchObject({ status: 200 });
      const b = driver.reply('b')!;
      expect(b).toMatchObject({ status: 200, tries: 1 });
      expect(b.at).toBeGreaterThanOrEqual(30);
    },
  },
  {
    name: 'breaker open (UO)',
    policy: (clock) => ({
      breaker: new CircuitBreaker({ consecutiveFailures: 1, openFor: 10_000, halfOpenRequests: 1 }, clock),
    }),
    steps: [
      [0, (s) => s.driver.request('a', [e500()])],
      [30, (s) => s.driver.request('b', [ok()])],
    ],
    duration: 60,
    check: ({ driver, breaker }) => {
      expect(driver.reply('a')).toMatchObject({ status: 500, cause: 'error-5xx' });
      expect(driver.reply('b')).toMatchObject({ status: 503, cause: 'breaker-open', flags: 'UO', tries: 0 });
      expect(breaker!.state).toBe('open');
    },
  },
  {
    name: 'half-open probe succeeds: closed',
    policy: (clock) => ({
      breaker: new CircuitBreaker({ consecutiveFailures: 1, openFor: 30, halfOpenRequests: 1 }, clock),
    }),
    steps: [
      [0, (s) => s.driver.request('a', [e500()])],
      [80, (s) => s.driver.request('probe', [ok()])],
    ],
    duration: 130,
    check: ({ driver, breaker }) => {
      expect(driver.reply('probe')).toMatchObject({ status: 200 });
      expect(breaker!.state).toBe('closed');
    },
  },
  {
    name: 'half-open probe fails: open again',
    policy: (clock) => ({
      breaker: new CircuitBreaker({ consecutiveFailures: 1, openFor: 200, halfOpenRequests: 1 }, clock),
    }),
    // Wide gaps between the scripted moments (≈ 100 ms on either side of every state change: open
    // at 2, half-open at 202, the probe fails at 302, half-open again at 502): a
    // loaded machine's timer slack once let the probe's answer land after the `after` look.
    steps: [
      [0, (s) => s.driver.request('a', [e500()])],
      [40, (s) => (s.notes.before = s.breaker!.state)],
      [300, (s) => (s.notes.halfOpen = s.breaker!.state)],
      [300, (s) => s.driver.request('probe', [e500()])],
      [400, (s) => (s.notes.after = s.breaker!.state)],
    ],
    duration: 420,
    check: ({ driver, notes }) => {
      expect(driver.reply('probe')).toMatchObject({ status: 500, tries: 1 });
      expect(notes).toEqual({ before: 'open', halfOpen: 'half-open', after: 'open' });
    },
  },
  {
    name: 'half-open probe cancelled by the caller: the probe slot is freed, the next request probes',
    policy: (clock) => ({
      breaker: new CircuitBreaker({ consecutiveFailures: 1, openFor: 30, halfOpenRequests: 1 }, clock),
    }),
    steps: [
      [0, (s) => s.driver.request('a', [e500()])],
      [50, (s) => s.driver.request('probe', ['hang'])],
      [60, (s) => s.driver.request('refused', [ok()])],
      [70, (s) => s.driver.cancel('probe')],
      [75, (s) => (s.notes.afterCancel = s.breaker!.state)],
      [80, (s) => s.driver.request('next', [ok()])],
    ],
    duration: 110,
    check: ({ driver, breaker, notes }) => {
      expect(driver.reply('refused')).toMatchObject({ status: 503, cause: 'breaker-open' });
      expect(driver.reply('probe')).toBeNull();
      expect(notes.afterCancel).toBe('half-open');
      expect(driver.reply('next')).toMatchObject({ status: 200 });
      expect(breaker!.state).toBe('closed');
    },
  },
  {
    name: 'no healthy upstream (UH)',
    policy: () => ({ retry: retries() }),
    ready: [false, false],
    steps: [[0, (s) => s.driver.request('a', [ok()])]],
    duration: 30,
    check: ({ driver }) =>
      expect(driver.reply('a')).toMatchObject({ status: 503, cause: 'no-healthy-upstream', flags: 'UH' }),
  },
  {
    name: 'downstream cancel during back-off: no further try',
    policy: () => ({ retry: retries({ backoff: { base: 200, max: 200 } }) }),
    steps: [
      [0, (s) => s.driver.request('a', [e503(1), ok()])],
      [20, (s) => s.driver.cancel('a')],
    ],
    duration: 260,
    check: ({ driver }) => {
      expect(driver.reply('a')).toBeNull();
      expect(driver.runs.get('a')!.sends).toHaveLength(1);
      expect(driver.runs.get('a')!.ex.state).toBe(EX_DONE);
    },
  },
];

function setup(c: Case, clock: Clock): Setup {
  const endpoints = new Endpoints();
  (c.ready ?? [true, true]).forEach((r, i) => endpoints.add(`pod-${i}`, 'v1', r));
  const policy = c.policy(clock);
  const cluster = new Cluster(endpoints, policy, createRng(7), 'test');
  return {
    clock,
    driver: new ExchangeDriver(clock, cluster),
    cluster,
    endpoints,
    breaker: policy.breaker ?? null,
    notes: {},
  };
}

/** Every permit and counter is back to zero once the case is over. */
function checkDrained(s: Setup): void {
  const c = s.cluster;
  expect(c.active).toBe(0);
  expect(c.activeRetries).toBe(0);
  expect(c.totalHostActive()).toBe(0);
  expect(c.wokenPending).toBe(0);
  if (c.pool) {
    expect(c.pool.active).toBe(0);
    expect(c.pool.pending).toBe(0);
  }
  if (s.breaker) expect(s.breaker.probes).toBe(0);
}

describe('Exchange on the virtual clock (scripted transport)', () => {
  for (const c of cases) {
    it(c.name, () => {
      const clock = new VirtualClock();
      const s = setup(c, clock);
      for (const [at, step] of c.steps) clock.schedule(at, () => step(s));
      clock.runUntil(c.duration);
      c.check(s);
      checkDrained(s);
      s.breaker?.stop();
    });
  }
});

describe('the same Exchange on the wall clock (real short timers, scripted transport)', () => {
  for (const c of cases) {
    it(c.name, async () => {
      const clock = new WallClock();
      const s = setup(c, clock);
      for (const [at, step] of c.steps) clock.schedule(at, () => step(s));
      await new Promise<void>((resolve) => setTimeout(resolve, c.duration + 40));
      c.check(s);
      checkDrained(s);
      s.breaker?.stop();
      clock.close();
    });
  }
});
