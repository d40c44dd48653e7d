/**
 * Reports of the multi-run commands: the compare table (metrics × variants, with deltas vs the first
 * variant) and the sweep table and heatmaps. Single-run reports come from simulator/telemetry.
 */
import type { RunResult, Verdict } from '../telemetry/types.ts';
import { resultVerdict } from '../telemetry/verdict.ts';
import { fmtDuration, fmtInt, fmtLatency, fmtShare } from '../telemetry/format.ts';
import { DATA_ID, type HeatmapData } from '../telemetry/html/client-data.ts';
import { codeBlock, html, jsonBlock, page } from '../telemetry/html/template.ts';
import type { Variant, VaryAxis } from './sweep.ts';

// ───────────────────────────── metrics ─────────────────────────────

export interface VariantMetrics {
  /** Entry requests sent by the load generator (the same in every common-random-number variant)… */
  arrived: number;
  /** …of which completed within the run, and still in flight at its end. */
  requests: number;
  inFlight: number;
  successRate: number;
  /** Successful answers that used a fallback (e.g. Bookinfo's page without reviews). */
  degraded: number;
  degradedRate: number;
  p50: number;
  p99: number;
  /** Retries by the mesh and by the application code, over every edge. */
  retries: number;
  /** Requests the load generator sent again (users pressing reload). */
  clientRetries: number;
  /** Breaker openings over every caller proxy, and the requests they short-circuited. */
  breakerOpens: number;
  breakerRejected: number;
  ejections: number;
  sideEffects: number;
  duplicateSideEffects: number;
  /** The most loaded service (highest mean worker-slot utilization). */
  maxUtilization: { service: string; value: number };
  services: Record<string, { successRate: number; p99: number; inFlight: number }>;
  passed: boolean;
  verdict: Verdict;
  hash: string;
}

export function metricsOf(r: RunResult): VariantMetrics {
  let sideEffects = 0;
  let duplicateSideEffects = 0;
  let maxUtilization = { service: '-', value: 0 };
  const services: VariantMetrics['services'] = {};
  for (const [name, s] of Object.entries(r.services)) {
    sideEffects += s.sideEffects;
    duplicateSideEffects += s.duplicateSideEffects;
    if (s.utilization > maxUtilization.value || maxUtilization.service === '-') {
      maxUtilization = { service: name, value: s.utilization };
    }
    services[name] = { successRate: s.successRate, p99: s.latencyMs.p99, inFlight: s.inFlight ?? 0 };
  }
  const breakers = r.mesh?.breakers ?? [];
  const detectors = r.mesh?.outlierDetectors ?? [];
  const s = r.summary;
  return {
    arrived: s.arrived ?? s.requests,
    requests: s.requests,
    inFlight: s.inFlight ?? 0,
    successRate: s.successRate,
    degraded: s.degraded,
    degradedRate: s.requests ? round6(s.degraded / s.requests) : 0,
    p50: s.latencyMs.p50,
    p99: s.latencyMs.p99,
    retries: r.edges.reduce((sum, e) => sum + e.retries, 0),
    clientRetries: s.clientRetries,
    breakerOpens: breakers.reduce((n, b) => n + b.opens, 0),
    breakerRejected: breakers.reduce((n, b) => n + b.rejected, 0),
    ejections: detectors.reduce((n, d) => n + d.ejections, 0),
    sideEffects,
    duplicateSideEffects,
    maxUtilization,
    services,
    passed: resultVerdict(r) === 'passed',
    verdict: resultVerdict(r),
    hash: r.hash,
  };
}

// ───────────────────────────── formatting ─────────────────────────────

export const fmtPct = (x: number): string => fmtShare(x);
export const fmtMs = (ms: number): string => fmtLatency(ms);

function fmtCount(n: number): string {
  return Number.isFinite(n) ? fmtInt(n) : '-';
}

/** 6 significant decimals: a JSON delta never shows float noise such as 1.8240000000000016. */
function round6(x: number): number {
  const r = Math.round(x * 1e6) / 1e6;
  return r === 0 ? 0 : r;
}

function signed(x: number, digits: number, unit = ''): string {
  const s = x.toFixed(digits);
  if (Number(s) === 0) return `±0${unit}`;
  return `${x > 0 ? '+' : ''}${s}${unit}`;
}

