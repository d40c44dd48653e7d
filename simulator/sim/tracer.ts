/**
 * Sampled traces and access logs. Only requests the load generator marked as sampled leave
 * records, and both lists are capped, so memory does not grow with the simulated duration.
 */
import type { Span } from '../telemetry/types.ts';
import { FLAGS } from './causes.ts';
import { flagsText } from '../mesh/outcome.ts';
import type { Attempt, Invocation, SimExchange } from './lifecycle-types.ts';
import { splitEndpointName, type World } from './world.ts';

export interface AccessRecord {
  startMs: number;
  method: string;
  path: string;
  status: number;
  flags: string;
  bytesSent: number;
  durationMs: number;
  requestId: string;
  authority: string;
  upstreamHost: string;
  source: string;
}

const hex = (n: number, width: number): string => n.toString(16).padStart(width, '0');

export class Tracer {
  readonly spans: Span[] = [];
  readonly access: AccessRecord[] = [];
  private nextTrace = 1;
  private nextSpan = 1;
  constructor(
    private readonly maxSpans = 20000,
    private readonly maxLines = 20000,
  ) {}

  newTraceId(): number {
    return this.nextTrace++;
  }

  newSpanId(): number {
    return this.nextSpan++;
  }

  traceHex(id: number): string {
    return hex(id, 32);
  }

  serverSpan(inv: Invocation, status: number, now: number): void {
    if (this.spans.length >= this.maxSpans) return;
    const at = inv.attempt;
    const call = at.ex.call;
    this.spans.push({
      traceId: hex(call.traceId, 32),
      spanId: hex(inv.spanId, 16),
      parentSpanId: at.spanId ? hex(at.spanId, 16) : undefined,
      name: inv.ep.name,
      service: inv.inst.svc.name,
      instance: inv.inst.name,
      kind: 'server',
      startMs: inv.arrivedAt,
      endMs: now,
      status,
      attributes: { 'queue.ms': round3(inv.startedAt - inv.arrivedAt), degraded: inv.degraded },
    });
  }

  clientSpan(at: Attempt, status: number, cause: number, now: number): void {
    if (this.spans.length >= this.maxSpans) return;
    const call = at.ex.call;
    const caller = call.inv;
    const parent = caller && caller.spanId ? hex(caller.spanId, 16) : undefined;
    this.spans.push({
      traceId: hex(call.traceId, 32),
      spanId: hex(at.spanId, 16),
      parentSpanId: parent,
      name: `${at.inst.version.endpoints[call.spec.endpoint]?.name ?? 'call'} → ${at.inst.svc.name}`,
      service: caller ? caller.inst.svc.name : 'client',
      instance: caller ? caller.inst.name : 'client',
      kind: 'client',
      startMs: at.sentAt,
      endMs: now,
      status,
      flags: cause >= 0 ? FLAGS[cause] : undefined,
      attributes: { 'upstream.host': at.inst.name, retry: at.isRetry },
    });
  }

  /** One line per try at the caller's sidecar; `flagBits` are Envoy's (mesh/outcome.ts). */
  localReply(ex: SimExchange, now: number, world: World): void {
    if (this.access.length >= this.maxLines) return;
    this.access.push(localReplyRecord(ex, now, world));
  }

  accessLog(at: Attempt, status: number, flagBits: number, now: number, world: World): void {
    if (this.access.length >= this.maxLines) return;
    const call = at.ex.call;
    const { method, path } = splitEndpointName(
      world.services[call.spec.target].endpointNames[call.spec.endpoint] ?? 'GET /',
    );
    this.access.push({
      startMs: at.sentAt,
      method,
      path,
      status,
      flags: flagsText(flagBits),
      bytesSent: status < 400 ? (at.inst.version.endpoints[call.spec.endpoint]?.bytes ?? 0) : 0,
      durationMs: now - at.sentAt,
      requestId: hex(call.traceId, 32),
      authority: at.inst.svc.name,
      upstreamHost: at.inst.name,
      source: call.inv ? call.inv.inst.name : 'client',
    });
  }
}

/**
 * A reply the caller's proxy made itself (UO overflow or breaker open, UH, NR, FI): the line
 * Envoy's outbound listener writes, with no upstream host.
 */
export function localReplyRecord(ex: SimExchange, now: number, world: World): AccessRecord {
  const call = ex.call;
  const svc = world.services[call.spec.target];
  const { method, path } = splitEndpointName(svc.endpointNames[call.spec.endpoint] ?? 'GET /');
  return {
    startMs: ex.startedAt,
    method,
    path,
    status: ex.status,
    flags: flagsText(ex.flags),
    bytesSent: 0,
    durationMs: now - ex.startedAt,
    requestId: hex(call.traceId, 32),
    authority: svc.name,
    upstreamHost: '-',
    source: call.inv ? call.inv.inst.name : 'client',
  };
}

function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}
