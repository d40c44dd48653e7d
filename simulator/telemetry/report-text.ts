/**
 * The terminal report of one run: header, entry summary, services, edges, failures by cause,
 * events, thresholds and probes. Plain text with aligned columns; ANSI colours on request.
 * Isomorphic and locale-independent (numbers are formatted by hand, not with toLocaleString).
 */
import type { FailureCause, RunResult } from './types.ts';
import { FAILURE_CAUSES } from './types.ts';
import { ENVOY_OUTCOMES } from './access-log.ts';

export interface TextReportOptions {
  /** ANSI colours (health colours, ✓/✗, bold headings). Default false. */
  color?: boolean;
  /** Events listed in full before the rest is only counted. Default 30. */
  maxEvents?: number;
}

// ---- number and time formatting (shared with the HTML report) -----------------------------------

/** 1234567 → "1,234,567"; non-integers keep `decimals` decimals. */
export function fmtInt(x: number): string {
  if (!Number.isFinite(x)) return '-';
  const neg = x < 0;
  const s = String(Math.round(Math.abs(x)));
  let out = '';
  for (let i = 0; i < s.length; i++) {
    if (i > 0 && (s.length - i) % 3 === 0) out += ',';
    out += s[i];
  }
  return neg ? '-' + out : out;
}

/** A ratio 0..1 as a percentage with 2 decimals: 0.99123 → "99.12%". */
export function fmtPct(x: number, decimals = 2): string {
  if (!Number.isFinite(x)) return '-';
  return `${(x * 100).toFixed(decimals)}%`;
}

/** Milliseconds with a sensible precision: 0.123, 12.35, 123.5, 1,234. */
export function fmtMs(ms: number): string {
  if (!Number.isFinite(ms)) return '-';
  const a = Math.abs(ms);
  if (a >= 1000) return fmtInt(ms);
  if (a >= 100) return ms.toFixed(1);
  if (a >= 1) return ms.toFixed(2);
  return ms.toFixed(3);
}

/** A duration for humans: 950 → "950 ms", 90000 → "1m 30s", 14400000 → "4h 0m". */
export function fmtDuration(ms: number): string {
  if (!Number.isFinite(ms)) return '-';
  if (ms < 1000) return `${ms >= 10 ? Math.round(ms) : fmtMs(ms)} ms`;
  const s = ms / 1000;
  if (s < 60) return `${Number(s.toFixed(s < 10 ? 2 : 1))} s`;
  const total = Math.round(s);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const sec = total % 60;
  return h > 0 ? `${h}h ${m}m${sec ? ` ${sec}s` : ''}` : `${m}m ${sec}s`;
}

/** Virtual time of an event: "02:30.250" or "1:02:30.250". */
export function fmtClock(ms: number): string {
  const t = Math.max(0, Math.round(ms));
  const h = Math.floor(t / 3_600_000);
  const m = Math.floor((t % 3_600_000) / 60_000);
  const s = Math.floor((t % 60_000) / 1000);
  const milli = t % 1000;
  const mm = String(m).padStart(2, '0');
  const ss = String(s).padStart(2, '0');
  const mmm = String(milli).padStart(3, '0');
  return h > 0 ? `${h}:${mm}:${ss}.${mmm}` : `${mm}:${ss}.${mmm}`;
}

/** Kiali-style health of an error ratio: < 0.1 % healthy, < 10 % degraded, else failing. */
export function health(successRate: number, requests: number): 'healthy' | 'degraded' | 'failing' | 'idle' {
  if (requests === 0) return 'idle';
  const err = 1 - successRate;
  if (err < 0.001) return 'healthy';
  if (err < 0.1) return 'degraded';
  return 'failing';
}

/** "route-timeout 30, breaker-open 15" — the largest `n` causes. */
export function topCauses(f: Partial<Record<FailureCause, number>>, n = 3): string {
  const list = FAILURE_CAUSES.filter((c) => (f[c] ?? 0) > 0).sort(
    (a, b) => (f[b] as number) - (f[a] as number),
  );
  if (list.length === 0) return '-';
  const shown = list.slice(0, n).map((c) => `${c} ${fmtInt(f[c] as number)}`);
  if (list.length > n) shown.push(`+${list.length - n} more`);
  return shown.join(', ');
}

