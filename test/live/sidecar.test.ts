/**
 * The live sidecar's other duties on real sockets: a policy swapped through `PUT /policy` without
 * a restart (in-flight requests finish on the old one), W3C traceparent and x-request-id
 * propagation, the JSONL access log with Envoy's flags (and its Envoy text form), `/metrics` as
 * Prometheus text, `/ready` and drain, a streamed body not retried, and the program itself
 * (`main.ts`: `ready` on stdout, a clean exit on SIGTERM, a bad config named with its field).
 */
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AccessRecord, SidecarConfig } from '../../simulator/live/contract.ts';
import { envoyLine } from '../../simulator/live/sidecar/access-log.ts';
import { call, meshPolicy, ScriptedUpstreams, sleep, startSidecar } from '../helpers/live-sidecar.ts';

const upstreams = new ScriptedUpstreams();
beforeAll(() => upstreams.start(2));
afterAll(() => upstreams.stop());

const endpoints = () => ({
  reviews: [0, 1].map((i) => ({
    key: `reviews-v1-${i}`,
    service: 'reviews',
    version: 'v1',
    address: upstreams.address(i),
    ready: true,
  })),
});

const retrying = meshPolicy([
  { service: 'reviews', retries: { attempts: 2, retryOn: ['5xx'], backoff: { base: 20, max: 40 } } },
]);
const notRetrying = meshPolicy([{ service: 'reviews', retries: { attempts: 0 } }]);