const verdictWord = (v: Verdict): string =>
  v === 'passed' ? 'passed' : v === 'failed' ? 'FAILED' : 'no checks';

/** Lays out rows as columns separated by two spaces; numbers-looking cells are right-aligned. */
export function formatTable(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const numeric = header.map(
    (_, i) => i > 0 && rows.every((r) => /^[-+±<>\d.]/.test(r[i] ?? '') || r[i] === ''),
  );
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (numeric[i] ? c.padStart(widths[i]) : c.padEnd(widths[i])))
      .join('  ')
      .trimEnd();
  return [line(header), line(widths.map((w) => '─'.repeat(w))), ...rows.map(line)].join('\n') + '\n';
}

const plural = (n: number, one: string, many = `${one}s`): string => `${fmtInt(n)} ${n === 1 ? one : many}`;

// ───────────────────────────── compare ─────────────────────────────

interface Row {
  label: string;
  get: (m: VariantMetrics) => number;
  fmt: (x: number) => string;
  delta: (d: number) => string;
  /** Shown only with --wide (details). */
  wide?: boolean;
}

const ppDelta = (d: number) => signed(d * 100, 2, 'pp');
const msDelta = (d: number) => (Math.abs(d) < 0.05 ? '±0 ms' : `${d > 0 ? '+' : '-'}${fmtMs(Math.abs(d))}`);
const countDelta = (d: number) => (Math.round(d) === 0 ? '±0' : `${d > 0 ? '+' : '-'}${fmtInt(Math.abs(d))}`);

function compareRows(first: VariantMetrics): Row[] {
  const rows: Row[] = [
    { label: 'entry requests sent', get: (m) => m.arrived, fmt: fmtCount, delta: countDelta },
    { label: 'completed', get: (m) => m.requests, fmt: fmtCount, delta: countDelta, wide: true },
    { label: 'in flight at the end', get: (m) => m.inFlight, fmt: fmtCount, delta: countDelta },
    { label: 'success rate', get: (m) => m.successRate, fmt: fmtPct, delta: ppDelta },
    { label: 'degraded answers', get: (m) => m.degraded, fmt: fmtCount, delta: countDelta },
    { label: 'p50 (entry)', get: (m) => m.p50, fmt: fmtMs, delta: msDelta },
    { label: 'p99 (entry)', get: (m) => m.p99, fmt: fmtMs, delta: msDelta },
    { label: 'retries (mesh + app)', get: (m) => m.retries, fmt: fmtCount, delta: countDelta },
    { label: 'client retries', get: (m) => m.clientRetries, fmt: fmtCount, delta: countDelta },
    { label: 'breaker opens', get: (m) => m.breakerOpens, fmt: fmtCount, delta: countDelta },
    { label: 'breaker short-circuits', get: (m) => m.breakerRejected, fmt: fmtCount, delta: countDelta },
    { label: 'ejections', get: (m) => m.ejections, fmt: fmtCount, delta: countDelta, wide: true },
    { label: 'side effects', get: (m) => m.sideEffects, fmt: fmtCount, delta: countDelta, wide: true },
    { label: 'duplicate side effects', get: (m) => m.duplicateSideEffects, fmt: fmtCount, delta: countDelta },
    { label: 'max utilization', get: (m) => m.maxUtilization.value, fmt: fmtPct, delta: ppDelta, wide: true },
  ];
  for (const svc of Object.keys(first.services)) {
    rows.push(
      {
        label: `${svc} success`,
        get: (m) => m.services[svc]?.successRate ?? NaN,
        fmt: fmtPct,
        delta: ppDelta,
        wide: true,
      },
      {
        label: `${svc} p99`,
        get: (m) => m.services[svc]?.p99 ?? NaN,
        fmt: fmtMs,
        delta: msDelta,
        wide: true,
      },
    );
  }
  return rows;
}

export interface TableOptions {
  /** Every row and column (per-service rows, ejections, side effects…); default: what fits 100 columns. */
  wide?: boolean;
}