export function sumCauses(f: Partial<Record<FailureCause, number>>): number {
  let s = 0;
  for (const c of FAILURE_CAUSES) s += f[c] ?? 0;
  return s;
}

// ---- table --------------------------------------------------------------------------------------

const ANSI = {
  reset: '\x1b[0m',
  bold: '\x1b[1m',
  dim: '\x1b[2m',
  red: '\x1b[31m',
  green: '\x1b[32m',
  amber: '\x1b[33m',
};

type Paint = (s: string) => string;

interface Cell {
  text: string;
  paint?: Paint;
}

/** Aligned columns; the first column left-aligned, the others as `align` says (default right). */
function table(
  headers: string[],
  rows: (string | Cell)[][],
  opts: { align?: ('l' | 'r')[]; indent?: string; head?: Paint } = {},
): string[] {
  const cells: Cell[][] = rows.map((r) => r.map((c) => (typeof c === 'string' ? { text: c } : c)));
  const widths = headers.map((h, i) =>
    Math.max(h.length, ...cells.map((r) => (r[i] ? r[i].text.length : 0))),
  );
  const align = headers.map((_, i) => opts.align?.[i] ?? (i === 0 ? 'l' : 'r'));
  const indent = opts.indent ?? '  ';
  const pad = (s: string, i: number): string =>
    align[i] === 'l' ? s.padEnd(widths[i]) : s.padStart(widths[i]);
  const line = (texts: Cell[]): string =>
    (
      indent +
      texts
        .map((c, i) => {
          const padded = pad(c.text, i);
          return c.paint ? c.paint(padded) : padded;
        })
        .join('  ')
    ).replace(/\s+$/, '');
  const head = line(headers.map((h) => ({ text: h })));
  return [opts.head ? opts.head(head) : head, ...cells.map(line)];
}

// ---- the report ---------------------------------------------------------------------------------

