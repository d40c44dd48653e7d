/** The stub service in-process: worker limit and queue, app retries and onError, side effects, deadlines. */
import http from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { startStub, type StubServer } from '../../simulator/live/stub/server.ts';
import type { StubConfig, StubRecord } from '../../simulator/live/stub/config.ts';
import type { EndpointSpec } from '../../simulator/model/types.ts';

const started: StubServer[] = [];
afterEach(async () => {
  await Promise.all(started.splice(0).map((s) => s.close()));
});

function endpoint(over: Partial<EndpointSpec> = {}): EndpointSpec {
  return {
    name: 'GET /work',
    serviceTime: { dist: 'constant', value: 1 },
    errorRate: 0,
    idempotent: true,
    responseBytes: 10,
    calls: [],
    ...over,
  };
}

async function stub(over: Partial<StubConfig>, records: StubRecord[] = []): Promise<StubServer> {
  const cfg: StubConfig = {
    runId: 't',
    service: 'svc',
    instance: 'svc-v1-0',
    version: 'v1',
    port: 0,
    concurrency: 4,
    queue: 4,
    endpoints: [endpoint()],
    seed: 1,
    downstream: { mode: 'direct', endpoints: {} },
    log: '/dev/null',
    epochMs: Date.now(),
    ...over,
  };
  const s = await startStub(cfg, (r) => records.push(r));
  started.push(s);
  return s;
}

function get(port: number, path: string, headers: Record<string, string> = {}) {
  return new Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }>(
    (resolve, reject) => {
      http
        .get({ host: '127.0.0.1', port, path, headers, agent: false }, (res) => {
          let body = '';
          res.on('data', (c: Buffer) => (body += c.toString()));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
        })
        .on('error', reject);
    },
  );
}

const table = (service: string, port: number) => ({
  [service]: [{ key: `${service}-v1-0`, service, version: 'v1', address: `127.0.0.1:${port}`, ready: true }],
});

