/** Tables and cards of the HTML report: services, edges, causes, events, checks, summary cards, the comparison table. */
import type { CheckStatus, CheckUnit, FailureCause, RunResult, Verdict } from '../types.ts';
import { peakUtilization } from '../report-text.ts';
import { NO_CHECKS_HINT, resultVerdict, verdictLabel } from '../verdict.ts';
import { fmtCheckValue, fmtClock, fmtDuration, fmtInt, fmtMs, fmtPct, health, sumCauses } from '../format.ts';
import { FAILURE_CAUSES } from '../types.ts';
import { ENVOY_OUTCOMES } from '../access-log.ts';
import { topCauses, HEALTH_COLOR, RUN_COLORS, CAUSE_COLORS, h, num, healthColor } from './common.ts';

// ---- tables -------------------------------------------------------------------------------------

export function pill(successRate: number, requests: number, text?: string): string {
  const hk = health(successRate, requests);
  return `<span class="pill ${hk}">${h(text ?? (requests ? fmtPct(successRate) : '–'))}</span>`;
}

export function servicesTable(runs: { r: RunResult; label: string }[]): string {
  const names: string[] = [];
  for (const { r } of runs) for (const n of Object.keys(r.services)) if (!names.includes(n)) names.push(n);
  if (names.length === 0) return '<p class="muted">No services.</p>';
  const compare = runs.length > 1;
  const head = compare
    ? `<tr><th rowspan="2">service</th>${runs.map(({ label }, i) => `<th colspan="5" class="run" style="border-top:3px solid ${RUN_COLORS[i % RUN_COLORS.length]}">${h(label)}</th>`).join('')}</tr><tr>${runs.map(() => '<th>requests</th><th>success</th><th>p99 ms</th><th>util</th><th>top causes</th>').join('')}</tr>`
    : `<tr><th>service</th><th>inst</th><th>requests</th><th>success</th><th>in flight at end</th><th>degraded</th><th>p50 ms</th><th>p99 ms</th><th>util (mean)</th><th>max queue</th><th>orphaned</th><th>side effects (dup)</th><th class="l">top causes</th></tr>`;
  const rows = names.map((n) => {
    if (compare) {
      return `<tr><td class="l name">${h(n)}</td>${runs
        .map(({ r }) => {
          const s = r.services[n];
          if (!s) return '<td colspan="5" class="muted">–</td>';
          const completed = s.successes + sumCauses(s.failures);
          return `<td>${fmtInt(s.requests)}</td><td>${pill(s.successRate, completed)}</td><td>${fmtMs(s.latencyMs.p99)}</td><td>${utilBar(s.cpuUtilization ?? s.utilization)}</td><td class="l small">${h(topCauses(s.failures, 2))}</td>`;
        })
        .join('')}</tr>`;
    }
    const s = runs[0].r.services[n];
    const completed = s.successes + sumCauses(s.failures);
    return `<tr><td class="l name">${h(n)}</td><td>${fmtInt(s.instances)}</td><td>${fmtInt(s.requests)}</td><td>${pill(s.successRate, completed)}</td><td${s.stuckSinceMs !== undefined ? ` class="warn" title="stuck: nothing completed since ${h(fmtClock(s.stuckSinceMs))}"` : ''}>${s.inFlight ? fmtInt(s.inFlight) : '-'}${s.stuckSinceMs !== undefined ? ' ⚠ stuck' : ''}</td><td>${s.degraded ? fmtInt(s.degraded) : '-'}</td><td>${fmtMs(s.latencyMs.p50)}</td><td>${fmtMs(s.latencyMs.p99)}</td><td>${utilBar(s.cpuUtilization ?? s.utilization)}${s.cpuUtilization !== undefined ? ' <small>cpu</small>' : ''}</td><td>${fmtInt(s.maxQueue)}</td><td>${fmtInt(s.orphaned)}</td><td>${s.sideEffects ? `${fmtInt(s.sideEffects)} (${fmtInt(s.duplicateSideEffects)})` : '–'}</td><td class="l small">${h(topCauses(s.failures))}</td></tr>`;
  });
  return `<div class="tablewrap"><table class="data">${head}${rows.join('')}</table></div>`;
}

export function utilBar(u: number): string {
  const pct = Math.max(0, Math.min(1, u));
  const color = pct >= 0.9 ? HEALTH_COLOR.failing : pct >= 0.7 ? HEALTH_COLOR.degraded : '#0066cc';
  return `<span class="util"><span class="bar"><span style="width:${num(pct * 100)}%;background:${color}"></span></span>${fmtPct(u, 1)}</span>`;
}

