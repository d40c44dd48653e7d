/**
 * The outbound listener: the local app calls `http://127.0.0.1:<outbound>/<path>` with
 * `Host: <service>`; that destination's `Cluster` runs one mesh-core `Exchange` per request, and
 * this module only performs its commands on the wall clock (the usage comment of
 * simulator/mesh/exchange.ts): fault delay and abort, the route timer, waiting in the pool's queue
 * (drained from `nextWoken()` in a loop), one try per SEND over the upstream transport with its
 * per-try timer (which aborts the upstream request), back-off before a retry, and the answer. A
 * downstream that goes away cancels the exchange.
 *
 * Bodies: a request body of known length up to 64 KiB is buffered (so it can be sent again);
 * a longer or chunked body is streamed into the first try and such a request is not retried (the
 * exchange's retry is cancelled and the try's answer goes back). Responses are streamed.
 *
 * Hot path: handlers are shared functions reading their call from the emitter (no closures per
 * request), header objects are built once per request and reused for every try.
 */
import http, {
  type ClientRequest,
  type IncomingMessage,
  type OutgoingHttpHeaders,
  type ServerResponse,
} from 'node:http';
import https from 'node:https';
import type { WallClock } from '../wall-clock.ts';
import {
  CAUSE_5XX,
  CAUSE_NONE,
  CAUSE_PER_TRY_TIMEOUT,
  CAUSE_TIMEOUT,
  FAILURE_CAUSES,
} from '../../model/causes.ts';
import type { Cluster } from '../../mesh/cluster.ts';
import {
  CMD_ARM_ROUTE_TIMER,
  CMD_BACKOFF,
  CMD_DELAY,
  CMD_MASK,
  CMD_RESPOND,
  CMD_SEND,
  Exchange,
  type Command,
} from '../../mesh/exchange.ts';
import {
  FLAG_DC,
  FLAG_NR,
  TRY_CONNECT_FAILURE,
  TRY_PER_TRY_TIMEOUT,
  TRY_RESET,
  TRY_RESPONSE,
  flagBitsOfCause,
  flagsText,
} from '../../mesh/outcome.ts';
import type { RequestInfo } from '../../mesh/types.ts';
import { envoyOutcome } from '../../telemetry/access-log.ts';
import { HEADERS, type AccessRecord } from '../contract.ts';
import { clientSideRefusal } from '../mtls/identity.ts';
import type { AccessLogWriter } from './access-log.ts';
import type { ClusterSet } from './cluster-set.ts';
import type { DestinationEndpoints, EndpointDirectory } from './endpoint-table.ts';
import type { SidecarMetrics } from './metrics.ts';
import { childTraceparent, newRequestId, newTraceId, traceFlagsOf, traceIdOf } from './trace.ts';
import type { UpstreamPool } from './upstream.ts';

/** Bodies up to this size (with a known length) are buffered and can be retried. */
export const MAX_BUFFERED_BODY = 64 * 1024;
const EMPTY = Buffer.alloc(0);

/** Request headers a proxy does not forward (hop-by-hop). */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'te', 'trailer', 'upgrade']);

const causeCodes = new Map<string, number>(FAILURE_CAUSES.map((c, i) => [c, i]));

export interface OutboundContext {
  clock: WallClock;
  service: string;
  instance: string;
  epochMs: number;
  currentSet(): ClusterSet;
  endpoints: EndpointDirectory;
  upstream: UpstreamPool;
  metrics: SidecarMetrics;
  log: AccessLogWriter;
  isDraining(): boolean;
  /** In-flight downstream requests (drain waits for zero). */
  callStarted(): void;
  callEnded(): void;
}

/** The exchange knows its call: woken exchanges come back from `nextWoken()`. */
class LiveExchange extends Exchange {
  constructor(
    cluster: Cluster,
    req: RequestInfo,
    readonly call: OutboundCall,
  ) {
    super(cluster, req);
  }
}

