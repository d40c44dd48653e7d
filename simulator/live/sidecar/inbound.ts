/**
 * The inbound listener: requests from other sidecars (mTLS) or plain-text callers, checked by the
 * mesh core's `Authorizer` (mTLS mode + AuthorizationPolicy, the callee side) and forwarded to the
 * local app on `appPort` over keep-alive connections. A refused certificate is answered with its
 * reason (`expired`, `wrong CA`, `no certificate`) in the access log, `/stats` and the answer's
 * `x-meshdojo-cause: mtls`, never a bare reset.
 */
import http, { type IncomingMessage, type OutgoingHttpHeaders, type ServerResponse } from 'node:http';
import type { TLSSocket } from 'node:tls';
import { FAILURE_CAUSES } from '../../model/causes.ts';
import { FLAG_DC, FLAG_UC, FLAG_UF, flagsText } from '../../mesh/outcome.ts';
import type { RequestInfo } from '../../mesh/types.ts';
import { envoyOutcome } from '../../telemetry/access-log.ts';
import type { WallClock } from '../wall-clock.ts';
import { HEADERS, type AccessRecord } from '../contract.ts';
import { clientRefusal, serviceOf, spiffeIdOf } from '../mtls/identity.ts';
import type { AccessLogWriter } from './access-log.ts';
import type { ClusterSet } from './cluster-set.ts';
import type { SidecarMetrics } from './metrics.ts';
import { newRequestId, newTraceId, traceIdOf } from './trace.ts';

export interface InboundContext {
  clock: WallClock;
  service: string;
  instance: string;
  epochMs: number;
  appPort: number;
  currentSet(): ClusterSet;
  metrics: SidecarMetrics;
  log: AccessLogWriter;
  isDraining(): boolean;
  callStarted(): void;
  callEnded(): void;
}

const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'te', 'trailer', 'upgrade']);
const PEER = Symbol('peer');

/** What a connection's TLS said about its client, worked out once per connection. */
interface PeerInfo {
  identity: string | undefined;
  refusal: string | undefined;
  reason: string | undefined;
}
type PeerSocket = TLSSocket & { [PEER]?: PeerInfo };

function peerOf(req: IncomingMessage, metrics: SidecarMetrics): PeerInfo {
  const s = req.socket as PeerSocket;
  let p = s[PEER];
  if (p !== undefined) return p;
  if (s.encrypted !== true) p = { identity: undefined, refusal: undefined, reason: undefined };
  else {
    const r = clientRefusal(s);
    if (r !== undefined) {
      p = { identity: undefined, refusal: `${r.reason} (${r.code})`, reason: r.reason };
      metrics.tlsRefused(r.reason);
    } else p = { identity: spiffeIdOf(s.getPeerCertificate()), refusal: undefined, reason: undefined };
  }
  s[PEER] = p;
  return p;
}

export function inboundHandler(ctx: InboundContext): (req: IncomingMessage, res: ServerResponse) => void {
  const app = new http.Agent({ keepAlive: true, maxSockets: Infinity, maxFreeSockets: 256 });
  return (req, res) => {
    const started = ctx.clock.now();
    const t = Date.now() - ctx.epochMs;
    const h = req.headers;
    const requestId = (h[HEADERS.requestId] as string | undefined) ?? newRequestId();
    const traceId = traceIdOf(h[HEADERS.traceparent] as string | undefined) ?? newTraceId();
    const peer = peerOf(req, ctx.metrics);
    const from = peer.identity
      ? serviceOf(peer.identity)
      : ((h[HEADERS.source] as string | undefined) ?? 'client');
    let done = false;
    const end = (status: number, cause: string | null, flags: number, detail?: string): void => {
      if (done) return;
      done = true;
      ctx.callEnded();
      const duration = ctx.clock.now() - started;
      const causeIdx = cause === null ? -1 : FAILURE_CAUSES.indexOf(cause as (typeof FAILURE_CAUSES)[number]);
      const ft = flagsText(flags);
      ctx.metrics.peer('inbound', from).record(status, flags, ft, causeIdx, duration, 1);
      const rec: AccessRecord = {
        t,
        direction: 'inbound',
        from,
        to: ctx.service,
        instance: ctx.instance,
        method: req.method ?? 'GET',
        path: req.url ?? '/',
        response_code: status,
        response_flags: ft,
        cause,
        duration,
        tries: 1,
        upstream_host: `127.0.0.1:${ctx.appPort}`,
        request_id: requestId,
        trace_id: traceId,
      };
      if (detail !== undefined) rec.detail = detail;
      ctx.log.write(rec);
    };
    ctx.callStarted();
    const refuse = (status: number, cause: string, flags: number, body: string, detail?: string): void => {
      res.writeHead(status, {
        'content-type': 'text/plain',
        'content-length': Buffer.byteLength(body),
        [HEADERS.cause]: cause,
      });
      res.end(body);
      req.resume();
      end(status, cause, flags, detail);
    };
    if (ctx.isDraining()) {
      refuse(503, 'overflow', 0, 'draining');
      return;
    }
    if (peer.refusal !== undefined) {
      refuse(503, 'mtls', FLAG_UF, `TLS error: client certificate refused: ${peer.refusal}`, peer.refusal);
      return;
    }
    const set = ctx.currentSet();
    const info: RequestInfo = {
      method: req.method ?? 'GET',
      path: req.url ?? '/',
      headers: h as Record<string, string>,
      source: from,
    };
    const verdict = set.authorizer.check(peer.identity, ctx.service, info);
    if (!verdict.allowed) {
      if (verdict.cause === 'mtls')
        refuse(503, 'mtls', FLAG_UF, envoyOutcome('mtls').body, 'plaintext under strict mTLS');
      else refuse(403, 'denied', 0, envoyOutcome('denied').body, verdict.rule);
      return;
    }
    const headers: OutgoingHttpHeaders = {};
    for (const k in h) if (!HOP_BY_HOP.has(k)) headers[k] = h[k];
    headers[HEADERS.requestId] = requestId;
    const up = http.request({
      agent: app,
      host: '127.0.0.1',
      port: ctx.appPort,
      method: req.method,
      path: req.url,
      headers,
    });
    let upStatus = 0;
    let upCause: string | null = null;
    up.on('response', (ares) => {
      upStatus = ares.statusCode ?? 502;
      const named = ares.headers[HEADERS.cause] as string | undefined;
      upCause = named ?? (upStatus >= 500 ? 'error-5xx' : null);
      const out: string[] = [];
      const raw = ares.rawHeaders;
      for (let i = 0; i < raw.length; i += 2)
        if (!HOP_BY_HOP.has(raw[i].toLowerCase())) out.push(raw[i], raw[i + 1]);
      res.writeHead(upStatus, out);
      ares.on('error', () => res.destroy());
      ares.pipe(res);
    });
    up.on('error', (err: Error & { code?: string }) => {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      if (err.code === 'ECONNREFUSED')
        refuse(503, 'connect-failure', FLAG_UF, envoyOutcome('connect-failure').body);
      else refuse(503, 'reset', FLAG_UC, envoyOutcome('reset').body);
    });
    req.pipe(up);
    res.on('finish', () => end(upStatus || res.statusCode, upCause, 0));
    res.on('close', () => {
      if (!done) {
        up.destroy();
        end(0, 'timeout', FLAG_DC);
      }
    });
  };
}