export function edgesTable(runs: { r: RunResult; label: string }[]): string {
  const keys: string[] = [];
  const byKey = runs.map(({ r }) => new Map(r.edges.map((e) => [`${e.from}\u0000${e.to}`, e])));
  for (const { r } of runs)
    for (const e of r.edges) {
      const k = `${e.from}\u0000${e.to}`;
      if (!keys.includes(k)) keys.push(k);
    }
  if (keys.length === 0) return '<p class="muted">No edges.</p>';
  const compare = runs.length > 1;
  const head = compare
    ? `<tr><th rowspan="2">edge</th>${runs.map(({ label }, i) => `<th colspan="4" class="run" style="border-top:3px solid ${RUN_COLORS[i % RUN_COLORS.length]}">${h(label)}</th>`).join('')}</tr><tr>${runs.map(() => '<th>requests</th><th>retries</th><th>failed</th><th>p99 ms</th>').join('')}</tr>`
    : `<tr><th>edge</th><th>requests</th><th>attempts</th><th>retries</th><th>amplification</th><th>failed</th><th>success</th><th>p50 ms</th><th>p99 ms</th><th class="l">top causes (requests)</th><th class="l">failed tries</th></tr>`;
  const rows = keys.map((k) => {
    const [from, to] = k.split('\u0000');
    const name = `<td class="l name">${h(from)} <span class="muted">→</span> ${h(to)}</td>`;
    if (compare) {
      return `<tr>${name}${byKey
        .map((m) => {
          const e = m.get(k);
          if (!e) return '<td colspan="4" class="muted">–</td>';
          const sr = e.requests ? 1 - e.failed / e.requests : 1;
          return `<td>${fmtInt(e.requests)}</td><td>${fmtInt(e.retries)}</td><td>${pill(sr, e.requests, fmtInt(e.failed))}</td><td>${fmtMs(e.latencyMs.p99)}</td>`;
        })
        .join('')}</tr>`;
    }
    const e = byKey[0].get(k);
    if (!e) return '';
    const sr = e.requests ? 1 - e.failed / e.requests : 1;
    const sent = e.sent ?? e.requests;
    const amp = sent ? e.attempts / sent : 0;
    const notSent = e.sent === undefined ? 0 : Math.max(0, e.requests - sent - (e.inFlight ?? 0));
    return `<tr>${name}<td>${fmtInt(e.requests)}</td><td>${fmtInt(e.attempts)}</td><td>${fmtInt(e.retries)}</td><td${amp >= 1.2 ? ' class="warn"' : ''} title="tries per request that went out; ${fmtInt(notSent)} short-circuited">${sent ? amp.toFixed(2) + '×' : '-'}${notSent ? ` <small>(${fmtInt(notSent)} not sent)</small>` : ''}</td><td>${fmtInt(e.failed)}</td><td>${pill(sr, e.requests)}</td><td>${fmtMs(e.latencyMs.p50)}</td><td>${fmtMs(e.latencyMs.p99)}</td><td class="l small">${h(topCauses(e.failures))}</td><td class="l small">${h(topCauses(e.attemptFailures))}</td></tr>`;
  });
  return `<div class="tablewrap"><table class="data">${head}${rows.join('')}</table></div>`;
}