type TryRequest = ClientRequest & { call?: OutboundCall; gen?: number };
type Timer = ReturnType<typeof setTimeout>;
const CALL = Symbol('call');
type TaggedResponse = ServerResponse & { [CALL]?: OutboundCall };

class OutboundCall {
  ex: LiveExchange | null = null;
  set: ClusterSet | null = null;
  dest: DestinationEndpoints | null = null;
  body: Buffer = EMPTY;
  streamed = false;
  routeTimer: Timer | null = null;
  waitTimer: Timer | null = null;
  tryTimer: Timer | null = null;
  upReq: TryRequest | null = null;
  upRes: IncomingMessage | null = null;
  forwarding = false;
  gen = 0;
  resent = false;
  finished = false;
  upstreamHost: string | null = null;
  detail: string | undefined = undefined;
  /** A status/cause the driver answered with itself (no route, a streamed body not retried). */
  localStatus = 0;
  localCause = CAUSE_NONE;
  localFlags = 0;

  constructor(
    readonly ctx: OutboundContext,
    readonly req: IncomingMessage,
    readonly res: ServerResponse,
    readonly to: string,
    readonly headers: OutgoingHttpHeaders,
    readonly t: number,
    readonly started: number,
    readonly requestId: string,
    readonly traceId: string,
  ) {}
}

/** The handler of the outbound listener. */
export function outboundHandler(ctx: OutboundContext): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    const started = ctx.clock.now();
    const t = Date.now() - ctx.epochMs;
    if (ctx.isDraining()) {
      localReply(res, 503, 'overflow', 'draining', true);
      return;
    }
    const host = req.headers.host ?? '';
    const colon = host.indexOf(':');
    const to = colon < 0 ? host : host.slice(0, colon);
    const h = req.headers;
    const headers: OutgoingHttpHeaders = {};
    for (const k in h) if (!HOP_BY_HOP.has(k)) headers[k] = h[k];
    let requestId = h[HEADERS.requestId] as string | undefined;
    if (requestId === undefined) headers[HEADERS.requestId] = requestId = newRequestId();
    const tp = h[HEADERS.traceparent] as string | undefined;
    let traceId = traceIdOf(tp);
    if (traceId === undefined) traceId = newTraceId();
    headers[HEADERS.traceparent] = childTraceparent(traceId, traceFlagsOf(tp));
    headers[HEADERS.source] = ctx.service;
    const c = new OutboundCall(ctx, req, res, to, headers, t, started, requestId, traceId);
    (res as TaggedResponse)[CALL] = c;
    res.on('finish', onDownstreamFinish);
    res.on('close', onDownstreamClose);
    ctx.callStarted();

    const cl = h['content-length'];
    if (h['transfer-encoding'] === undefined && (cl === undefined || cl === '0')) {
      req.resume();
      begin(c);
    } else if (h['transfer-encoding'] === undefined && Number(cl) <= MAX_BUFFERED_BODY) {
      const chunks: Buffer[] = [];
      req.on('data', (b: Buffer) => chunks.push(b));
      req.on('end', () => {
        c.body = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks);
        if (!c.finished) begin(c);
      });
    } else {
      c.streamed = true;
      begin(c);
    }
  };
}

function begin(c: OutboundCall): void {
  const ctx = c.ctx;
  const set = ctx.currentSet();
  const cluster = set.cluster(c.to);
  if (cluster === null) {
    c.localStatus = 404;
    c.localCause = FAILURE_CAUSES.indexOf('no-route');
    c.localFlags = FLAG_NR;
    localReply(
      c.res,
      404,
      'no-route',
      `no route to '${c.to}' (Host names no service of the topology)`,
      false,
    );
    return;
  }
  c.set = set;
  set.inFlight++;
  c.dest = ctx.endpoints.of(c.to);
  const info: RequestInfo = {
    method: c.req.method ?? 'GET',
    path: c.req.url ?? '/',
    headers: c.req.headers as Record<string, string>,
    source: ctx.service,
  };
  const ex = new LiveExchange(cluster, info, c);
  c.ex = ex;
  const dl = c.req.headers[HEADERS.deadline];
  if (dl !== undefined) {
    const at = Number(dl);
    if (Number.isFinite(at)) ex.callerDeadline = c.started + (at - Date.now());
  }
  if (!cluster.deadlinePropagation) delete c.headers[HEADERS.deadline];
  perform(c, ex.start(c.started));
}

