/**
 * Trace export: OTLP/JSON (what an OpenTelemetry Collector's OTLP/HTTP receiver accepts as
 * `application/json`) and the Jaeger UI "Upload JSON" format.
 *
 * Virtual time is mapped onto the fixed epoch 2026-01-01T00:00:00Z: a span that starts at virtual
 * 1234.5 ms starts at 2026-01-01T00:00:01.2345Z. Ids are lowercase hex (32 digits for traces, 16
 * for spans); ids that are not already in that form are derived from a sha256 of the given id,
 * so the export is deterministic whatever the producer used.
 */
import type { RunResult, Span } from './types.ts';
import { sha256Hex } from './hash.ts';

/** 2026-01-01T00:00:00Z in ms since the Unix epoch: time zero of every exported timestamp. */
export const EXPORT_EPOCH_MS = 1_767_225_600_000; // Date.UTC(2026, 0, 1)

const HEX32 = /^[0-9a-f]{32}$/;
const HEX16 = /^[0-9a-f]{16}$/;
const ZERO32 = '0'.repeat(32);
const ZERO16 = '0'.repeat(16);

/** A 32-hex-digit trace id for `id` (kept as is when it already is one, and not all zeros). */
export function traceIdHex(id: string): string {
  const s = id.toLowerCase();
  if (HEX32.test(s) && s !== ZERO32) return s;
  return sha256Hex(`trace:${id}`).slice(0, 32);
}

/** A 16-hex-digit span id for `id`. */
export function spanIdHex(id: string): string {
  const s = id.toLowerCase();
  if (HEX16.test(s) && s !== ZERO16) return s;
  return sha256Hex(`span:${id}`).slice(0, 16);
}

/** Virtual ms → Unix nanoseconds as a decimal string (exact: BigInt arithmetic). */
export function unixNanos(virtualMs: number): string {
  const ns = BigInt(Math.round(virtualMs * 1e6));
  return (BigInt(EXPORT_EPOCH_MS) * 1_000_000n + ns).toString();
}

/** Virtual ms → Unix microseconds (an exact integer below 2^53). */
export function unixMicros(virtualMs: number): number {
  return EXPORT_EPOCH_MS * 1000 + Math.round(virtualMs * 1000);
}

function spansOf(input: RunResult | readonly Span[]): readonly Span[] {
  return Array.isArray(input) ? (input as readonly Span[]) : (input as RunResult).traces;
}

/** Does this span count as an error (OpenTelemetry HTTP semantic conventions)? */
export function isErrorSpan(s: Span): boolean {
  if (s.status === 0 || s.status >= 500) return true;
  return s.kind === 'client' && s.status >= 400;
}

// ---- OTLP/JSON ----------------------------------------------------------------------------------

export interface OtlpAnyValue {
  stringValue?: string;
  intValue?: string;
  doubleValue?: number;
  boolValue?: boolean;
}
export interface OtlpKeyValue {
  key: string;
  value: OtlpAnyValue;
}
export interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  /** 2 = SPAN_KIND_SERVER, 3 = SPAN_KIND_CLIENT. */
  kind: number;
  startTimeUnixNano: string;
  endTimeUnixNano: string;
  attributes: OtlpKeyValue[];
  /** code 1 = STATUS_CODE_OK, 2 = STATUS_CODE_ERROR. */
  status: { code: number; message?: string };
}
export interface OtlpTracesData {
  resourceSpans: {
    resource: { attributes: OtlpKeyValue[] };
    scopeSpans: { scope: { name: string; version: string }; spans: OtlpSpan[] }[];
  }[];
}

function anyValue(v: string | number | boolean): OtlpAnyValue {
  if (typeof v === 'string') return { stringValue: v };
  if (typeof v === 'boolean') return { boolValue: v };
  if (Number.isSafeInteger(v)) return { intValue: String(v) };
  return { doubleValue: v };
}

function kv(key: string, v: string | number | boolean): OtlpKeyValue {
  return { key, value: anyValue(v) };
}

/** Span name "GET /x → svc" → method "GET" (for http.request.method). */
function methodOf(name: string): string | undefined {
  const m = /^(GET|POST|PUT|DELETE|PATCH|HEAD|OPTIONS)\b/.exec(name);
  return m ? m[1] : undefined;
}

function spanAttributes(s: Span): [string, string | number | boolean][] {
  const attrs: [string, string | number | boolean][] = [];
  const method = methodOf(s.name);
  if (method) attrs.push(['http.request.method', method]);
  if (s.status > 0) attrs.push(['http.response.status_code', s.status]);
  if (s.flags && s.flags !== '-') attrs.push(['envoy.response_flags', s.flags]);
  if (s.attributes) {
    for (const k of Object.keys(s.attributes).sort()) attrs.push([k, s.attributes[k]]);
  }
  return attrs;
}

/**
 * OTLP/JSON `TracesData`: one resource per service instance (`service.name`,
 * `service.instance.id`), ordered by `serviceNames` (then by first appearance), spans in the
 * order given. Accepts a RunResult (its `traces`) or a list of spans.
 */