export function causesTable(runs: { r: RunResult; label: string }[]): string {
  const compare = runs.length > 1;
  const totals = runs.map(({ r }) => {
    const svc: Partial<Record<FailureCause, number>> = {};
    const calls: Partial<Record<FailureCause, number>> = {};
    const tries: Partial<Record<FailureCause, number>> = {};
    for (const s of Object.values(r.services))
      for (const c of FAILURE_CAUSES) svc[c] = (svc[c] ?? 0) + (s.failures[c] ?? 0);
    for (const e of r.edges)
      for (const c of FAILURE_CAUSES) {
        calls[c] = (calls[c] ?? 0) + (e.failures[c] ?? 0);
        tries[c] = (tries[c] ?? 0) + (e.attemptFailures[c] ?? 0);
      }
    return { entry: r.summary.failures, svc, calls, tries };
  });
  const causes = FAILURE_CAUSES.filter((c) =>
    totals.some((t) => (t.entry[c] ?? 0) + (t.svc[c] ?? 0) + (t.calls[c] ?? 0) + (t.tries[c] ?? 0) > 0),
  );
  if (causes.length === 0) return '<p class="muted">No failures.</p>';
  const head = compare
    ? `<tr><th>cause</th><th class="l">Envoy</th>${runs.map(({ label }, i) => `<th style="border-top:3px solid ${RUN_COLORS[i % RUN_COLORS.length]}">${h(label)}<br><span class="muted small">entry / calls / tries</span></th>`).join('')}</tr>`
    : `<tr><th>cause</th><th class="l">Envoy code · flags</th><th>entry</th><th>at services</th><th>failed calls</th><th>failed tries</th></tr>`;
  const rows = causes.map((c) => {
    const sw = `<span class="swatch" style="background:${CAUSE_COLORS[FAILURE_CAUSES.indexOf(c)]}"></span>`;
    const envoy = `${ENVOY_OUTCOMES[c].code} · ${ENVOY_OUTCOMES[c].flags}`;
    if (compare)
      return `<tr><td class="l name">${sw}${h(c)}</td><td class="l mono small">${h(envoy)}</td>${totals.map((t) => `<td>${fmtInt(t.entry[c] ?? 0)} / ${fmtInt(t.calls[c] ?? 0)} / ${fmtInt(t.tries[c] ?? 0)}</td>`).join('')}</tr>`;
    const t = totals[0];
    return `<tr><td class="l name">${sw}${h(c)}</td><td class="l mono small">${h(envoy)}</td><td>${fmtInt(t.entry[c] ?? 0)}</td><td>${fmtInt(t.svc[c] ?? 0)}</td><td>${fmtInt(t.calls[c] ?? 0)}</td><td>${fmtInt(t.tries[c] ?? 0)}</td></tr>`;
  });
  return `<div class="tablewrap"><table class="data">${head}${rows.join('')}</table></div>`;
}

export function eventsTable(runs: { r: RunResult; label: string }[], limit = 200): string {
  const compare = runs.length > 1;
  const all = runs.flatMap(({ r, label }, ri) => r.events.map((e, i) => ({ e, label, ri, i })));
  if (all.length === 0) return '';
  all.sort((a, b) => a.e.t - b.e.t || a.ri - b.ri || a.i - b.i);
  const shown = all.slice(0, limit);
  const rows = shown.map(({ e, label }) => {
    const cls =
      e.state === 'open'
        ? 'failing'
        : e.state === 'half-open'
          ? 'degraded'
          : e.state === 'closed'
            ? 'healthy'
            : '';
    return `<tr><td class="l mono">${fmtClock(e.t)}</td>${compare ? `<td class="l small">${h(label)}</td>` : ''}<td class="l">${h(e.kind)}</td><td class="l">${h(e.subject)}</td><td class="l">${e.state ? `<span class="pill ${cls}">${h(e.state)}</span>` : ''}</td><td class="l small">${h(e.reason)}</td></tr>`;
  });
  const more =
    all.length > limit
      ? `<p class="muted">… and ${fmtInt(all.length - limit)} more events (all of them are in the JSON result).</p>`
      : '';
  return `<details${all.length <= 40 ? ' open' : ''}><summary>Event list (${fmtInt(all.length)})</summary><div class="tablewrap"><table class="data"><tr><th>time</th>${compare ? '<th class="l">run</th>' : ''}<th class="l">kind</th><th class="l">subject</th><th class="l">state</th><th class="l">reason</th></tr>${rows.join('')}</table></div>${more}</details>`;
}

export function verdictClass(v: Verdict): string {
  return v === 'passed' ? 'healthy' : v === 'failed' ? 'failing' : 'idle';
}

export function checksList(r: RunResult): string {
  if (r.thresholds.length === 0 && r.probes.length === 0) return `<p class="muted">${h(NO_CHECKS_HINT)}.</p>`;
  type C = { ok: boolean; status?: CheckStatus; observed: number | null; unit?: CheckUnit };
  const item = (c: C, name: string, expected: string): string => {
    const noData = c.status === 'no-data' || c.observed === null;
    const cls = noData ? 'nodata' : c.ok ? 'ok' : 'bad';
    const mark = noData ? '?' : c.ok ? '✓' : '✗';
    const obs = noData
      ? 'no data (the window held no request)'
      : `observed ${fmtCheckValue(c.observed, c.unit ?? 'count')}`;
    return `<li class="${cls}"><span class="mark">${mark}</span><span class="cname">${h(name)}</span><span class="cexp">${h(expected)}</span><span class="cobs">${h(obs)}</span></li>`;
  };
  return `<ul class="checks">${[
    ...r.thresholds.map((t) => item(t, t.metric, t.source)),
    ...r.probes.map((p) => item(p, p.name, p.expected)),
  ].join('')}</ul>`;
}