function perform(c: OutboundCall, cmd: Command): void {
  performOne(c, cmd);
  drainWoken(c.ex!.cluster, c.ctx.clock);
}

/** Start the requests a freed pool slot woke: a loop, never a recursion. */
function drainWoken(cluster: Cluster, clock: WallClock): void {
  for (let w = cluster.nextWoken(); w !== null; w = cluster.nextWoken()) {
    const call = (w as LiveExchange).call;
    performOne(call, w.resume(clock.now()));
  }
}

function performOne(c: OutboundCall, cmd: Command): void {
  const ex = c.ex!;
  if (cmd & CMD_ARM_ROUTE_TIMER) c.routeTimer = setTimeout(onRouteTimer, ex.routeTimeoutMs, c);
  switch (cmd & CMD_MASK) {
    case CMD_BACKOFF:
      if (c.streamed) {
        notRetried(c);
        return;
      }
      c.waitTimer = setTimeout(onWaited, ex.waitMs, c);
      return;
    case CMD_DELAY:
      c.waitTimer = setTimeout(onWaited, ex.waitMs, c);
      return;
    case CMD_SEND:
      sendTry(c);
      return;
    case CMD_RESPOND:
      respond(c);
      return;
    default:
      return; // CMD_QUEUE (woken by the pool) and CMD_NONE
  }
}

function onWaited(c: OutboundCall): void {
  c.waitTimer = null;
  perform(c, c.ex!.resume(c.ctx.clock.now()));
}

function onRouteTimer(c: OutboundCall): void {
  c.routeTimer = null;
  clearTry(c);
  perform(c, c.ex!.routeTimeout(c.ctx.clock.now()));
}

function onPerTryTimer(c: OutboundCall): void {
  c.tryTimer = null;
  abortTry(c);
  perform(c, c.ex!.attemptEnded(c.ctx.clock.now(), TRY_PER_TRY_TIMEOUT, 504, CAUSE_PER_TRY_TIMEOUT));
}

// ───────────────────────── one try ─────────────────────────

function sendTry(c: OutboundCall): void {
  const ex = c.ex!;
  c.resent = false;
  c.detail = undefined;
  if (ex.deadline !== Infinity)
    c.headers[HEADERS.deadline] = String(Math.round(Date.now() + (ex.deadline - c.ctx.clock.now())));
  transmit(c);
  if (ex.perTryTimeoutMs !== Infinity) c.tryTimer = setTimeout(onPerTryTimer, ex.perTryTimeoutMs, c);
}

/** Put the try on the wire (again, after a stale keep-alive connection was reset). */
function transmit(c: OutboundCall): void {
  const ex = c.ex!;
  const dest = c.dest!;
  const address = dest.address(ex.slot);
  c.upstreamHost = address;
  const target = c.ctx.upstream.target(address, c.to, dest.plaintext(ex.slot));
  const r = (target.tls ? https : http).request({
    agent: target.agent,
    host: target.host,
    port: target.port,
    method: c.req.method,
    path: c.req.url,
    headers: c.headers,
  }) as TryRequest;
  r.call = c;
  r.gen = ++c.gen;
  r.on('response', onTryResponse);
  r.on('error', onTryError);
  c.upReq = r;
  if (c.streamed) c.req.pipe(r);
  else r.end(c.body);
}

