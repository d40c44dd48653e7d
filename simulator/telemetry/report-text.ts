/**
 * The terminal report of one run: header, entry summary, services, edges, failures by cause,
 * events, thresholds and probes. Plain text with aligned columns; ANSI colours on request.
 * Isomorphic and locale-independent (numbers are formatted by hand, not with toLocaleString).
 */
import type { CheckStatus, CheckUnit, FailureCause, RunResult } from './types.ts';
import { FAILURE_CAUSES } from './types.ts';
import { ENVOY_OUTCOMES } from './access-log.ts';
import {
  fmtCheckValue,
  fmtClock,
  fmtDuration,
  fmtInt,
  fmtLatency,
  fmtMs,
  fmtShare,
  health,
  sumCauses,
  topCauses,
} from './format.ts';
import { NO_CHECKS_HINT, resultVerdict, verdictLine } from './verdict.ts';
import { narrate } from './narrative.ts';

export interface TextReportOptions {
  /** ANSI colours (health colours, ✓/✗, bold headings). Default false. */
  color?: boolean;
  /** Events listed in full before the rest is only counted. Default 30. */
  maxEvents?: number;
  /** Every column (latency details, side effects, Envoy flags); default: what fits 100 columns. */
  wide?: boolean;
}

export { fmtInt, fmtPct, fmtMs, fmtDuration, fmtClock, health, topCauses, sumCauses } from './format.ts';

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
  opts: { align?: ('l' | 'r')[]; indent?: string; head?: Paint; maxWidth?: number } = {},
): string[] {
  const cells: Cell[][] = rows.map((r) => r.map((c) => (typeof c === 'string' ? { text: c } : c)));
  if (opts.maxWidth !== undefined && headers.length > 1) {
    // Fit the width by shortening the last (free-text) column: details stay behind --wide.
    const last = headers.length - 1;
    const before = headers
      .slice(0, last)
      .map((h, i) => Math.max(h.length, ...cells.map((r) => (r[i] ? r[i].text.length : 0))) + 2)
      .reduce((a, b) => a + b, (opts.indent ?? '  ').length);
    const room = Math.max(12, opts.maxWidth - before);
    for (const r of cells)
      if (r[last] && r[last].text.length > room)
        r[last] = { ...r[last], text: r[last].text.slice(0, room - 1) + '…' };
  }
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
  const check = (c: { ok: boolean; status?: CheckStatus }): Cell =>
    c.status === 'no-data'
      ? { text: '?', paint: paint(ANSI.amber) }
      : c.ok
        ? { text: '✓', paint: paint(ANSI.green) }
        : { text: '✗', paint: paint(ANSI.red) };
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
      `wall ${fmtDuration(result.wall.elapsedMs)} (${speed >= 10 ? fmtInt(speed) : speed.toFixed(1)}× real time${options.wide ? `, ${fmtInt(result.wall.eventsPerSecond)} events/s` : ''})`,
    );
  }
  out.push(dim(facts.join(' · ')));
  const v = resultVerdict(result);
  const vPaint = v === 'passed' ? paint(ANSI.green) : v === 'failed' ? paint(ANSI.red) : paint(ANSI.amber);
  out.push(`verdict ${vPaint(verdictLine(result))}`);
  if (v === 'no-checks') out.push(dim(`  ${NO_CHECKS_HINT}`));

  // what happened, in sentences derived from the result (the same ones the HTML report and the UI show)
  const story = narrate(result);
  if (story.length) {
    section('What happened');
    for (const st of story) out.push(...wrap(st.text, 96, '  • ', '    '));
  }

  // entry
  const wide = options.wide === true;
  const L = fmtLatency;
  section('Entry (as the load generator saw it)');
  const entryHealth = health(s.successRate, s.requests);
  const arrived = s.arrived ?? s.requests;
  const inFlight = s.inFlight ?? 0;
  const degradedShare = s.successes > 0 ? s.degraded / s.successes : 0;
  out.push(
    ...table(
      [
        'sent',
        'completed',
        'in flight',
        'success',
        'degraded',
        'p50',
        'p99',
        'max',
        ...(wide ? ['failed', 'client retries', 'p90', 'p99.9', 'mean'] : []),
      ],
      [
        [
          fmtInt(arrived),
          fmtInt(s.requests),
          { text: inFlight ? fmtInt(inFlight) : '-', paint: inFlight ? paint(ANSI.amber) : undefined },
          { text: s.requests ? fmtShare(s.successRate) : '-', paint: healthPaint(entryHealth) },
          s.degraded ? `${fmtInt(s.degraded)} (${fmtShare(degradedShare)})` : '-',
          s.requests ? L(s.latencyMs.p50) : '-',
          s.requests ? L(s.latencyMs.p99) : '-',
          s.requests ? L(s.latencyMs.max) : '-',
          ...(wide
            ? [
                fmtInt(s.requests - s.successes),
                fmtInt(s.clientRetries),
                L(s.latencyMs.p90),
                L(s.latencyMs.p999),
                L(s.latencyMs.mean),
              ]
            : []),
        ],
      ],
      { align: new Array(13).fill('r'), head: dim },
    ),
  );
  if (s.stuckSinceMs !== undefined)
    out.push(
      paint(ANSI.amber)(
        `  ⚠ stuck: ${fmtInt(inFlight)} entry requests still in flight at the end, none completed since ${fmtClock(s.stuckSinceMs)}`,
      ),
    );

  // services
  const names = Object.keys(result.services);
  if (names.length) {
    section('Services');
    const stuck: string[] = [];
    out.push(
      ...table(
        [
          'service',
          'inst',
          'arrived',
          'in flight',
          'success',
          'p99',
          'peak util',
          'max queue',
          'top cause',
          ...(wide ? ['p50', 'mean util', 'orphaned', 'side effects (dup)'] : []),
        ],
        names.map((n) => {
          const st = result.services[n];
          const completed = st.completed ?? st.successes + sumCauses(st.failures);
          const fl = st.inFlight ?? 0;
          if (st.stuckSinceMs !== undefined)
            stuck.push(
              `  ⚠ ${n}: ${fmtInt(fl)} requests stuck in flight at the end, none completed since ${fmtClock(st.stuckSinceMs)}`,
            );
          const peak = peakUtilization(result, n);
          return [
            n,
            fmtInt(st.instances),
            fmtInt(st.requests),
            {
              text: fl ? fmtInt(fl) : '-',
              paint: st.stuckSinceMs !== undefined ? paint(ANSI.amber) : undefined,
            },
            {
              text: completed ? fmtShare(st.successRate) : '-',
              paint: healthPaint(health(st.successRate, completed)),
            },
            completed ? L(st.latencyMs.p99) : '-',
            peak,
            st.maxQueue ? fmtInt(st.maxQueue) : '-',
            topCauses(st.failures, 1),
            ...(wide
              ? [
                  completed ? L(st.latencyMs.p50) : '-',
                  st.cpuUtilization !== undefined
                    ? `${fmtShare(st.cpuUtilization)} cpu`
                    : fmtShare(st.utilization),
                  st.orphaned ? fmtInt(st.orphaned) : '-',
                  st.sideEffects ? `${fmtInt(st.sideEffects)} (${fmtInt(st.duplicateSideEffects)})` : '-',
                ]
              : []),
          ];
        }),
        { align: ['l', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'l', 'r', 'r', 'r', 'r'], head: dim },
      ),
    );
    for (const line of stuck) out.push(paint(ANSI.amber)(line));
  }

  // edges
  if (result.edges.length) {
    section('Edges (caller → callee; tries/req = tries per request that went out, by the app and the mesh)');
    out.push(
      ...table(
        [
          'edge',
          'requests',
          'tries/req',
          'not sent',
          'failed',
          'success',
          'p99',
          'top cause',
          ...(wide ? ['attempts', 'retries', 'in flight'] : []),
        ],
        result.edges.map((e) => {
          const done = e.requests - (e.inFlight ?? 0);
          const sr = done > 0 ? 1 - e.failed / done : 1;
          const sent = e.sent ?? e.requests;
          const notSent = e.sent === undefined ? 0 : Math.max(0, e.requests - sent - (e.inFlight ?? 0));
          return [
            `${e.from} → ${e.to}`,
            fmtInt(e.requests),
            sent > 0 ? `${(e.attempts / sent).toFixed(2)}×` : '-',
            notSent ? fmtInt(notSent) : '-',
            e.failed ? fmtInt(e.failed) : '-',
            { text: done ? fmtShare(sr) : '-', paint: healthPaint(health(sr, done)) },
            done ? L(e.latencyMs.p99) : '-',
            topCauses(e.failures, 1),
            ...(wide ? [fmtInt(e.attempts), fmtInt(e.retries), e.inFlight ? fmtInt(e.inFlight) : '-'] : []),
          ];
        }),
        { align: ['l', 'r', 'r', 'r', 'r', 'r', 'r', 'l', 'r', 'r', 'r'], head: dim },
      ),
    );
    out.push(
      dim(
        '  not sent = short-circuited by the caller proxy: breaker open, no healthy host, pool full, abort',
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
          [
            ENVOY_OUTCOMES[c].code ? String(ENVOY_OUTCOMES[c].code) : '',
            ENVOY_OUTCOMES[c].flags === '-' ? '' : ENVOY_OUTCOMES[c].flags,
          ]
            .filter(Boolean)
            .join(' ') || '-',
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
        ([name, c]) => `${name} ${fmtInt(c)} (${total ? fmtShare(c / total) : '-'})`,
      );
      out.push(`  ${n}: ${parts.join(' · ')}`);
    }
  }

  // mesh: what the data plane costs, and why breakers and detectors did (or didn't) act
  const mesh = result.mesh;
  if (mesh.profile !== 'none') {
    section(`Mesh (${mesh.profile})`);
    out.push(
      `  ${fmtInt(mesh.proxies)} proxies · +${fmtMs(mesh.addedLatencyMsPerRequest)} ms per entry request · ` +
        `${mesh.cpuCores.toFixed(2)} cores of proxy CPU · ${fmtInt(mesh.memoryMB)} MB of proxy memory`,
    );
    const breakers = mesh.breakers ?? [];
    if (breakers.length) {
      out.push('');
      out.push(
        ...table(
          ['breaker', 'state', 'opened', 'rejected', 'peak consec. fails', 'peak fail rate'],
          breakers.map((b) => [
            b.subject,
            b.state,
            fmtInt(b.opens),
            fmtInt(b.rejected),
            b.consecutiveFailuresToTrip === null || b.consecutiveFailuresToTrip < 0
              ? '-'
              : `${fmtInt(Math.max(0, b.peakConsecutiveFailures))} of ${fmtInt(b.consecutiveFailuresToTrip)}`,
            b.failureRateToTripPct === null || b.failureRateToTripPct < 0
              ? '-'
              : `${Number((b.peakFailureRatePct ?? 0).toFixed(1))}% of ${b.failureRateToTripPct}%`,
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
          ['outlier detector', 'hosts', 'ejections', 'refused', 'peak 5xx', 'peak gw errors'],
          detectors.map((d) => [
            d.subject,
            fmtInt(d.hosts),
            fmtInt(d.ejections),
            fmtInt(d.refused),
            d.consecutive5xxToEject === null || d.consecutive5xxToEject < 0
              ? '-'
              : `${fmtInt(d.peakConsecutive5xx)} of ${fmtInt(d.consecutive5xxToEject)}`,
            d.consecutiveGatewayErrorsToEject === null || d.consecutiveGatewayErrorsToEject < 0
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
        { align: ['r', 'l', 'l', 'l', 'l'], head: dim, maxWidth: wide ? undefined : 100 },
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
        result.thresholds.map((t) => [check(t), t.metric, t.source, fmtObserved(t)]),
        { align: ['l', 'l', 'l', 'r'], head: dim },
      ).slice(1),
    );
  }
  if (result.probes.length) {
    section('Steady-state probes');
    out.push(
      ...table(
        ['', 'probe', 'expected', 'observed'],
        result.probes.map((pr) => [check(pr), pr.name, pr.expected, fmtObserved(pr)]),
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

/** The observed value in the check's unit; `no data` when its window held no sample. */
/** Word-wraps `text` to `width` columns, the first line after `first`, the others after `rest`. */
function wrap(text: string, width: number, first: string, rest: string): string[] {
  const lines: string[] = [];
  let line = first;
  for (const word of text.split(' ')) {
    if (line.length + word.length > width && line.trim() !== first.trim()) {
      lines.push(line.trimEnd());
      line = rest;
    }
    line += word + ' ';
  }
  lines.push(line.trimEnd());
  return lines;
}

/** The highest per-interval utilisation (worker slots, or cores where `cpu` is set), with its kind. */
export function peakUtilization(r: RunResult, name: string): string {
  const st = r.services[name];
  const block = r.series.services[name];
  const cpu = block?.cpu;
  const col = cpu ?? block?.utilization;
  if (!col || col.length === 0)
    return st.cpuUtilization !== undefined ? `${fmtShare(st.cpuUtilization)} cpu` : fmtShare(st.utilization);
  let peak = 0;
  for (const v of col) if (v > peak) peak = v;
  return `${fmtShare(peak)}${cpu ? ' cpu' : ''}`;
}

function fmtObserved(c: { observed: number | null; status?: CheckStatus; unit?: CheckUnit }): string {
  if (c.status === 'no-data' || c.observed === null) return 'no data';
  return fmtCheckValue(c.observed, c.unit ?? 'count');
}