// ---- summary cards ------------------------------------------------------------------------------

export function card(label: string, value: string, sub = '', accent = '', text = false): string {
  return `<div class="card"${accent ? ` style="border-left-color:${accent}"` : ''}><div class="clabel">${h(label)}</div><div class="cvalue${text ? ' text' : ''}" title="${value.replace(/<[^>]*>/g, '')}">${value}</div>${sub ? `<div class="csub">${sub}</div>` : ''}</div>`;
}

export function summaryCards(r: RunResult): string {
  const s = r.summary;
  const retries = r.edges.reduce((a, e) => a + e.retries, 0);
  const requestsOnEdges = r.edges.reduce((a, e) => a + e.requests, 0);
  const attempts = r.edges.reduce((a, e) => a + e.attempts, 0);
  const dups = Object.values(r.services).reduce((a, x) => a + x.duplicateSideEffects, 0);
  const rps = r.durationMs > 0 ? s.requests / (r.durationMs / 1000) : 0;
  const breakerOpens = r.events.filter((e) => e.kind === 'breaker' && e.state === 'open').length;
  const faults = r.events.filter((e) => e.kind === 'fault-start').length;
  const peakOf = (name: string): number => {
    const b = r.series.services[name];
    const col = b?.cpu ?? b?.utilization ?? [];
    return col.length ? Math.max(...col) : (r.services[name].cpuUtilization ?? r.services[name].utilization);
  };
  const busiest = Object.keys(r.services)
    .map((n) => [n, peakOf(n)] as const)
    .sort((a, b) => b[1] - a[1])[0];
  const inFlight = s.inFlight ?? 0;
  return `<div class="cards">${[
    card(
      'Requests',
      fmtInt(s.arrived ?? s.requests),
      `${rps >= 100 ? fmtInt(rps) : rps.toFixed(1)} /s over ${h(fmtDuration(r.durationMs))} · ${inFlight ? `${fmtInt(inFlight)} still in flight at the end` : 'all completed'}`,
      inFlight && s.stuckSinceMs !== undefined ? HEALTH_COLOR.degraded : '',
    ),
    card(
      'Success rate',
      `<span style="color:${healthColor(s.successRate, s.requests)}">${s.requests ? fmtPct(s.successRate) : '–'}</span>`,
      `${fmtInt(s.requests - s.successes)} failed · ${fmtInt(s.degraded)} degraded answers`,
      healthColor(s.successRate, s.requests),
    ),
    card('Latency p50', `${fmtMs(s.latencyMs.p50)}<small> ms</small>`, `mean ${fmtMs(s.latencyMs.mean)} ms`),
    card(
      'Latency p99',
      `${fmtMs(s.latencyMs.p99)}<small> ms</small>`,
      `p99.9 ${fmtMs(s.latencyMs.p999)} · max ${fmtMs(s.latencyMs.max)} ms`,
    ),
    card(
      'Retries',
      fmtInt(retries),
      `${requestsOnEdges ? (attempts / requestsOnEdges).toFixed(2) : '1.00'}× tries per call · ${fmtInt(s.clientRetries)} client`,
      retries > 0 ? HEALTH_COLOR.degraded : '',
    ),
    card(
      'Duplicate side effects',
      fmtInt(dups),
      'non-idempotent work repeated by retries',
      dups > 0 ? HEALTH_COLOR.failing : '',
    ),
    card(
      'Busiest service',
      busiest ? h(busiest[0]) : '-',
      busiest
        ? h(
            `peak ${peakUtilization(r, busiest[0])} (mean ${fmtPct(r.services[busiest[0]].cpuUtilization ?? r.services[busiest[0]].utilization, 1)})`,
          )
        : '',
      '',
      true,
    ),
    card(
      'Events',
      fmtInt(r.events.length),
      `${faults} fault${faults === 1 ? '' : 's'} · ${breakerOpens} breaker open${breakerOpens === 1 ? '' : 's'}`,
    ),
  ].join('')}</div>`;
}

export interface Metric {
  name: string;
  get: (r: RunResult) => number;
  fmt: (x: number) => string;
  /** +1 when higher is better, -1 when lower is better, 0 neutral. */
  better: number;
}

