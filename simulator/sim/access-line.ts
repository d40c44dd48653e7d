/** Bridges the tracer's access records to telemetry's Envoy access-log formatter. */
import type { AccessRecord } from './tracer.ts';

export function formatAccessLine(r: AccessRecord): string {
  // Replaced by telemetry/access-log.ts once wired; kept tiny on purpose.
  return `[${r.startMs.toFixed(3)}] "${r.method} ${r.path} HTTP/1.1" ${r.status} ${r.flags} 0 ${r.bytesSent} ${Math.round(r.durationMs)} - "-" "meshdojo" "${r.requestId}" "${r.authority}" "${r.upstreamHost}"`;
}