describe('stub service', () => {
  it('answers health and stats, and the body has the endpoint’s size', async () => {
    const s = await stub({});
    expect((await get(s.port, '/healthz')).status).toBe(200);
    const r = await get(s.port, '/work');
    expect(r.status).toBe(200);
    expect(r.body.length).toBe(10);
    const st = JSON.parse((await get(s.port, '/_meshdojo/stats')).body);
    expect(st.arrivals).toBe(1);
    expect(st.served).toBe(1);
    expect((await get(s.port, '/nothing')).status).toBe(404);
  });

  it('one slot and a queue of one: the third concurrent request is refused with 503 at once', async () => {
    const s = await stub({
      concurrency: 1,
      queue: 1,
      endpoints: [endpoint({ serviceTime: { dist: 'constant', value: 300 } })],
    });
    const t0 = performance.now();
    const results = await Promise.all([get(s.port, '/work'), get(s.port, '/work'), get(s.port, '/work')]);
    const statuses = results.map((r) => r.status).sort();
    expect(statuses).toEqual([200, 200, 503]);
    const refused = results.find((r) => r.status === 503)!;
    expect(refused.headers['x-meshdojo-cause']).toBe('overflow');
    // The two admitted ones ran one after the other.
    expect(performance.now() - t0).toBeGreaterThanOrEqual(550);
    expect(s.stats().maxQueue).toBe(1);
  });

  it('a failing dependency: app retries, then the fallback answers degraded; with fail, 500', async () => {
    const recs: StubRecord[] = [];
    const bad = await stub({ service: 'dep', instance: 'dep-v1-0', endpoints: [endpoint({ errorRate: 1 })] });
    const call = { service: 'dep', endpoint: 'GET /work', retries: 1, probability: 1, times: 1 };
    const fallback = await stub(
      {
        endpoints: [endpoint({ calls: [{ kind: 'call', call: { ...call, onError: 'fallback' } }] })],
        downstream: { mode: 'direct', endpoints: table('dep', bad.port) },
      },
      recs,
    );
    const r = await get(fallback.port, '/work');
    expect(r.status).toBe(200);
    expect(r.headers['x-meshdojo-degraded']).toBe('1');
    expect(bad.stats().arrivals).toBe(2); // one try + one app retry
    const out = recs.find((x) => x.direction === 'outbound')!;
    expect(out.tries).toBe(2);
    expect(out.cause).toBe('error-5xx');
    const failing = await stub({
      endpoints: [endpoint({ calls: [{ kind: 'call', call: { ...call, onError: 'fail' } }] })],
      downstream: { mode: 'direct', endpoints: table('dep', bad.port) },
    });
    expect((await get(failing.port, '/work')).status).toBe(500);
  });

  it('the call’s own timeout ends a slow call; the slot is held while waiting', async () => {
    const slow = await stub({
      service: 'dep',
      endpoints: [endpoint({ serviceTime: { dist: 'constant', value: 1000 } })],
    });
    const recs: StubRecord[] = [];
    const caller = await stub(
      {
        concurrency: 1,
        queue: 0,
        endpoints: [
          endpoint({
            calls: [
              {
                kind: 'call',
                call: {
                  service: 'dep',
                  endpoint: 'GET /work',
                  timeout: 100,
                  retries: 0,
                  onError: 'ignore',
                  probability: 1,
                  times: 1,
                },
              },
            ],
          }),
        ],
        downstream: { mode: 'direct', endpoints: table('dep', slow.port) },
      },
      recs,
    );
    const [a, b] = await Promise.all([get(caller.port, '/work'), get(caller.port, '/work')]);
    expect([a.status, b.status].sort()).toEqual([200, 503]);
    const out = recs.find((x) => x.direction === 'outbound')!;
    expect(out.cause).toBe('timeout');
    expect(out.duration).toBeGreaterThanOrEqual(90);
    expect(out.duration).toBeLessThan(900);
  });

  it('parallel calls run at once; a non-idempotent endpoint counts its duplicates', async () => {
    // One slot, no queue: three calls at once leave two refused (sequential calls would all pass).
    const dep = await stub({
      service: 'dep',
      concurrency: 1,
      queue: 0,
      endpoints: [endpoint({ serviceTime: { dist: 'constant', value: 200 }, idempotent: false })],
    });
    const c = {
      service: 'dep',
      endpoint: 'GET /work',
      retries: 0,
      onError: 'fail' as const,
      probability: 1,
      times: 1,
    };
    const caller = await stub({
      endpoints: [endpoint({ calls: [{ kind: 'parallel', calls: [c, c, c] }] })],
      downstream: { mode: 'direct', endpoints: table('dep', dep.port) },
    });
    expect((await get(caller.port, '/work')).status).toBe(500);
    expect(dep.stats().overflow).toBe(2);
    // Refusals (503) execute nothing: one side effect, once the admitted call has finished.
    for (let i = 0; i < 100 && dep.stats().served < 1; i++) await new Promise((r) => setTimeout(r, 20));
    expect(dep.stats().sideEffects).toBe(1);
    expect(dep.stats().duplicateSideEffects).toBe(0);
    await get(dep.port, '/work', { 'x-meshdojo-retry': '1' });
    expect(dep.stats().duplicateSideEffects).toBe(1);
  });

  it('an unreachable dependency is a connect failure; PUT endpoints repoints it', async () => {
    const recs: StubRecord[] = [];
    const dep = await stub({ service: 'dep' });
    const caller = await stub(
      {
        endpoints: [
          endpoint({
            calls: [
              {
                kind: 'call',
                call: {
                  service: 'dep',
                  endpoint: 'GET /work',
                  retries: 0,
                  onError: 'fail',
                  probability: 1,
                  times: 1,
                },
              },
            ],
          }),
        ],
        downstream: { mode: 'direct', endpoints: table('dep', 1) },
      },
      recs,
    );
    expect((await get(caller.port, '/work')).status).toBe(500);
    expect(recs.find((x) => x.direction === 'outbound')!.cause).toBe('connect-failure');
    await new Promise<void>((resolve, reject) => {
      const req = http.request(
        { host: '127.0.0.1', port: caller.port, path: '/_meshdojo/endpoints', method: 'PUT', agent: false },
        (res) => {
          res.resume();
          res.on('end', () =>
            res.statusCode === 204 ? resolve() : reject(new Error(String(res.statusCode))),
          );
        },
      );
      req.end(JSON.stringify(table('dep', dep.port)));
    });
    expect((await get(caller.port, '/work')).status).toBe(200);
  });
});