export const COMPARE_METRICS: Metric[] = [
  {
    name: 'entry requests sent',
    get: (r) => r.summary.arrived ?? r.summary.requests,
    fmt: fmtInt,
    better: 0,
  },
  { name: 'in flight at the end', get: (r) => r.summary.inFlight ?? 0, fmt: fmtInt, better: -1 },
  { name: 'success rate', get: (r) => r.summary.successRate, fmt: (x) => fmtPct(x), better: 1 },
  { name: 'degraded answers', get: (r) => r.summary.degraded, fmt: fmtInt, better: -1 },
  { name: 'p50 ms', get: (r) => r.summary.latencyMs.p50, fmt: fmtMs, better: -1 },
  { name: 'p90 ms', get: (r) => r.summary.latencyMs.p90, fmt: fmtMs, better: -1 },
  { name: 'p99 ms', get: (r) => r.summary.latencyMs.p99, fmt: fmtMs, better: -1 },
  { name: 'p99.9 ms', get: (r) => r.summary.latencyMs.p999, fmt: fmtMs, better: -1 },
  { name: 'mean ms', get: (r) => r.summary.latencyMs.mean, fmt: fmtMs, better: -1 },
  {
    name: 'retries (all edges)',
    get: (r) => r.edges.reduce((a, e) => a + e.retries, 0),
    fmt: fmtInt,
    better: -1,
  },
  { name: 'client retries', get: (r) => r.summary.clientRetries, fmt: fmtInt, better: -1 },
  {
    name: 'duplicate side effects',
    get: (r) => Object.values(r.services).reduce((a, s) => a + s.duplicateSideEffects, 0),
    fmt: fmtInt,
    better: -1,
  },
  {
    name: 'max utilization',
    get: (r) => Math.max(0, ...Object.values(r.services).map((s) => s.utilization)),
    fmt: (x) => fmtPct(x, 1),
    better: -1,
  },
  {
    name: 'breaker opens',
    get: (r) => r.events.filter((e) => e.kind === 'breaker' && e.state === 'open').length,
    fmt: fmtInt,
    better: 0,
  },
  {
    name: 'breaker short-circuits',
    get: (r) => (r.mesh?.breakers ?? []).reduce((a, b) => a + b.rejected, 0),
    fmt: fmtInt,
    better: 0,
  },
];

export function compareTable(runs: { r: RunResult; label: string }[]): string {
  const head = `<tr><th>metric</th>${runs.map(({ label }, i) => `<th class="run" style="border-top:3px solid ${RUN_COLORS[i % RUN_COLORS.length]}">${h(label)}</th>`).join('')}</tr>`;
  const rows = COMPARE_METRICS.map((m) => {
    const base = m.get(runs[0].r);
    return `<tr><td class="l name">${h(m.name)}</td>${runs
      .map(({ r }, i) => {
        const v = m.get(r);
        let delta = '';
        if (i > 0 && Number.isFinite(v) && Number.isFinite(base) && v !== base) {
          const d = v - base;
          const good = m.better === 0 ? 0 : Math.sign(d) === m.better ? 1 : -1;
          const rel =
            base !== 0 && m.name !== 'success rate'
              ? ` (${d > 0 ? '+' : ''}${((d / Math.abs(base)) * 100).toFixed(0)}%)`
              : '';
          const txt =
            m.name === 'success rate'
              ? `${d > 0 ? '+' : ''}${(d * 100).toFixed(2)} pt`
              : `${d > 0 ? '+' : ''}${m.fmt(d)}${rel}`;
          delta = ` <span class="delta ${good > 0 ? 'better' : good < 0 ? 'worse' : ''}">${h(txt)}</span>`;
        }
        const cell = m.name === 'success rate' ? pill(v, r.summary.requests) : h(m.fmt(v));
        return `<td>${cell}${delta}</td>`;
      })
      .join('')}</tr>`;
  });
  const verdicts = `<tr><td class="l name">verdict</td>${runs.map(({ r }) => `<td><span class="pill ${verdictClass(resultVerdict(r))}">${h(verdictLabel(resultVerdict(r)).toLowerCase())}</span></td>`).join('')}</tr>`;
  const hashes = `<tr><td class="l name">hash</td>${runs.map(({ r }) => `<td class="mono small">${h(r.hash.slice(0, 12))}</td>`).join('')}</tr>`;
  return `<div class="tablewrap"><table class="data compare">${head}${rows.join('')}${verdicts}${hashes}</table></div>`;
}
