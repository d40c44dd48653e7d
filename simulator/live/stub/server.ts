/**
 * The stub service: plays one instance of a topology's service over HTTP on 127.0.0.1. Each
 * request takes a worker slot (or waits in the bounded queue, or is refused with 503 at once),
 * computes for a sampled service time on a timer (holding a core when the service has a `cpu`
 * limit), fails at the endpoint's error rate, runs its downstream calls while still holding its
 * slot (so a slow dependency fills the pool, as in a real cascade), and answers.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { SeededRng } from '../../engine/rng.ts';
import { makeSampler, type Sampler } from '../../engine/distributions.ts';
import type { EndpointSpec } from '../../model/types.ts';
import { splitEndpointName } from '../../sim/world.ts';
import { HEADERS, type EndpointTable } from '../contract.ts';
import { STUB_HEADERS, STUB_PATHS, type StubConfig, type StubRecord, type StubStats } from './config.ts';
import { makeDownstream } from './downstream.ts';
import { runProgram } from './program.ts';
import { waitMs, WorkerPool } from './workers.ts';

interface Route {
  spec: EndpointSpec;
  sample: Sampler;
  body: Buffer;
}

export interface StubServer {
  server: http.Server;
  port: number;
  stats(): StubStats;
  close(): Promise<void>;
}

export async function startStub(cfg: StubConfig, record: (r: StubRecord) => void): Promise<StubServer> {
  const rng = new SeededRng(`stub:${cfg.seed}:${cfg.instance}`);
  const timerRng = rng.stream('timers');
  const routes = new Map<string, Route>();
  for (const e of cfg.endpoints) {
    const { method, path } = splitEndpointName(e.name);
    routes.set(`${method} ${path}`, {
      spec: e,
      sample: makeSampler(e.serviceTime),
      body: Buffer.alloc(Math.max(0, e.responseBytes), 'x'),
    });
  }
  const t0 = performance.now() - (Date.now() - cfg.epochMs);
  const now = (): number => performance.now() - t0;
  const pool = new WorkerPool(cfg.concurrency, cfg.queue);
  const cores = cfg.cpu !== undefined ? new WorkerPool(Math.max(1, Math.ceil(cfg.cpu)), Infinity) : null;
  const downstream = makeDownstream(cfg.downstream);
  let abort: { percent: number; status: number } | null = null;
  const counters = {
    arrivals: 0,
    served: 0,
    overflow: 0,
    aborted: 0,
    sideEffects: 0,
    duplicateSideEffects: 0,
    orphaned: 0,
    calls: 0,
    tries: 0,
  };

  const stats = (): StubStats => ({
    instance: cfg.instance,
    service: cfg.service,
    ...counters,
    slots: pool.slots,
    busy: pool.busy,
    queued: pool.queued,
    maxQueue: pool.maxQueue,
    busySlotMs: pool.busySlotMs,
  });

  const compute = async (ms: number): Promise<void> => {
    if (!cores) return waitMs(ms, timerRng.next());
    await new Promise<void>((resolve) => cores.admit(resolve));
    try {
      await waitMs(ms, timerRng.next());
    } finally {
      cores.release();
    }
  };

  const answer = (
    res: http.ServerResponse,
    status: number,
    cause: string | null,
    degraded: boolean,
    body?: Buffer,
  ): void => {
    const headers: Record<string, string> = { 'content-type': 'text/plain' };
    if (cause) headers[STUB_HEADERS.cause] = cause;
    if (degraded) headers[STUB_HEADERS.degraded] = '1';
    res.writeHead(status, headers);
    res.end(status < 400 && body ? body : undefined);
  };

  const admin = (req: http.IncomingMessage, res: http.ServerResponse, path: string): boolean => {
    if (path === STUB_PATHS.health) {
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n');
      return true;
    }
    if (path === STUB_PATHS.stats) {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(stats()));
      return true;
    }
    if ((path === STUB_PATHS.endpoints || path === STUB_PATHS.fault) && req.method === 'PUT') {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        try {
          const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
          if (path === STUB_PATHS.endpoints) downstream.setEndpoints(body as EndpointTable);
          else abort = (body as { abort?: { percent: number; status: number } }).abort ?? null;
          res.writeHead(204).end();
        } catch (err) {
          res.writeHead(400, { 'content-type': 'text/plain' }).end(`bad JSON: ${(err as Error).message}\n`);
        }
      });
      return true;
    }
    return false;
  };

  const handle = (req: http.IncomingMessage, res: http.ServerResponse): void => {
    const path = (req.url ?? '/').split('?')[0];
    if (admin(req, res, path)) return;
    req.resume();
    const route = routes.get(`${req.method ?? 'GET'} ${path}`);
    const arrived = now();
    counters.arrivals++;
    const from = String(req.headers[STUB_HEADERS.source] ?? 'client');
    const isRetry =
      req.headers[STUB_HEADERS.retry] !== undefined ||
      Number(req.headers[STUB_HEADERS.envoyAttempt] ?? 1) > 1;
    let callerGone = false;
    res.on('close', () => {
      if (!res.writableFinished) callerGone = true;
    });
    const done = (
      status: number,
      cause: string | null,
      degraded: boolean,
      extra: Partial<StubRecord> = {},
    ): void => {
      const orphaned = callerGone;
      if (orphaned) counters.orphaned++;
      if (!callerGone) answer(res, status, cause, degraded, route?.body);
      record({
        direction: 'inbound',
        t: arrived,
        duration: now() - arrived,
        from,
        to: cfg.service,
        instance: cfg.instance,
        status,
        cause,
        degraded,
        ...(orphaned ? { orphaned } : {}),
        ...extra,
      });
    };
    if (!route) {
      done(404, 'no-route', false);
      return;
    }
    if (abort && rng.next() * 100 < abort.percent) {
      counters.aborted++;
      done(abort.status, 'fault-abort', false);
      return;
    }
    const admitted = pool.admit(() => void serve(route, req, arrived, isRetry, done));
    if (!admitted) {
      counters.overflow++;
      done(503, 'overflow', false);
    }
  };

  const serve = async (
    route: Route,
    req: http.IncomingMessage,
    arrived: number,
    isRetry: boolean,
    done: (status: number, cause: string | null, degraded: boolean, extra?: Partial<StubRecord>) => void,
  ): Promise<void> => {
    let status = 200;
    let cause: string | null = null;
    let degraded = false;
    try {
      await compute(route.sample(rng));
      const deadline = Number(req.headers[HEADERS.deadline] ?? NaN);
      if (route.spec.errorRate > 0 && rng.next() < route.spec.errorRate) {
        status = 500;
        cause = 'error-5xx';
      } else if (Number.isFinite(deadline) && deadline <= Date.now()) {
        status = 504;
        cause = 'timeout';
      } else if (route.spec.calls.length > 0) {
        const out = await runProgram(route.spec.calls, {
          service: cfg.service,
          instance: cfg.instance,
          rng,
          downstream,
          headers: propagated(req),
          deadlines: cfg.downstream.mode === 'sidecar',
          now,
          epochMs: cfg.epochMs,
          record,
          onTry: () => counters.tries++,
        });
        counters.calls++;
        ({ status, cause, degraded } = out);
      }
    } finally {
      pool.release();
    }
    counters.served++;
    const sideEffect = !route.spec.idempotent;
    if (sideEffect) {
      counters.sideEffects++;
      if (isRetry) counters.duplicateSideEffects++;
    }
    void arrived;
    done(status, cause, degraded, sideEffect ? { sideEffect, duplicate: isRetry } : {});
  };

  const server = http.createServer({ keepAliveTimeout: 60_000 }, handle);
  server.headersTimeout = 65_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(cfg.port, '127.0.0.1', () => resolve());
  });
  return {
    server,
    port: (server.address() as AddressInfo).port,
    stats,
    close: async () => {
      downstream.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Request id, trace context and the load's headers go on to every downstream call. */
function propagated(req: http.IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers)) {
    if (typeof v !== 'string') continue;
    if (k === HEADERS.requestId || k === HEADERS.traceparent || k === HEADERS.caller) out[k] = v;
    else if (!k.startsWith('x-meshdojo-') && !k.startsWith('x-envoy-') && !HOP_HEADERS.has(k)) out[k] = v;
  }
  return out;
}

/** Headers that describe this hop, not the request (never copied onto a downstream call). */
const HOP_HEADERS = new Set([
  'host',
  'connection',
  'keep-alive',
  'content-length',
  'transfer-encoding',
  'accept',
  'user-agent',
  'x-forwarded-for',
  'x-forwarded-proto',
  'x-b3-traceid',
  'x-b3-spanid',
  'tracestate',
]);