/** Metrics as rows, variants as columns; every column after the first shows its delta to the first. */
export function compareText(
  names: readonly string[],
  results: readonly RunResult[],
  options: TableOptions = {},
): string {
  const ms = results.map(metricsOf);
  const rows = compareRows(ms[0])
    .filter((row) => options.wide || !row.wide)
    .map((row) => {
      const base = row.get(ms[0]);
      return [
        row.label,
        ...ms.map((m, i) => {
          const v = row.get(m);
          if (i === 0 || !Number.isFinite(v) || !Number.isFinite(base)) return row.fmt(v);
          return `${row.fmt(v)} (${row.delta(v - base)})`;
        }),
      ];
    });
  rows.push(['verdict', ...ms.map((m) => verdictWord(m.verdict))]);
  const head = `seed ${results[0].seed}, ${fmtDuration(results[0].durationMs)} simulated, deltas vs ${names[0]}${
    options.wide ? '' : ' (more rows with --wide)'
  }\n\n`;
  return head + formatTable(['metric', ...names], rows);
}

export function compareJson(names: readonly string[], results: readonly RunResult[]): unknown {
  const ms = results.map(metricsOf);
  const d = (i: number, get: (m: VariantMetrics) => number) => round6(get(ms[i]) - get(ms[0]));
  return {
    seed: results[0].seed,
    durationMs: results[0].durationMs,
    baseline: names[0],
    variants: names.map((name, i) => ({
      name,
      metrics: ms[i],
      delta:
        i === 0
          ? undefined
          : {
              successRate: d(i, (m) => m.successRate),
              degraded: d(i, (m) => m.degraded),
              inFlight: d(i, (m) => m.inFlight),
              p50: d(i, (m) => m.p50),
              p99: d(i, (m) => m.p99),
              retries: d(i, (m) => m.retries),
              breakerOpens: d(i, (m) => m.breakerOpens),
              sideEffects: d(i, (m) => m.sideEffects),
              duplicateSideEffects: d(i, (m) => m.duplicateSideEffects),
            },
    })),
  };
}

// ───────────────────────────── sweep ─────────────────────────────

export function sweepText(
  axes: readonly VaryAxis[],
  variants: readonly Variant[],
  results: readonly RunResult[],
  options: TableOptions = {},
): string {
  const header = [
    ...axes.map((a) => a.key),
    'success',
    'degraded',
    'p99',
    'in flight',
    'breaker opens',
    'retries',
    ...(options.wide ? ['max util', 'side eff', 'dup'] : []),
    'verdict',
  ];
  const rows = variants.map((v, i) => {
    const m = metricsOf(results[i]);
    return [
      ...v.assignments.map((a) => a.raw),
      fmtPct(m.successRate),
      m.degraded ? fmtCount(m.degraded) : '-',
      fmtMs(m.p99),
      m.inFlight ? fmtCount(m.inFlight) : '-',
      m.breakerOpens ? fmtCount(m.breakerOpens) : '-',
      m.retries ? fmtCount(m.retries) : '-',
      ...(options.wide
        ? [
            `${fmtPct(m.maxUtilization.value)} ${m.maxUtilization.service}`,
            fmtCount(m.sideEffects),
            fmtCount(m.duplicateSideEffects),
          ]
        : []),
      verdictWord(m.verdict),
    ];
  });
  const r0 = results[0];
  const head = r0
    ? `${plural(variants.length, 'variant')}, seed ${r0.seed} (common random numbers), ${fmtDuration(r0.durationMs)} simulated each\n\n`
    : '';
  return head + formatTable(header, rows);
}

export function sweepJson(
  axes: readonly VaryAxis[],
  variants: readonly Variant[],
  results: readonly RunResult[],
): unknown {
  return {
    seed: results[0]?.seed,
    durationMs: results[0]?.durationMs,
    axes: axes.map((a) => ({ key: a.key, values: a.values.map((v) => v.raw) })),
    variants: variants.map((v, i) => ({
      label: v.label,
      values: Object.fromEntries(v.assignments.map((a) => [a.key, a.raw])),
      metrics: metricsOf(results[i]),
    })),
  };
}

interface HeatMetric {
  name: string;
  /** Format used for the cell text. */
  format: 'pct' | 'ms' | 'count';
  /** Colour direction: true when a higher value is better (green). */
  higherIsBetter: boolean;
  get: (m: VariantMetrics) => number;
}

