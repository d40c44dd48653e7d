/**
 * The sidecar's counters: Istio's standard metrics (`istio_requests_total`,
 * `istio_request_duration_milliseconds`) by direction, peer, response code and flags, and
 * meshdojo's per-cluster counters (tries, retries, failures by cause), kept in small integer-keyed
 * tables on the request path and turned into Prometheus text (`/metrics`) or JSON (`/stats`) only
 * when asked.
 */
import { FAILURE_CAUSES } from '../../model/causes.ts';
import { escapeLabelValue, formatSampleValue } from '../../telemetry/prometheus.ts';

/** Istio's default duration buckets, ms. */
export const DURATION_BUCKETS_MS = [
  0.5, 1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000, 60000, 300000, 600000, 1800000,
  3600000,
];

/** One (direction, peer) pair's counters. */
export class PeerStats {
  requests = 0;
  tries = 0;
  retries = 0;
  readonly byCause = new Float64Array(FAILURE_CAUSES.length);
  /** (status × 4096 + flag bits) → count. */
  readonly byCodeFlags = new Map<number, number>();
  readonly flagText = new Map<number, string>();
  readonly buckets = new Float64Array(DURATION_BUCKETS_MS.length);
  sumMs = 0;

  record(status: number, flagBits: number, flags: string, cause: number, ms: number, tries: number): void {
    this.requests++;
    this.tries += tries;
    if (tries > 1) this.retries += tries - 1;
    if (cause >= 0) this.byCause[cause]++;
    const k = status * 4096 + flagBits;
    const n = this.byCodeFlags.get(k);
    if (n === undefined) {
      this.byCodeFlags.set(k, 1);
      this.flagText.set(k, flags);
    } else this.byCodeFlags.set(k, n + 1);
    this.sumMs += ms;
    const b = this.buckets;
    for (let i = 0; i < b.length; i++)
      if (ms <= DURATION_BUCKETS_MS[i]) {
        b[i]++;
        break;
      }
  }

  causes(): Record<string, number> {
    const out: Record<string, number> = {};
    FAILURE_CAUSES.forEach((c, i) => {
      if (this.byCause[i] > 0) out[c] = this.byCause[i];
    });
    return out;
  }
}

export class SidecarMetrics {
  readonly outbound = new Map<string, PeerStats>();
  readonly inbound = new Map<string, PeerStats>();
  /** Refused TLS peers by reason (`expired`, `wrong CA`, `no certificate`, `plaintext`…), both sides. */
  readonly tlsRefusals = new Map<string, number>();

  constructor(
    private readonly workload: string,
    private readonly service: string,
  ) {}

  peer(direction: 'outbound' | 'inbound', name: string): PeerStats {
    const m = direction === 'outbound' ? this.outbound : this.inbound;
    let s = m.get(name);
    if (s === undefined) {
      s = new PeerStats();
      m.set(name, s);
    }
    return s;
  }

  tlsRefused(reason: string): void {
    this.tlsRefusals.set(reason, (this.tlsRefusals.get(reason) ?? 0) + 1);
  }

  /** Prometheus text exposition (0.0.4). */
  prometheus(extra: string[] = []): string {
    const lines: string[] = [];
    const lbl = (pairs: [string, string][]): string =>
      pairs.map(([k, v]) => `${k}="${escapeLabelValue(v)}"`).join(',');
    const both = (
      fn: (reporter: string, dir: Map<string, PeerStats>, peerIs: 'dst' | 'src') => void,
    ): void => {
      fn('source', this.outbound, 'dst');
      fn('destination', this.inbound, 'src');
    };
    const peerLabels = (reporter: string, peer: string, peerIs: 'dst' | 'src'): [string, string][] => [
      ['reporter', reporter],
      ['source_workload', peerIs === 'dst' ? this.workload : peer],
      ['destination_service', peerIs === 'dst' ? peer : this.service],
    ];
    lines.push('# HELP istio_requests_total Requests, by response code and Envoy response flags.');
    lines.push('# TYPE istio_requests_total counter');
    both((reporter, dir, peerIs) => {
      for (const [peer, s] of sorted(dir))
        for (const [k, n] of [...s.byCodeFlags].sort((a, b) => a[0] - b[0]))
          lines.push(
            `istio_requests_total{${lbl([
              ...peerLabels(reporter, peer, peerIs),
              ['response_code', String(Math.floor(k / 4096))],
              ['response_flags', s.flagText.get(k) ?? '-'],
            ])}} ${n}`,
          );
    });
    lines.push('# HELP istio_request_duration_milliseconds Request duration, ms.');
    lines.push('# TYPE istio_request_duration_milliseconds histogram');
    both((reporter, dir, peerIs) => {
      for (const [peer, s] of sorted(dir)) {
        const base = peerLabels(reporter, peer, peerIs);
        let cum = 0;
        DURATION_BUCKETS_MS.forEach((le, i) => {
          cum += s.buckets[i];
          lines.push(
            `istio_request_duration_milliseconds_bucket{${lbl([...base, ['le', String(le)]])}} ${cum}`,
          );
        });
        lines.push(
          `istio_request_duration_milliseconds_bucket{${lbl([...base, ['le', '+Inf']])}} ${s.requests}`,
        );
        lines.push(`istio_request_duration_milliseconds_sum{${lbl(base)}} ${formatSampleValue(s.sumMs)}`);
        lines.push(`istio_request_duration_milliseconds_count{${lbl(base)}} ${s.requests}`);
      }
    });
    lines.push('# HELP meshdojo_upstream_tries_total Wire tries made for outbound requests.');
    lines.push('# TYPE meshdojo_upstream_tries_total counter');
    for (const [peer, s] of sorted(this.outbound))
      lines.push(`meshdojo_upstream_tries_total{${lbl([['destination_service', peer]])}} ${s.tries}`);
    lines.push('# HELP meshdojo_upstream_retries_total Retries (tries after the first).');
    lines.push('# TYPE meshdojo_upstream_retries_total counter');
    for (const [peer, s] of sorted(this.outbound))
      lines.push(`meshdojo_upstream_retries_total{${lbl([['destination_service', peer]])}} ${s.retries}`);
    lines.push('# HELP meshdojo_failures_total Failed requests by meshdojo cause.');
    lines.push('# TYPE meshdojo_failures_total counter');
    both((reporter, dir) => {
      for (const [peer, s] of sorted(dir))
        for (const [cause, n] of Object.entries(s.causes()))
          lines.push(
            `meshdojo_failures_total{${lbl([
              ['reporter', reporter],
              ['peer', peer],
              ['cause', cause],
            ])}} ${n}`,
          );
    });
    lines.push('# HELP meshdojo_tls_refusals_total Peers refused at mTLS, by reason.');
    lines.push('# TYPE meshdojo_tls_refusals_total counter');
    for (const [reason, n] of [...this.tlsRefusals].sort())
      lines.push(`meshdojo_tls_refusals_total{${lbl([['reason', reason]])}} ${n}`);
    return [...lines, ...extra].join('\n') + '\n';
  }
}

function sorted(m: Map<string, PeerStats>): [string, PeerStats][] {
  return [...m].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
}