function onTryResponse(this: TryRequest, res: IncomingMessage): void {
  const c = this.call!;
  if (this.gen !== c.gen || c.ex === null) {
    res.resume();
    return;
  }
  if (c.tryTimer !== null) clearTimeout(c.tryTimer);
  c.tryTimer = null;
  c.upReq = null;
  const status = res.statusCode ?? 502;
  const named = res.headers[HEADERS.cause];
  let cause = named === undefined ? CAUSE_NONE : (causeCodes.get(named as string) ?? CAUSE_NONE);
  if (status >= 500 && cause === CAUSE_NONE) cause = CAUSE_5XX;
  c.upRes = res;
  performOne(c, c.ex.attemptEnded(c.ctx.clock.now(), TRY_RESPONSE, status, cause));
  if (c.upRes !== null && !c.forwarding) {
    // Retried: this answer is dropped (read to the end so that the connection is reused).
    c.upRes.resume();
    c.upRes = null;
  }
  drainWoken(c.ex.cluster, c.ctx.clock);
}

function onTryError(this: TryRequest, err: Error & { code?: string }): void {
  const c = this.call!;
  if (this.gen !== c.gen || c.ex === null) return;
  c.upReq = null;
  if (!c.streamed && !c.resent && this.reusedSocket && err.code === 'ECONNRESET') {
    // The upstream closed an idle keep-alive connection as we reused it: not the host's fault.
    c.resent = true;
    transmit(c);
    return;
  }
  if (c.tryTimer !== null) clearTimeout(c.tryTimer);
  c.tryTimer = null;
  let kind = TRY_RESET;
  const refusal = clientSideRefusal(err);
  if (refusal !== undefined) {
    kind = TRY_CONNECT_FAILURE;
    c.detail = `${refusal.reason} (${refusal.code})`;
    c.ctx.metrics.tlsRefused(refusal.reason);
  } else if (
    err.code === 'ECONNREFUSED' ||
    err.code === 'ETIMEDOUT' ||
    err.code === 'EHOSTUNREACH' ||
    err.code === 'EADDRNOTAVAIL'
  )
    kind = TRY_CONNECT_FAILURE;
  perform(c, c.ex.attemptEnded(c.ctx.clock.now(), kind, 503, CAUSE_NONE));
}

function abortTry(c: OutboundCall): void {
  const r = c.upReq;
  if (r === null) return;
  c.upReq = null;
  c.gen++;
  r.destroy();
}

function clearTry(c: OutboundCall): void {
  if (c.tryTimer !== null) clearTimeout(c.tryTimer);
  c.tryTimer = null;
  abortTry(c);
}

function clearTimers(c: OutboundCall): void {
  if (c.routeTimer !== null) clearTimeout(c.routeTimer);
  if (c.waitTimer !== null) clearTimeout(c.waitTimer);
  if (c.tryTimer !== null) clearTimeout(c.tryTimer);
  c.routeTimer = c.waitTimer = c.tryTimer = null;
}

// ───────────────────────── the answer ─────────────────────────

function respond(c: OutboundCall): void {
  clearTimers(c);
  const ex = c.ex!;
  if (c.upRes !== null && c.upRes.statusCode === ex.status) {
    forward(c, c.upRes, ex.cause);
    return;
  }
  const name = ex.cause < 0 ? 'ok' : FAILURE_CAUSES[ex.cause];
  localReply(c.res, ex.status, name, envoyOutcome(ex.cause).body || name, false);
}

/** A streamed body cannot be sent again: give back the retry and answer with the try's result. */
function notRetried(c: OutboundCall): void {
  const ex = c.ex!;
  const status = ex.lastTryStatus;
  const cause = ex.lastTryCause;
  ex.cancel(c.ctx.clock.now());
  clearTimers(c);
  c.localStatus = status;
  c.localCause = cause;
  c.localFlags = cause >= 0 ? flagBitsOfCause(cause) : 0;
  if (c.upRes !== null) forward(c, c.upRes, cause);
  else localReply(c.res, status, FAILURE_CAUSES[cause] ?? 'error-5xx', envoyOutcome(cause).body, false);
}

