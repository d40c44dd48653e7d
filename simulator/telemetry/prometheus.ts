/**
 * Prometheus text exposition format (version 0.0.4) of a RunResult: Istio's standard metrics
 * for the edges (as the caller's sidecar — `reporter="source"` — reports them), and meshdojo's own
 * metrics for the entry, the services and the run. Counters are totals over the whole run; the
 * file is a snapshot at the end of the run (no timestamps), ready for `promtool check metrics`,
 * a textfile collector or any scraper.
 */
import type { FailureCause, RunResult } from './types.ts';
import { FAILURE_CAUSES } from './types.ts';
import { ENVOY_OUTCOMES } from './access-log.ts';

type Labels = readonly (readonly [string, string])[];

/** Escape a label value: backslash, double quote and line feed. */
export function escapeLabelValue(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

/** Escape HELP text: backslash and line feed. */
export function escapeHelp(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

/** A sample value as Prometheus writes it (`NaN`, `+Inf`, `-Inf`, else the shortest decimal). */
export function formatSampleValue(x: number): string {
  if (Number.isNaN(x)) return 'NaN';
  if (x === Infinity) return '+Inf';
  if (x === -Infinity) return '-Inf';
  return Object.is(x, -0) ? '0' : String(x);
}

class Exposition {
  private readonly lines: string[] = [];
  private readonly seen = new Set<string>();
  private current = '';

  family(name: string, type: 'counter' | 'gauge' | 'histogram' | 'summary', help: string): void {
    if (this.seen.has(name)) throw new Error(`prometheus: metric family ${name} written twice`);
    this.seen.add(name);
    this.current = name;
    this.lines.push(`# HELP ${name} ${escapeHelp(help)}`, `# TYPE ${name} ${type}`);
  }

  sample(suffix: string, labels: Labels, value: number): void {
    const body = labels.map(([k, v]) => `${k}="${escapeLabelValue(v)}"`).join(',');
    this.lines.push(`${this.current}${suffix}${body ? `{${body}}` : ''} ${formatSampleValue(value)}`);
  }

  text(): string {
    return this.lines.join('\n') + '\n';
  }
}

function formatLe(ms: number): string {
  return String(ms);
}

/** The (response code, flags) groups of one edge, success first, then by code and flags. */
function responseGroups(
  completed: number,
  failed: number,
  failures: Partial<Record<FailureCause, number>>,
): { code: string; flags: string; count: number }[] {
  const groups = new Map<string, { code: string; flags: string; count: number }>();
  const add = (code: number, flags: string, n: number): void => {
    if (n <= 0) return;
    const key = `${code} ${flags}`;
    const g = groups.get(key);
    if (g) g.count += n;
    else groups.set(key, { code: String(code), flags, count: n });
  };
  add(200, '-', completed - failed);
  for (const c of FAILURE_CAUSES) {
    const n = failures[c];
    if (n) add(ENVOY_OUTCOMES[c].code, ENVOY_OUTCOMES[c].flags, n);
  }
  return [...groups.values()].sort((a, b) =>
    a.code !== b.code ? Number(a.code) - Number(b.code) : a.flags < b.flags ? -1 : a.flags > b.flags ? 1 : 0,
  );
}

export interface PrometheusOptions {
  /** Metric name prefix of meshdojo's own metrics. Default `meshdojo_`. */
  prefix?: string;
}

/** The whole RunResult as Prometheus text exposition format 0.0.4. */
export function toPrometheusText(result: RunResult, options: PrometheusOptions = {}): string {
  const p = options.prefix ?? 'meshdojo_';
  const x = new Exposition();
  const edgeLabels = (from: string, to: string): [string, string][] => [
    ['reporter', 'source'],
    ['source_workload', from],
    ['destination_workload', to],
  ];

  // ---- Istio standard metrics, per edge --------------------------------------------------------
  x.family(
    'istio_requests_total',
    'counter',
    'Requests completed on an edge, by response code and Envoy response flags (caller side).',
  );
  for (const e of result.edges) {
    const completed = e.durationBuckets ? e.durationBuckets.count : e.requests;
    for (const g of responseGroups(completed, e.failed, e.failures)) {
      x.sample(
        '',
        [...edgeLabels(e.from, e.to), ['response_code', g.code], ['response_flags', g.flags]],
        g.count,
      );
    }
  }

  x.family(
    'istio_request_duration_milliseconds',
    'histogram',
    'Duration of the requests on an edge as the caller saw them, retries included, in milliseconds.',
  );
  for (const e of result.edges) {
    const b = e.durationBuckets;
    if (!b) continue;
    const base = edgeLabels(e.from, e.to);
    for (let i = 0; i < b.leMs.length; i++)
      x.sample('_bucket', [...base, ['le', formatLe(b.leMs[i])]], b.cumulative[i]);
    x.sample('_bucket', [...base, ['le', '+Inf']], b.count);
    x.sample('_sum', base, b.sumMs);
    x.sample('_count', base, b.count);
  }

  // ---- edges: tries and retries ----------------------------------------------------------------
  x.family(
    `${p}edge_attempts_total`,
    'counter',
    'Tries sent on an edge: requests plus retries by the application and by the mesh.',
  );
  for (const e of result.edges)
    x.sample(
      '',
      [
        ['source_workload', e.from],
        ['destination_workload', e.to],
      ],
      e.attempts,
    );
  x.family(`${p}edge_retries_total`, 'counter', 'Retries sent on an edge.');
  for (const e of result.edges)
    x.sample(
      '',
      [
        ['source_workload', e.from],
        ['destination_workload', e.to],
      ],
      e.retries,
    );
  x.family(`${p}edge_attempt_failures_total`, 'counter', 'Failed tries on an edge, by cause.');
  for (const e of result.edges) {
    for (const c of FAILURE_CAUSES) {
      const n = e.attemptFailures[c];
      if (n)
        x.sample(
          '',
          [
            ['source_workload', e.from],
            ['destination_workload', e.to],
            ['cause', c],
          ],
          n,
        );
    }
  }

  // ---- entry -----------------------------------------------------------------------------------
  const s = result.summary;
  x.family(
    `${p}entry_requests_total`,
    'counter',
    'Entry requests as the load generator saw them, by outcome.',
  );
  x.sample('', [['outcome', 'success']], s.successes);
  x.sample('', [['outcome', 'failure']], s.requests - s.successes);
  x.family(`${p}entry_degraded_total`, 'counter', 'Successful entry requests answered with a fallback.');
  x.sample('', [], s.degraded);
  x.family(`${p}entry_failures_total`, 'counter', 'Failed entry requests, by cause.');
  for (const c of FAILURE_CAUSES) if (s.failures[c]) x.sample('', [['cause', c]], s.failures[c] as number);
  x.family(
    `${p}entry_client_retries_total`,
    'counter',
    'Requests the load generator sent again after a failure.',
  );
  x.sample('', [], s.clientRetries);
  x.family(
    `${p}entry_latency_milliseconds`,
    'summary',
    'Entry request latency as the load generator saw it, in milliseconds.',
  );
  writeSummary(x, [], s.latencyMs, s.requests);

  // ---- services --------------------------------------------------------------------------------
  const services = Object.keys(result.services);
  x.family(
    `${p}service_requests_total`,
    'counter',
    'Invocations that reached an instance of the service, retries included.',
  );
  for (const n of services) x.sample('', [['service', n]], result.services[n].requests);
  x.family(`${p}service_failures_total`, 'counter', 'Invocations of the service that failed, by cause.');
  for (const n of services) {
    const f = result.services[n].failures;
    for (const c of FAILURE_CAUSES)
      if (f[c])
        x.sample(
          '',
          [
            ['service', n],
            ['cause', c],
          ],
          f[c] as number,
        );
  }
  x.family(
    `${p}service_latency_milliseconds`,
    'summary',
    'Time from arrival at an instance (queueing included) to the answer, in milliseconds.',
  );
  for (const n of services) {
    const st = result.services[n];
    const completed = st.successes + Object.values(st.failures).reduce((a: number, b) => a + (b ?? 0), 0);
    writeSummary(x, [['service', n]], st.latencyMs, completed);
  }
  x.family(
    `${p}service_utilization_ratio`,
    'gauge',
    'Busy worker slots over total worker slots, averaged over the run.',
  );
  for (const n of services) x.sample('', [['service', n]], result.services[n].utilization);
  x.family(`${p}service_queue_max`, 'gauge', 'Largest queue length seen at one instance of the service.');
  for (const n of services) x.sample('', [['service', n]], result.services[n].maxQueue);
  x.family(`${p}service_instances`, 'gauge', 'Instances of the service.');
  for (const n of services) x.sample('', [['service', n]], result.services[n].instances);
  x.family(
    `${p}service_side_effects_total`,
    'counter',
    'Executions of non-idempotent endpoints; duplicate="true" for those caused again by a retry.',
  );
  for (const n of services) {
    const st = result.services[n];
    x.sample(
      '',
      [
        ['service', n],
        ['duplicate', 'false'],
      ],
      st.sideEffects - st.duplicateSideEffects,
    );
    x.sample(
      '',
      [
        ['service', n],
        ['duplicate', 'true'],
      ],
      st.duplicateSideEffects,
    );
  }
  x.family(
    `${p}service_orphaned_total`,
    'counter',
    'Executions that finished after their caller had given up.',
  );
  for (const n of services) x.sample('', [['service', n]], result.services[n].orphaned);

  // ---- run -------------------------------------------------------------------------------------
  x.family(
    `${p}events_total`,
    'counter',
    'Mesh and chaos events (breaker transitions, ejections, faults, ...), by kind.',
  );
  const kinds = new Map<string, number>();
  for (const ev of result.events) kinds.set(ev.kind, (kinds.get(ev.kind) ?? 0) + 1);
  for (const k of [...kinds.keys()].sort()) x.sample('', [['kind', k]], kinds.get(k) as number);
  x.family(`${p}run_info`, 'gauge', 'The run this snapshot describes (value is always 1).');
  x.sample(
    '',
    [
      ['scenario', result.scenario],
      ['mode', result.mode],
      ['seed', String(result.seed)],
      ['hash', result.hash],
    ],
    1,
  );
  x.family(`${p}run_duration_seconds`, 'gauge', 'Simulated (or live) duration of the run.');
  x.sample('', [], result.durationMs / 1000);
  x.family(`${p}run_passed`, 'gauge', '1 when every threshold and steady-state probe held, else 0.');
  x.sample('', [], result.passed ? 1 : 0);
  return x.text();
}

function writeSummary(
  x: Exposition,
  labels: Labels,
  l: { p50: number; p90: number; p99: number; p999: number; mean: number },
  count: number,
): void {
  const qs: [string, number][] = [
    ['0.5', l.p50],
    ['0.9', l.p90],
    ['0.99', l.p99],
    ['0.999', l.p999],
  ];
  for (const [q, v] of qs) x.sample('', [...labels, ['quantile', q]], v);
  x.sample('_sum', labels, Math.round(l.mean * count * 1000) / 1000);
  x.sample('_count', labels, count);
}
