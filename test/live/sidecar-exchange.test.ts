/**
 * Acceptance 2 of the live data-plane issue, on real sockets: the scripted Exchange cases of
 * test/mesh/exchange.test.ts (success, 5xx retried, per-try timeout, route timeout, overflow,
 * breaker open, half-open probe succeeds / fails / is cancelled, no healthy upstream, downstream
 * cancel during back-off) pass through an in-process sidecar over 127.0.0.1 against scripted
 * upstream HTTP servers. The policies are MeshPolicy documents (resolved as the simulator
 * resolves them). Times are about ten times the virtual-clock table's, so a loaded machine's
 * scheduling slack cannot change an outcome; statuses, causes, flags and counts are asserted,
 * never durations.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AccessRecord } from '../../simulator/live/contract.ts';
import type { Sidecar } from '../../simulator/live/sidecar/sidecar.ts';
import type { DestinationPolicySpec, RetryInput } from '../../simulator/model/types.ts';
import {
  call,
  meshPolicy,
  ScriptedUpstreams,
  sleep,
  startSidecar,
  type Answer,
  type Step,
} from '../helpers/live-sidecar.ts';

const ok = (ms = 20): Step => ({ ms, status: 200 });
const e503 = (ms = 20): Step => ({ ms, status: 503 });
const e500 = (ms = 20): Step => ({ ms, status: 500 });

const retries = (over: RetryInput = {}): RetryInput => ({
  attempts: 2,
  retryOn: ['5xx'],
  retriableStatusCodes: [],
  backoff: { base: 50, max: 100 },
  otherHost: true,
  ...over,
});
/** No retries at all (Istio's default would retry connect failures). */
const noRetries: RetryInput = { attempts: 0 };

interface Ctx {
  sidecar: Sidecar;
  answers: Map<string, Promise<Answer | null>>;
  notes: Record<string, unknown>;
  id(name: string): string;
}

interface Case {
  name: string;
  dest: Omit<DestinationPolicySpec, 'service'>;
  ready?: boolean[];
  /** [at ms, step]. */
  steps: Array<[number, (c: Ctx) => void | Promise<void>]>;
  check: (
    c: Ctx,
    rec: (name: string) => AccessRecord | undefined,
    tries: (name: string) => number[],
  ) => Promise<void> | void;
}

const upstreams = new ScriptedUpstreams();
let seq = 0;

function request(c: Ctx, name: string, script: Step[], cancelAfterMs?: number): void {
  const id = c.id(name);
  upstreams.scripts.set(id, script);
  c.answers.set(
    name,
    call(c.sidecar.ports.outbound, 'reviews', `/${name}`, { 'x-request-id': id }, cancelAfterMs),
  );
}

async function breakerState(c: Ctx): Promise<string> {
  const r = await fetch(`http://127.0.0.1:${c.sidecar.ports.admin}/stats`);
  const s = (await r.json()) as { clusters: Record<string, { breaker: { state: string } | null }> };
  return s.clusters.reviews.breaker?.state ?? 'none';
}