describe('the live sidecar', () => {
  it('swaps its policy through PUT /policy without a restart; an in-flight request finishes on the old one', async () => {
    const { sidecar, cleanup } = await startSidecar({ policies: [retrying], endpoints: endpoints() });
    try {
      const port = sidecar.ports.outbound;
      upstreams.scripts.set('swap-1', [
        { ms: 10, status: 503 },
        { ms: 10, status: 200 },
      ]);
      expect(await call(port, 'reviews', '/', { 'x-request-id': 'swap-1' })).toMatchObject({ status: 200 });
      // A slow request in flight while the policy changes: it keeps its retries.
      upstreams.scripts.set('swap-inflight', [
        { ms: 300, status: 503 },
        { ms: 10, status: 200 },
      ]);
      const inflight = call(port, 'reviews', '/', { 'x-request-id': 'swap-inflight' });
      await sleep(100);
      const put = await fetch(`http://127.0.0.1:${sidecar.ports.admin}/policy`, {
        method: 'PUT',
        body: JSON.stringify([notRetrying]),
      });
      expect(put.status).toBe(200);
      expect(await put.json()).toEqual({ generation: 2 });
      const got = (await (await fetch(`http://127.0.0.1:${sidecar.ports.admin}/policy`)).json()) as unknown[];
      expect(got).toEqual([notRetrying]);
      upstreams.scripts.set('swap-2', [
        { ms: 10, status: 503 },
        { ms: 10, status: 200 },
      ]);
      expect(await call(port, 'reviews', '/', { 'x-request-id': 'swap-2' })).toMatchObject({ status: 503 });
      expect(upstreams.seen.get('swap-2')).toHaveLength(1);
      expect(await inflight).toMatchObject({ status: 200 });
      expect(upstreams.seen.get('swap-inflight')).toHaveLength(2);
      // A bad body is refused with the field that is wrong, and the policy in force stays.
      const bad = await fetch(`http://127.0.0.1:${sidecar.ports.admin}/policy`, {
        method: 'PUT',
        body: '[{"name":"x"}]',
      });
      expect(bad.status).toBe(400);
      expect(((await bad.json()) as { error: string }).error).toMatch(
        /body\[0\]\.destinations: expected an array/,
      );
      expect(sidecar.policySet.generation).toBe(2);
    } finally {
      await cleanup();
    }
  });

  it('propagates traceparent (same trace, its own span) and x-request-id, and makes them when absent', async () => {
    const { sidecar, cleanup } = await startSidecar({ policies: [retrying], endpoints: endpoints() });
    try {
      const port = sidecar.ports.outbound;
      const tp = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
      await call(port, 'reviews', '/', { 'x-request-id': 'trace-1', traceparent: tp });
      const h = upstreams.headers.get('trace-1')!;
      expect(h.traceparent).toMatch(/^00-4bf92f3577b34da6a3ce929d0e0e4736-[0-9a-f]{16}-01$/);
      expect(h.traceparent).not.toBe(tp);
      expect(h['x-meshdojo-source']).toBe('productpage');
      await call(port, 'reviews', '/fresh');
      await sleep(50);
      const rec = sidecar.log.lastRecords().find((r) => r.path === '/fresh')!;
      expect(rec.request_id).toMatch(/^[0-9a-f-]{36}$/);
      const seen = upstreams.headers.get(rec.request_id)!;
      expect(seen.traceparent).toMatch(new RegExp(`^00-${rec.trace_id}-[0-9a-f]{16}-01$`));
    } finally {
      await cleanup();
    }
  });

  it('writes the access log as JSON lines with Envoy flags, and /metrics as Prometheus text', async () => {
    const { sidecar, dir, cleanup } = await startSidecar({
      policies: [
        meshPolicy([
          { service: 'reviews', retries: { attempts: 1, retryOn: ['5xx'], backoff: { base: 5, max: 10 } } },
        ]),
      ],
      endpoints: endpoints(),
      services: [
        { name: 'reviews', versions: ['v1'] },
        { name: 'ratings', versions: ['v1'] },
      ],
    });
    const port = sidecar.ports.outbound;
    upstreams.scripts.set('log-ok', [{ ms: 5, status: 200 }]);
    upstreams.scripts.set('log-urx', [
      { ms: 5, status: 503 },
      { ms: 5, status: 503 },
    ]);
    await call(port, 'reviews', '/ok', { 'x-request-id': 'log-ok' });
    await call(port, 'reviews', '/urx', { 'x-request-id': 'log-urx' });
    await call(port, 'ratings', '/uh', { 'x-request-id': 'log-uh' }); // no endpoints: UH
    await call(port, 'nowhere', '/nr', { 'x-request-id': 'log-nr' });
    const metrics = await (await fetch(`http://127.0.0.1:${sidecar.ports.admin}/metrics`)).text();
    await sidecar.stop(2000); // drains and flushes the log
    const lines = readFileSync(join(dir, 'access.jsonl'), 'utf8').trim().split('\n');
    await cleanup().catch(() => undefined);
    const recs = lines.map((l) => JSON.parse(l) as AccessRecord);
    const by = (id: string) => recs.find((r) => r.request_id === id)!;
    expect(by('log-ok')).toMatchObject({
      direction: 'outbound',
      from: 'productpage',
      to: 'reviews',
      response_code: 200,
      response_flags: '-',
      cause: null,
      tries: 1,
    });
    expect(by('log-urx')).toMatchObject({
      response_code: 503,
      response_flags: 'URX',
      cause: 'error-5xx',
      tries: 2,
    });
    expect(by('log-uh')).toMatchObject({
      response_code: 503,
      response_flags: 'UH',
      cause: 'no-healthy-upstream',
      tries: 0,
      upstream_host: null,
    });
    expect(by('log-nr')).toMatchObject({ response_code: 404, response_flags: 'NR', cause: 'no-route' });
    expect(envoyLine(by('log-urx'))).toMatch(
      /^\[[0-9T:.-]+Z\] "GET \/urx HTTP\/1\.1" 503 URX 0 0 \d+ \d+ "-" "-" "[0-9a-f-]{36}" "reviews" "127\.0\.0\.1:\d+"$/,
    );
    // Prometheus text: every sample line is `name{labels} value`, families declared before use.
    const families = new Set<string>();
    let samples = 0;
    for (const line of metrics.trim().split('\n')) {
      const t = /^# TYPE (\S+) (counter|gauge|histogram)$/.exec(line);
      if (t) families.add(t[1]);
      if (line.startsWith('#')) continue;
      const m = /^([a-z_]+)\{((?:[a-z_]+="(?:[^"\\]|\\.)*",?)*)\} (-?[0-9.e+]+|\+Inf|NaN)$/.exec(line);
      expect(m, line).not.toBeNull();
      expect(families.has(m![1].replace(/_(bucket|sum|count)$/, ''))).toBe(true);
      samples++;
    }
    expect(samples).toBeGreaterThan(10);
    expect(metrics).toContain(
      'istio_requests_total{reporter="source",source_workload="productpage-v1-0",destination_service="reviews",response_code="503",response_flags="URX"} 1',
    );
    expect(metrics).toContain('meshdojo_upstream_retries_total{destination_service="reviews"} 1');
  }, 20_000);

  it('does not retry a request whose body was streamed (not buffered), and retries a small one', async () => {
    const { sidecar, cleanup } = await startSidecar({ policies: [retrying], endpoints: endpoints() });
    try {
      const post = (id: string, body: Buffer, chunked: boolean) =>
        new Promise<number>((resolve, reject) => {
          const req = http.request(
            {
              host: '127.0.0.1',
              port: sidecar.ports.outbound,
              method: 'POST',
              path: '/upload',
              headers: {
                host: 'reviews',
                'x-request-id': id,
                ...(chunked ? {} : { 'content-length': body.length }),
              },
              agent: false,
            },
            (res) => {
              res.resume();
              res.on('end', () => resolve(res.statusCode ?? 0));
            },
          );
          req.on('error', reject);
          req.write(body);
          req.end();
        });
      upstreams.scripts.set('body-small', [
        { ms: 5, status: 503 },
        { ms: 5, status: 200 },
      ]);
      upstreams.scripts.set('body-big', [
        { ms: 5, status: 503 },
        { ms: 5, status: 200 },
      ]);
      upstreams.scripts.set('body-chunked', [
        { ms: 5, status: 503 },
        { ms: 5, status: 200 },
      ]);
      expect(await post('body-small', Buffer.alloc(1000, 1), false)).toBe(200);
      expect(upstreams.seen.get('body-small')).toHaveLength(2);
      expect(await post('body-big', Buffer.alloc(200_000, 1), false)).toBe(503);
      expect(upstreams.seen.get('body-big')).toHaveLength(1);
      expect(await post('body-chunked', Buffer.alloc(100, 1), true)).toBe(503);
      expect(upstreams.seen.get('body-chunked')).toHaveLength(1);
      const cl = sidecar.policySet.cluster('reviews')!;
      expect(cl.active).toBe(0);
      expect(cl.activeRetries).toBe(0);
    } finally {
      await cleanup();
    }
  });

  it('answers /ready 200, then 503 once drained, and refuses new requests while draining', async () => {
    const { sidecar, cleanup } = await startSidecar({ policies: [retrying], endpoints: endpoints() });
    try {
      const admin = `http://127.0.0.1:${sidecar.ports.admin}`;
      expect((await fetch(`${admin}/ready`)).status).toBe(200);
      upstreams.scripts.set('drain-slow', [{ ms: 300, status: 200 }]);
      const slow = call(sidecar.ports.outbound, 'reviews', '/', { 'x-request-id': 'drain-slow' });
      await sleep(50);
      const drained = fetch(`${admin}/drain`, { method: 'POST' });
      await sleep(50);
      expect((await fetch(`${admin}/ready`)).status).toBe(503);
      expect(await call(sidecar.ports.outbound, 'reviews', '/late')).toMatchObject({ status: 503 });
      expect(await slow).toMatchObject({ status: 200 }); // the in-flight one finished
      expect(await (await drained).json()).toEqual({ drained: true, inFlight: 0 });
    } finally {
      await cleanup();
    }
  });
});

describe('the sidecar program (simulator/live/sidecar/main.ts)', () => {
  it('prints ready, serves, and exits 0 on SIGTERM after draining; a bad config names its field', async () => {
    const { mkdtempSync, rmSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const dir = mkdtempSync(join(tmpdir(), 'meshdojo-sidecar-main-'));
    const free = async (): Promise<number> => {
      const s = http.createServer();
      await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
      const p = (s.address() as { port: number }).port;
      await new Promise<void>((r) => s.close(() => r()));
      return p;
    };
    const config: SidecarConfig = {
      runId: 't',
      service: 'productpage',
      instance: 'productpage-v1-0',
      version: 'v1',
      namespace: 'default',
      listen: { inbound: await free(), outbound: await free(), admin: await free() },
      appPort: 9,
      policies: [retrying],
      services: [{ name: 'reviews', versions: ['v1'] }],
      endpoints: endpoints(),
      accessLog: join(dir, 'access.jsonl'),
      epochMs: Date.now(),
    };
    const path = join(dir, 'sidecar.json');
    writeFileSync(path, JSON.stringify(config));
    const run = (cfg: string) =>
      spawn(process.execPath, ['--import', 'tsx', 'simulator/live/sidecar/main.ts', cfg], {
        stdio: ['ignore', 'pipe', 'pipe'],
      });
    try {
      const child = run(path);
      let out = '';
      child.stdout.on('data', (b: Buffer) => (out += b.toString()));
      const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
      for (let i = 0; i < 200 && !out.includes('ready'); i++) await sleep(50);
      expect(out).toBe('ready\n');
      upstreams.scripts.set('main-1', [{ ms: 5, status: 200 }]);
      expect(await call(config.listen.outbound, 'reviews', '/', { 'x-request-id': 'main-1' })).toMatchObject({
        status: 200,
      });
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      const lines = readFileSync(config.accessLog, 'utf8').trim().split('\n');
      expect(lines.map((l) => (JSON.parse(l) as AccessRecord).request_id)).toEqual(['main-1']);

      const badPath = join(dir, 'bad.json');
      writeFileSync(badPath, JSON.stringify({ ...config, listen: { ...config.listen, admin: 'x' } }));
      const bad = run(badPath);
      let err = '';
      bad.stderr.on('data', (b: Buffer) => (err += b.toString()));
      const code = await new Promise<number | null>((r) => bad.on('exit', (c) => r(c)));
      expect(code).toBe(2);
      expect(err.trim()).toBe(
        `sidecar: ${badPath}: field listen.admin: expected a port number 1–65535, got "x"`,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 30_000);
});