function forward(c: OutboundCall, up: IncomingMessage, cause: number): void {
  c.forwarding = true;
  const raw = up.rawHeaders;
  const out: string[] = [];
  let hasCause = false;
  for (let i = 0; i < raw.length; i += 2) {
    const k = raw[i].toLowerCase();
    if (HOP_BY_HOP.has(k)) continue;
    if (k === HEADERS.cause) hasCause = true;
    out.push(raw[i], raw[i + 1]);
  }
  if (!hasCause && cause >= 0) out.push(HEADERS.cause, FAILURE_CAUSES[cause]);
  c.res.writeHead(up.statusCode ?? 502, out);
  up.on('error', onUpstreamBodyError);
  (up as IncomingMessage & { [CALL]?: OutboundCall })[CALL] = c;
  up.pipe(c.res);
}

function onUpstreamBodyError(this: IncomingMessage & { [CALL]?: OutboundCall }): void {
  this[CALL]?.res.destroy();
}

function localReply(res: ServerResponse, status: number, cause: string, body: string, close: boolean): void {
  if (res.headersSent) return;
  const headers: OutgoingHttpHeaders = {
    'content-type': 'text/plain',
    'content-length': Buffer.byteLength(body),
    [HEADERS.cause]: cause,
  };
  if (close) headers.connection = 'close';
  res.writeHead(status, headers);
  res.end(body);
}

// ───────────────────────── the end of a call ─────────────────────────

function onDownstreamFinish(this: TaggedResponse): void {
  const c = this[CALL];
  if (c !== undefined) finish(c, false);
}

function onDownstreamClose(this: TaggedResponse): void {
  const c = this[CALL];
  if (c === undefined || c.finished) return;
  // The app went away before its answer was complete: cancel everything, answer nobody.
  const ex = c.ex;
  clearTimers(c);
  abortTry(c);
  if (c.upRes !== null) c.upRes.destroy();
  if (ex !== null && !ex.done) {
    ex.cancel(c.ctx.clock.now());
    drainWoken(ex.cluster, c.ctx.clock);
  }
  finish(c, true);
}

function finish(c: OutboundCall, downstreamGone: boolean): void {
  if (c.finished) return;
  c.finished = true;
  const ctx = c.ctx;
  const ex = c.ex;
  if (c.set !== null) c.set.release();
  ctx.callEnded();
  let status: number;
  let cause: number;
  let flags: number;
  if (c.localStatus !== 0) {
    status = c.localStatus;
    cause = c.localCause;
    flags = c.localFlags;
  } else if (ex !== null && ex.done && ex.status !== 0) {
    status = ex.status;
    cause = ex.cause;
    flags = ex.flags;
  } else {
    status = 0;
    cause = CAUSE_NONE;
    flags = 0;
  }
  if (downstreamGone && (status === 0 || !c.res.writableFinished)) {
    if (status === 0) cause = CAUSE_TIMEOUT;
    flags |= FLAG_DC;
    if (!c.forwarding) status = 0;
  }
  const duration = ctx.clock.now() - c.started;
  const tries = ex?.tries ?? 0;
  const ft = flagsText(flags);
  ctx.metrics.peer('outbound', c.to).record(status, flags, ft, cause, duration, tries);
  const rec: AccessRecord = {
    t: c.t,
    direction: 'outbound',
    from: ctx.service,
    to: c.to,
    instance: ctx.instance,
    method: c.req.method ?? 'GET',
    path: c.req.url ?? '/',
    response_code: status,
    response_flags: ft,
    cause: cause < 0 ? null : FAILURE_CAUSES[cause],
    duration,
    tries,
    upstream_host: tries > 0 ? c.upstreamHost : null,
    request_id: c.requestId,
    trace_id: c.traceId,
  };
  if (c.detail !== undefined) rec.detail = c.detail;
  ctx.log.write(rec);
}