export function toOtlpJson(
  input: RunResult | readonly Span[],
  serviceNames: readonly string[] = [],
): OtlpTracesData {
  const spans = spansOf(input);
  const order = new Map<string, number>();
  serviceNames.forEach((n, i) => order.set(n, i));
  const groups = new Map<string, { service: string; instance: string; first: number; spans: OtlpSpan[] }>();
  spans.forEach((s, i) => {
    const key = `${s.service}\u0000${s.instance}`;
    let g = groups.get(key);
    if (!g) {
      g = { service: s.service, instance: s.instance, first: i, spans: [] };
      groups.set(key, g);
    }
    const error = isErrorSpan(s);
    const span: OtlpSpan = {
      traceId: traceIdHex(s.traceId),
      spanId: spanIdHex(s.spanId),
      name: s.name,
      kind: s.kind === 'server' ? 2 : 3,
      startTimeUnixNano: unixNanos(s.startMs),
      endTimeUnixNano: unixNanos(s.endMs),
      attributes: spanAttributes(s).map(([k, v]) => kv(k, v)),
      status: error
        ? {
            code: 2,
            message: s.status === 0 ? `no response${s.flags ? ` (${s.flags})` : ''}` : `HTTP ${s.status}`,
          }
        : { code: 1 },
    };
    if (s.parentSpanId) span.parentSpanId = spanIdHex(s.parentSpanId);
    g.spans.push(span);
  });
  const list = [...groups.values()].sort((a, b) => {
    const oa = order.get(a.service) ?? Number.MAX_SAFE_INTEGER;
    const ob = order.get(b.service) ?? Number.MAX_SAFE_INTEGER;
    return oa !== ob ? oa - ob : a.first - b.first;
  });
  return {
    resourceSpans: list.map((g) => ({
      resource: { attributes: [kv('service.name', g.service), kv('service.instance.id', g.instance)] },
      scopeSpans: [{ scope: { name: 'meshdojo', version: '0.1.0' }, spans: g.spans }],
    })),
  };
}

// ---- Jaeger -------------------------------------------------------------------------------------

export interface JaegerTag {
  key: string;
  type: 'string' | 'bool' | 'int64' | 'float64';
  value: string | number | boolean;
}
export interface JaegerSpan {
  traceID: string;
  spanID: string;
  flags: number;
  operationName: string;
  references: { refType: 'CHILD_OF'; traceID: string; spanID: string }[];
  /** µs since the Unix epoch. */
  startTime: number;
  /** µs. */
  duration: number;
  tags: JaegerTag[];
  logs: never[];
  processID: string;
  warnings: null;
}
export interface JaegerTrace {
  traceID: string;
  spans: JaegerSpan[];
  processes: Record<string, { serviceName: string; tags: JaegerTag[] }>;
  warnings: null;
}
export interface JaegerDocument {
  data: JaegerTrace[];
  total: number;
  limit: number;
  offset: number;
  errors: null;
}

function jtag(key: string, v: string | number | boolean): JaegerTag {
  if (typeof v === 'string') return { key, type: 'string', value: v };
  if (typeof v === 'boolean') return { key, type: 'bool', value: v };
  return { key, type: Number.isSafeInteger(v) ? 'int64' : 'float64', value: v };
}

/**
 * The Jaeger UI "Upload JSON" document (the shape of Jaeger's query API): one entry per trace, in
 * order of first appearance, processes `p1…pn` per (service, instance) within the trace.
 * Accepts a RunResult (its `traces`) or a list of spans.
 */
export function toJaegerJson(input: RunResult | readonly Span[]): JaegerDocument {
  const spans = spansOf(input);
  const traces = new Map<string, { trace: JaegerTrace; procs: Map<string, string> }>();
  for (const s of spans) {
    const traceID = traceIdHex(s.traceId);
    let t = traces.get(traceID);
    if (!t) {
      t = { trace: { traceID, spans: [], processes: {}, warnings: null }, procs: new Map() };
      traces.set(traceID, t);
    }
    const pkey = `${s.service}\u0000${s.instance}`;
    let pid = t.procs.get(pkey);
    if (!pid) {
      pid = `p${t.procs.size + 1}`;
      t.procs.set(pkey, pid);
      t.trace.processes[pid] = { serviceName: s.service, tags: [jtag('hostname', s.instance)] };
    }
    const tags: JaegerTag[] = [jtag('span.kind', s.kind)];
    for (const [k, v] of spanAttributes(s))
      tags.push(
        jtag(
          k === 'http.response.status_code'
            ? 'http.status_code'
            : k === 'http.request.method'
              ? 'http.method'
              : k,
          v,
        ),
      );
    if (isErrorSpan(s)) tags.push(jtag('error', true));
    t.trace.spans.push({
      traceID,
      spanID: spanIdHex(s.spanId),
      flags: 1,
      operationName: s.name,
      references: s.parentSpanId ? [{ refType: 'CHILD_OF', traceID, spanID: spanIdHex(s.parentSpanId) }] : [],
      startTime: unixMicros(s.startMs),
      duration: Math.max(0, Math.round((s.endMs - s.startMs) * 1000)),
      tags,
      logs: [],
      processID: pid,
      warnings: null,
    });
  }
  const data = [...traces.values()].map((t) => t.trace);
  return { data, total: 0, limit: 0, offset: 0, errors: null };
}