export function renderText(result: RunResult, options: TextReportOptions = {}): string {
  const color = options.color === true;
  const paint =
    (code: string): Paint =>
    (s: string) =>
      color ? code + s + ANSI.reset : s;
  const bold = paint(ANSI.bold);
  const dim = paint(ANSI.dim);
  const healthPaint = (h: ReturnType<typeof health>): Paint | undefined =>
    h === 'healthy'
      ? paint(ANSI.green)
      : h === 'degraded'
        ? paint(ANSI.amber)
        : h === 'failing'
          ? paint(ANSI.red)
          : undefined;
  const ok = (b: boolean): Cell =>
    b ? { text: '✓', paint: paint(ANSI.green) } : { text: '✗', paint: paint(ANSI.red) };
  const out: string[] = [];
  const section = (title: string): void => {
    out.push('', bold(title));
  };

  // header
  const s = result.summary;
  const hashShort = result.hash ? result.hash.slice(0, 12) : '-';
  out.push(bold(`meshdojo · ${result.scenario}`));
  const facts = [
    result.mode,
    `seed ${result.seed}`,
    `${fmtDuration(result.durationMs)} ${result.mode === 'simulated' ? 'simulated' : 'run'}`,
    `hash ${hashShort}`,
  ];
  if (result.wall) {
    const speed = result.wall.elapsedMs > 0 ? result.durationMs / result.wall.elapsedMs : 0;
    facts.push(
      `wall ${fmtDuration(result.wall.elapsedMs)} (${speed >= 10 ? fmtInt(speed) : speed.toFixed(1)}× real time, ${fmtInt(result.wall.eventsPerSecond)} events/s)`,
    );
  }
  out.push(dim(facts.join(' · ')));
  const verdict = result.passed ? paint(ANSI.green)('PASSED') : paint(ANSI.red)('FAILED');
  const nChecks = result.thresholds.length + result.probes.length;
  out.push(
    `verdict ${verdict}${nChecks ? ` (${nChecks - countFailed(result)}/${nChecks} checks held)` : ''}`,
  );

  // entry
  section('Entry (as the load generator saw it)');
  const entryHealth = health(s.successRate, s.requests);
  const degradedPct = s.successes > 0 ? s.degraded / s.successes : 0;
  out.push(
    ...table(
      [
        'requests',
        'success',
        'failed',
        'degraded',
        'client retries',
        'p50 ms',
        'p90 ms',
        'p99 ms',
        'p99.9 ms',
        'mean ms',
        'max ms',
      ],
      [
        [
          fmtInt(s.requests),
          { text: s.requests ? fmtPct(s.successRate) : '-', paint: healthPaint(entryHealth) },
          fmtInt(s.requests - s.successes),
          s.degraded ? `${fmtInt(s.degraded)} (${fmtPct(degradedPct, 1)})` : '0',
          fmtInt(s.clientRetries),
          fmtMs(s.latencyMs.p50),
          fmtMs(s.latencyMs.p90),
          fmtMs(s.latencyMs.p99),
          fmtMs(s.latencyMs.p999),
          fmtMs(s.latencyMs.mean),
          fmtMs(s.latencyMs.max),
        ],
      ],
      { align: new Array(11).fill('r'), head: dim },
    ),
  );

  // services
  const names = Object.keys(result.services);
  if (names.length) {
    section('Services');
    out.push(
      ...table(
        [
          'service',
          'inst',
          'requests',
          'success',
          'p50 ms',
          'p99 ms',
          'util',
          'max queue',
          'orphaned',
          'side effects (dup)',
          'top causes',
        ],
        names.map((n) => {
          const st = result.services[n];
          const completed = st.successes + sumCauses(st.failures);
          return [
            n,
            fmtInt(st.instances),
            fmtInt(st.requests),
            {
              text: completed ? fmtPct(st.successRate) : '-',
              paint: healthPaint(health(st.successRate, completed)),
            },
            fmtMs(st.latencyMs.p50),
            fmtMs(st.latencyMs.p99),
            st.cpuUtilization !== undefined
              ? `${fmtPct(st.cpuUtilization, 1)} cpu`
              : fmtPct(st.utilization, 1),
            fmtInt(st.maxQueue),
            fmtInt(st.orphaned),
            st.sideEffects ? `${fmtInt(st.sideEffects)} (${fmtInt(st.duplicateSideEffects)})` : '-',
            topCauses(st.failures),
          ];
        }),
        { align: ['l', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'l'], head: dim },
      ),
    );
  }

  // edges
  if (result.edges.length) {
    section('Edges (caller → callee; retries = by the application and the mesh)');
    out.push(
      ...table(
        ['edge', 'requests', 'attempts', 'retries', 'amplif.', 'failed', 'success', 'p99 ms', 'top causes'],
        result.edges.map((e) => {
          const sr = e.requests > 0 ? 1 - e.failed / e.requests : 1;
          return [
            `${e.from} → ${e.to}`,
            fmtInt(e.requests),
            fmtInt(e.attempts),
            fmtInt(e.retries),
            e.requests > 0 ? `${(e.attempts / e.requests).toFixed(2)}×` : '-',
            fmtInt(e.failed),
            { text: e.requests ? fmtPct(sr) : '-', paint: healthPaint(health(sr, e.requests)) },
            fmtMs(e.latencyMs.p99),
            topCauses(e.failures),
          ];
        }),
        { align: ['l', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'l'], head: dim },
      ),
    );
  }

  // failures by cause
  const svcTotals: Partial<Record<FailureCause, number>> = {};
  const callTotals: Partial<Record<FailureCause, number>> = {};
  const attemptTotals: Partial<Record<FailureCause, number>> = {};
  const add = (
    into: Partial<Record<FailureCause, number>>,
    f: Partial<Record<FailureCause, number>>,
  ): void => {
    for (const c of FAILURE_CAUSES) if (f[c]) into[c] = (into[c] ?? 0) + (f[c] as number);
  };
  for (const n of names) add(svcTotals, result.services[n].failures);
  for (const e of result.edges) {
    add(callTotals, e.failures);
    add(attemptTotals, e.attemptFailures);
  }
  const causes = FAILURE_CAUSES.filter(
    (c) => (s.failures[c] ?? 0) + (svcTotals[c] ?? 0) + (callTotals[c] ?? 0) + (attemptTotals[c] ?? 0) > 0,
  );
  section('Failures by cause (entry requests · invocations at services · calls on edges · tries)');
  if (causes.length === 0) out.push('  none');
  else {
    out.push(
      ...table(
        ['cause', 'entry', 'at services', 'failed calls', 'failed tries', 'envoy'],
        causes.map((c) => [
          c,
          fmtInt(s.failures[c] ?? 0),
          fmtInt(svcTotals[c] ?? 0),
          fmtInt(callTotals[c] ?? 0),
          fmtInt(attemptTotals[c] ?? 0),
          `${ENVOY_OUTCOMES[c].code || '0'} ${ENVOY_OUTCOMES[c].flags}`,
        ]),
        { align: ['l', 'r', 'r', 'r', 'r', 'l'], head: dim },
      ),
    );
  }

  // traffic per version, where a service has several (splits, canaries)
  const split = names.filter((n) => Object.keys(result.services[n].versions ?? {}).length > 1);
  if (split.length) {
    section('Versions (requests executed per subset)');
    for (const n of split) {
      const v = result.services[n].versions!;
      const total = Object.values(v).reduce((a, b) => a + b, 0);
      const parts = Object.entries(v).map(
        ([name, c]) => `${name} ${fmtInt(c)} (${total ? fmtPct(c / total, 1) : '-'})`,
      );
      out.push(`  ${n}: ${parts.join(' · ')}`);
    }
  }

  // mesh: what the data plane costs, and why breakers and detectors did (or didn't) act
  const mesh = result.mesh;
  if (mesh.profile !== 'none') {
    section(`Mesh (${mesh.profile})`);
    out.push(
      `  ${fmtInt(mesh.proxies)} proxies · +${fmtMs(mesh.addedLatencyMsPerRequest)} ms per entry request (sum over its hops) · ` +
        `${mesh.cpuCores.toFixed(2)} cores of proxy CPU · ${fmtInt(mesh.memoryMB)} MB of proxy memory`,
    );
    const breakers = mesh.breakers ?? [];
    if (breakers.length) {
      out.push('');
      out.push(
        ...table(
          ['breaker', 'state', 'opened', 'rejected', 'peak consecutive failures', 'peak failure rate'],
          breakers.map((b) => [
            b.subject,
            b.state,
            fmtInt(b.opens),
            fmtInt(b.rejected),
            b.consecutiveFailuresToTrip === null
              ? '-'
              : `${fmtInt(b.peakConsecutiveFailures)} of ${fmtInt(b.consecutiveFailuresToTrip)}`,
            b.failureRateToTripPct === null
              ? '-'
              : `${b.peakFailureRatePct ?? 0}% of ${b.failureRateToTripPct}%`,
          ]),
          { align: ['l', 'l', 'r', 'r', 'r', 'r'], head: dim },
        ),
      );
    }
    const detectors = mesh.outlierDetectors ?? [];
    if (detectors.length) {
      out.push('');
      out.push(
        ...table(
          [
            'outlier detector',
            'hosts',
            'ejections',
            'refused (max %)',
            'peak consecutive 5xx',
            'peak gateway errors',
          ],
          detectors.map((d) => [
            d.subject,
            fmtInt(d.hosts),
            fmtInt(d.ejections),
            fmtInt(d.refused),
            d.consecutive5xxToEject === null
              ? '-'
              : `${fmtInt(d.peakConsecutive5xx)} of ${fmtInt(d.consecutive5xxToEject)}`,
            d.consecutiveGatewayErrorsToEject === null
              ? '-'
              : `${fmtInt(d.peakConsecutiveGatewayErrors)} of ${fmtInt(d.consecutiveGatewayErrorsToEject)}`,
          ]),
          { align: ['l', 'r', 'r', 'r', 'r', 'r'], head: dim },
        ),
      );
    }
  }

  // events
  const maxEvents = options.maxEvents ?? 30;
  const events = result.events;
  section(
    events.length > maxEvents
      ? `Events (first ${maxEvents} of ${fmtInt(events.length)})`
      : `Events (${events.length})`,
  );
  if (events.length === 0) out.push('  none');
  else {
    out.push(
      ...table(
        ['time', 'kind', 'subject', 'state', 'reason'],
        events.slice(0, maxEvents).map((e) => [
          fmtClock(e.t),
          e.kind,
          e.subject,
          {
            text: e.state ?? '',
            paint:
              e.state === 'open'
                ? paint(ANSI.red)
                : e.state === 'half-open'
                  ? paint(ANSI.amber)
                  : e.state === 'closed'
                    ? paint(ANSI.green)
                    : undefined,
          },
          e.reason,
        ]),
        { align: ['r', 'l', 'l', 'l', 'l'], head: dim },
      ),
    );
    if (events.length > maxEvents) {
      const rest = new Map<string, number>();
      for (const e of events.slice(maxEvents)) rest.set(e.kind, (rest.get(e.kind) ?? 0) + 1);
      out.push(
        dim(
          `  … and ${fmtInt(events.length - maxEvents)} more: ${[...rest.entries()].map(([k, n]) => `${k} ${fmtInt(n)}`).join(', ')}`,
        ),
      );
    }
  }

  // thresholds and probes
  if (result.thresholds.length) {
    section('Thresholds');
    out.push(
      ...table(
        ['', 'metric', 'threshold', 'observed'],
        result.thresholds.map((t) => [ok(t.ok), t.metric, t.source, fmtObserved(t.observed)]),
        { align: ['l', 'l', 'l', 'r'], head: dim },
      ).slice(1),
    );
  }
  if (result.probes.length) {
    section('Steady-state probes');
    out.push(
      ...table(
        ['', 'probe', 'expected', 'observed'],
        result.probes.map((pr) => [ok(pr.ok), pr.name, pr.expected, fmtObserved(pr.observed)]),
        { align: ['l', 'l', 'l', 'r'], head: dim },
      ).slice(1),
    );
  }

  // mesh cost
  const m = result.mesh;
  if (m && m.profile !== 'none' && m.proxies > 0) {
    section('Mesh cost');
    out.push(
      `  ${m.profile}: ${fmtInt(m.proxies)} proxies, +${fmtMs(m.addedLatencyMsPerRequest)} ms per entry request, ` +
        `${m.cpuCores.toFixed(2)} cores (${fmtInt(m.cpuCoreSeconds)} core·s), ${fmtInt(m.memoryMB)} MB`,
    );
  }
  const samples: string[] = [];
  if (result.traces.length) samples.push(`${fmtInt(result.traces.length)} sampled spans`);
  if (result.accessLog.length) samples.push(`${fmtInt(result.accessLog.length)} access-log lines`);
  if (result.engine)
    samples.push(
      `${fmtInt(result.engine.events)} engine events, ${fmtInt(result.engine.serviceCalls)} service calls`,
    );
  if (samples.length) out.push('', dim(samples.join(' · ')));
  return out.join('\n') + '\n';
}

function countFailed(r: RunResult): number {
  return r.thresholds.filter((t) => !t.ok).length + r.probes.filter((p) => !p.ok).length;
}

function fmtObserved(x: number): string {
  if (!Number.isFinite(x)) return '-';
  if (Number.isInteger(x)) return fmtInt(x);
  return Math.abs(x) < 1 ? x.toFixed(4) : fmtMs(x);
}