const cases: Case[] = [
  {
    name: 'success',
    dest: { retries: retries() },
    steps: [[0, (c) => request(c, 'a', [ok()])]],
    check: async (c, rec) => {
      expect(await c.answers.get('a')).toMatchObject({ status: 200 });
      expect(rec('a')).toMatchObject({ response_code: 200, response_flags: '-', cause: null, tries: 1 });
    },
  },
  {
    name: '5xx retried, on the other host',
    dest: { retries: retries(), connectionPool: { maxRetries: 3 } },
    steps: [[0, (c) => request(c, 'a', [e503(), ok()])]],
    check: async (c, rec, tries) => {
      expect(await c.answers.get('a')).toMatchObject({ status: 200 });
      expect(rec('a')).toMatchObject({ response_code: 200, tries: 2 });
      const t = tries('a');
      expect(t).toHaveLength(2);
      expect(t[0]).not.toBe(t[1]);
    },
  },
  {
    name: '5xx retries exhausted: the last answer with URX',
    dest: { retries: retries({ attempts: 1 }) },
    steps: [[0, (c) => request(c, 'a', [e503(), e503()])]],
    check: async (c, rec) => {
      const a = await c.answers.get('a');
      expect(a).toMatchObject({ status: 503, cause: 'error-5xx' });
      expect(a!.body).toMatch(/^try 2 on upstream/); // the upstream's own answer is forwarded
      expect(rec('a')).toMatchObject({
        response_code: 503,
        cause: 'error-5xx',
        response_flags: 'URX',
        tries: 2,
      });
    },
  },
  {
    name: 'per-try timeout, retried',
    dest: { retries: retries({ perTryTimeout: 300 }) },
    steps: [[0, (c) => request(c, 'a', ['hang', ok()])]],
    check: async (c, rec) => {
      expect(await c.answers.get('a')).toMatchObject({ status: 200 });
      expect(rec('a')).toMatchObject({ response_code: 200, tries: 2 });
      expect(rec('a')!.duration).toBeGreaterThanOrEqual(295);
    },
  },
  {
    name: 'route timeout',
    dest: { timeout: 300, retries: retries() },
    steps: [[0, (c) => request(c, 'a', ['hang'])]],
    check: async (c, rec) => {
      expect(await c.answers.get('a')).toMatchObject({
        status: 504,
        cause: 'route-timeout',
        body: 'upstream request timeout',
      });
      expect(rec('a')).toMatchObject({
        response_code: 504,
        cause: 'route-timeout',
        response_flags: 'UT',
        tries: 1,
      });
    },
  },
  {
    name: 'pool overflow (UO), never retried',
    dest: {
      retries: retries(),
      connectionPool: { maxConnections: 1, maxRequests: 1, maxPendingRequests: 0, maxRetries: 3 },
    },
    steps: [
      [0, (c) => request(c, 'a', ['hang'], 600)],
      [200, (c) => request(c, 'b', [ok()])],
    ],
    check: async (c, rec) => {
      expect(await c.answers.get('b')).toMatchObject({ status: 503, cause: 'pool-overflow' });
      expect(rec('b')).toMatchObject({ response_code: 503, response_flags: 'UO', tries: 0 });
      expect(await c.answers.get('a')).toBeNull(); // cancelled by its caller
      expect(rec('a')).toMatchObject({ response_code: 0, response_flags: 'DC', cause: 'timeout' });
    },
  },
  {
    name: 'a queued request gets the slot the first one frees',
    dest: {
      retries: noRetries,
      connectionPool: { maxConnections: 1, maxRequests: 1, maxPendingRequests: 5 },
    },
    steps: [
      [0, (c) => request(c, 'a', [ok(300)])],
      [100, (c) => request(c, 'b', [ok(20)])],
    ],
    check: async (c, rec) => {
      expect(await c.answers.get('a')).toMatchObject({ status: 200 });
      expect(await c.answers.get('b')).toMatchObject({ status: 200 });
      expect(rec('b')).toMatchObject({ tries: 1 });
      expect(rec('b')!.duration).toBeGreaterThanOrEqual(150); // it waited for a's slot
    },
  },
  {
    name: 'breaker open (UO)',
    dest: {
      retries: noRetries,
      circuitBreaker: { consecutiveFailures: 1, openFor: 60_000, halfOpenRequests: 1 },
    },
    steps: [
      [0, (c) => request(c, 'a', [e500()])],
      [300, (c) => request(c, 'b', [ok()])],
      [600, async (c) => void (c.notes.state = await breakerState(c))],
    ],
    check: async (c, rec) => {
      expect(await c.answers.get('a')).toMatchObject({ status: 500, cause: 'error-5xx' });
      expect(await c.answers.get('b')).toMatchObject({ status: 503, cause: 'breaker-open' });
      expect(rec('b')).toMatchObject({ response_flags: 'UO', tries: 0 });
      expect(c.notes.state).toBe('open');
    },
  },
  {
    name: 'half-open probe succeeds: closed',
    dest: {
      retries: noRetries,
      circuitBreaker: { consecutiveFailures: 1, openFor: 300, halfOpenRequests: 1 },
    },
    steps: [
      [0, (c) => request(c, 'a', [e500()])],
      [800, (c) => request(c, 'probe', [ok()])],
      [1200, async (c) => void (c.notes.state = await breakerState(c))],
    ],
    check: async (c) => {
      expect(await c.answers.get('probe')).toMatchObject({ status: 200 });
      expect(c.notes.state).toBe('closed');
    },
  },
  {
    name: 'half-open probe fails: open again',
    dest: {
      retries: noRetries,
      circuitBreaker: { consecutiveFailures: 1, openFor: 400, halfOpenRequests: 1 },
    },
    steps: [
      [0, (c) => request(c, 'a', [e500()])],
      [100, async (c) => void (c.notes.before = await breakerState(c))],
      [900, async (c) => void (c.notes.halfOpen = await breakerState(c))],
      [1000, (c) => request(c, 'probe', [e500()])],
      [1200, async (c) => void (c.notes.after = await breakerState(c))],
    ],
    check: async (c, rec) => {
      expect(await c.answers.get('probe')).toMatchObject({ status: 500 });
      expect(rec('probe')).toMatchObject({ tries: 1 });
      expect(c.notes).toEqual({ before: 'open', halfOpen: 'half-open', after: 'open' });
    },
  },
  {
    name: 'half-open probe cancelled by the caller: the probe slot is freed, the next request probes',
    dest: {
      retries: noRetries,
      circuitBreaker: { consecutiveFailures: 1, openFor: 300, halfOpenRequests: 1 },
    },
    steps: [
      [0, (c) => request(c, 'a', [e500()])],
      [700, (c) => request(c, 'probe', ['hang'], 400)],
      [900, (c) => request(c, 'refused', [ok()])],
      [1300, async (c) => void (c.notes.afterCancel = await breakerState(c))],
      [1400, (c) => request(c, 'next', [ok()])],
      [1800, async (c) => void (c.notes.end = await breakerState(c))],
    ],
    check: async (c) => {
      expect(await c.answers.get('refused')).toMatchObject({ status: 503, cause: 'breaker-open' });
      expect(await c.answers.get('probe')).toBeNull();
      expect(c.notes.afterCancel).toBe('half-open');
      expect(await c.answers.get('next')).toMatchObject({ status: 200 });
      expect(c.notes.end).toBe('closed');
    },
  },
  {
    name: 'no healthy upstream (UH)',
    dest: { retries: retries() },
    ready: [false, false],
    steps: [[0, (c) => request(c, 'a', [ok()])]],
    check: async (c, rec) => {
      expect(await c.answers.get('a')).toMatchObject({
        status: 503,
        cause: 'no-healthy-upstream',
        body: 'no healthy upstream',
      });
      expect(rec('a')).toMatchObject({ response_flags: 'UH', tries: 0 });
    },
  },
  {
    name: 'downstream cancel during back-off: no further try',
    // Envoy's back-off is fully jittered (0 … interval); the draw is fixed by the instance's seed
    // (u ≈ 0.12 here), so a 30 s interval means a back-off of seconds, well past the cancel.
    dest: { retries: retries({ backoff: { base: 30_000, max: 30_000 } }) },
    steps: [[0, (c) => request(c, 'a', [e503(10), ok()], 300)]],
    check: async (c, rec, tries) => {
      await sleep(400);
      expect(await c.answers.get('a')).toBeNull();
      expect(tries('a')).toHaveLength(1);
      expect(rec('a')).toMatchObject({ response_code: 0, response_flags: 'DC', tries: 1 });
    },
  },
];