const HEAT_METRICS: HeatMetric[] = [
  { name: 'success rate', format: 'pct', higherIsBetter: true, get: (m) => m.successRate },
  { name: 'p99 latency (entry)', format: 'ms', higherIsBetter: false, get: (m) => m.p99 },
  { name: 'max utilization', format: 'pct', higherIsBetter: false, get: (m) => m.maxUtilization.value },
  {
    name: 'duplicate side effects',
    format: 'count',
    higherIsBetter: false,
    get: (m) => m.duplicateSideEffects,
  },
  { name: 'retries (mesh + app)', format: 'count', higherIsBetter: false, get: (m) => m.retries },
];

/**
 * A self-contained HTML page: the sweep table, and with exactly two varied keys one heatmap per
 * metric (first key down, second key across), drawn with the inlined d3.
 */
export function sweepHtml(
  axes: readonly VaryAxis[],
  variants: readonly Variant[],
  results: readonly RunResult[],
  assets: { d3Source: string; clientSource?: string } | string,
): string {
  const d3Source = typeof assets === 'string' ? assets : assets.d3Source;
  const metrics = results.map(metricsOf);
  let heat: unknown = null;
  if (axes.length === 2 || axes.length === 1) {
    // One axis: a single row of cells. Two: rows = first axis, columns = second.
    const [ya, xa] = axes.length === 2 ? axes : [null, axes[0]];
    const yValues = ya ? ya.values.map((v) => v.raw) : [''];
    heat = {
      y: { key: ya ? ya.key : '', values: yValues },
      x: { key: xa.key, values: xa.values.map((v) => v.raw) },
      metrics: HEAT_METRICS.map((h) => ({
        name: h.name,
        format: h.format,
        higherIsBetter: h.higherIsBetter,
        // Variants are in row-major order: the first axis varies slowest.
        cells: yValues.map((_, yi) => xa.values.map((_, xi) => h.get(metrics[yi * xa.values.length + xi]))),
      })),
    };
  }
  const title = `meshdojo sweep — ${axes.map((a) => a.key).join(' × ')}`;
  const data: HeatmapData = { kind: 'sweep', heat: heat as HeatmapData['heat'] };
  const sub = `${plural(results.length, 'variant')} · seed ${results[0]?.seed ?? '-'} (common random numbers) · ${fmtDuration(results[0]?.durationMs ?? 0)} simulated each · green = better`;
  const body = html`<header>
      <h1>${title}</h1>
      <div class="sub">${sub}</div>
    </header>
    <main>
      <section>
        <h2>Heatmaps</h2>
        <div class="maps needs-d3" id="maps"></div>
      </section>
      <section>
        <h2>All variants</h2>
        <pre>${sweepText(axes, variants, results, { wide: true })}</pre>
      </section>
    </main>`;
  return page({
    title,
    css: SWEEP_CSS,
    body,
    blocks: [
      jsonBlock(DATA_ID, data),
      codeBlock(d3Source),
      ...(typeof assets !== 'string' && assets.clientSource ? [codeBlock(assets.clientSource)] : []),
    ],
  });
}

const SWEEP_CSS = `
body { font: 14px system-ui, -apple-system, 'Segoe UI', sans-serif; margin: 0; color: #1f2328; background: #f3f4f6; }
header { background: #1f2328; color: #fff; padding: 16px 24px; }
header h1 { margin: 0; font-size: 20px; font-weight: 600; }
header .sub { color: #b6bcc4; font-size: 13px; margin-top: 4px; }
main { padding: 16px 24px; }
section { background: #fff; border: 1px solid #d8dde3; border-radius: 6px; padding: 12px 16px; margin-bottom: 16px; }
h2 { font-size: 16px; margin: 0 0 8px; }
pre { font: 12px ui-monospace, SFMono-Regular, Menlo, monospace; background: #f6f8fa; padding: 12px; overflow-x: auto; margin: 0; }
.maps { display: flex; flex-wrap: wrap; gap: 28px; }
.map h3 { margin: 4px 0 2px; font-size: 14px; }
.map .hint { color: #656d76; font-size: 12px; margin-bottom: 4px; }
.map text { font: 11px system-ui, sans-serif; fill: #1f2328; }
.map text.axis { font-weight: 600; fill: #424a53; }
`;