beforeAll(async () => {
  await upstreams.start(2);
});
afterAll(async () => {
  await upstreams.stop();
});

describe('the Exchange cases through a real sidecar on 127.0.0.1', () => {
  for (const k of cases) {
    it(
      k.name,
      async () => {
        const ready = k.ready ?? [true, true];
        const { sidecar, cleanup } = await startSidecar({
          policies: [meshPolicy([{ service: 'reviews', ...k.dest }])],
          endpoints: {
            reviews: ready.map((r, i) => ({
              key: `reviews-v1-${i}`,
              service: 'reviews',
              version: 'v1',
              address: upstreams.address(i),
              ready: r,
            })),
          },
        });
        const tag = `c${seq++}`;
        const ctx: Ctx = { sidecar, answers: new Map(), notes: {}, id: (n) => `${tag}-${n}` };
        try {
          const t0 = Date.now();
          const running: Promise<void>[] = [];
          for (const [at, step] of k.steps) {
            const wait = at - (Date.now() - t0);
            if (wait > 0) await sleep(wait);
            running.push(Promise.resolve(step(ctx)));
          }
          await Promise.all(running);
          await Promise.all(ctx.answers.values());
          await sleep(50); // the access record is written when the answer's last byte is out
          const rec = (n: string): AccessRecord | undefined =>
            sidecar.log.lastRecords().find((r) => r.request_id === ctx.id(n));
          await k.check(ctx, rec, (n) => upstreams.seen.get(ctx.id(n)) ?? []);
          // Every permit is back: nothing active on the cluster once the case is over.
          const cl = sidecar.policySet.cluster('reviews')!;
          expect(cl.active).toBe(0);
          expect(cl.activeRetries).toBe(0);
          expect(cl.totalHostActive()).toBe(0);
          expect(sidecar.inFlight).toBe(0);
        } finally {
          await cleanup();
        }
      },
      15_000,
    );
  }
});
