/**
 * The HTML report: ONE self-contained file (no network access at all) for one run or for a
 * comparison of several runs.
 *
 * What is rendered on the server side, as static HTML/SVG (readable without JavaScript, printable):
 * summary cards (or, for a comparison, a metrics × runs table with deltas), the service graph
 * (layered layout, Kiali colours, Hystrix-style node sizes, stacked edge labels, native SVG
 * tooltips), the services / edges / failures tables, the events timeline and the event list.
 * What the inlined d3 bundle draws in the browser: the time-series charts (requests/s, success
 * rate, p99 at the entry and per service, failures by cause stacked, retry amplification per edge)
 * with fault windows shaded and a hover read-out; several runs are overlaid on the same axes.
 *
 * The d3 source is passed in by the caller (the CLI reads node_modules/d3/dist/d3.min.js), so this
 * module stays isomorphic: no `node:` imports, no DOM access in this module.
 *
 * The parts live in simulator/telemetry/html/: template (the one auto-escaping HTML builder),
 * common, series (binning for the charts), graph, timeline, tables, style; the browser code that
 * draws the charts is simulator/report-client (a typed module, bundled when a report is written).
 */
import type { RunResult } from './types.ts';
import type { ClientRun, RunPageData } from './html/client-data.ts';
import { DATA_ID } from './html/client-data.ts';
import { codeBlock, html, jsonBlock, page, raw } from './html/template.ts';
import { narrate } from './narrative.ts';
import type { Sentence } from './narrative.ts';
import { NO_CHECKS_HINT, resultVerdict, verdictLabel, verdictLine } from './verdict.ts';
import { fmtClock, fmtDuration, fmtInt, fmtMs, sumCauses } from './format.ts';
import { FAILURE_CAUSES } from './types.ts';
import { RUN_COLORS, CAUSE_COLORS, h, uniqueLabels } from './html/common.ts';
import { clientRun } from './html/series.ts';
import { layoutGraph, renderGraph } from './html/graph.ts';
import { renderTimeline } from './html/timeline.ts';
import {
  pill,
  servicesTable,
  edgesTable,
  causesTable,
  eventsTable,
  checksList,
  summaryCards,
  compareTable,
} from './html/tables.ts';
import { CSS } from './html/style.ts';

export { escapeHtml } from './html/common.ts';

export interface HtmlReportOptions {
  /** The d3 v7 bundle (`d3.min.js`) to inline. Without it the charts are replaced by a note. */
  d3Source?: string;
  /** The report's browser module, bundled (simulator/report-client; the CLI builds it). Without it: no charts. */
  clientSource?: string;
  /** Page title. Default: "meshdojo · <scenario>" or "meshdojo · compare". */
  title?: string;
  /** Names of the runs (default: the scenario names, made unique). */
  labels?: string[];
  /** Largest number of points per chart line; longer series are binned. Default 720. */
  maxPoints?: number;
}

function legendRuns(runs: ClientRun[]): string {
  if (runs.length < 2) return '';
  const dashes = ['', '6,3', '2,2', '8,3,2,3'];
  return `<div class="legend">${runs
    .map(
      (r, i) =>
        `<span><svg width="22" height="6"><line x1="0" y1="3" x2="22" y2="3" stroke="${r.color}" stroke-width="2.2"${dashes[i % 4] ? ` stroke-dasharray="${dashes[i % 4]}"` : ''}/></svg>${h(r.label)}</span>`,
    )
    .join(
      '',
    )}<span><i class="band"></i>fault active</span><span><svg width="10" height="12"><line x1="5" y1="0" x2="5" y2="12" stroke="#c9190b" stroke-dasharray="2,3"/></svg>breaker opened</span></div>`;
}

/** The anchor of a chart, for the narrative's links. */
function chartId(spec: string): string {
  return `chart-${spec.replace(/[^A-Za-z0-9_-]+/g, '-')}`;
}

function chartBox(title: string, spec: string): string {
  return html`<div class="chart needs-d3" id="${chartId(spec)}" data-chart="${spec}"><h4>${title}</h4></div>`
    .value;
}

/** The chart a sentence points at (see narrative.ts ChartRef). */
function sentenceChart(st: Sentence): string {
  const c = st.chart;
  if (c.scope === 'entry') return c.metric === 'events' ? 'events' : 'entry||success';
  if (c.scope === 'edge') return 'edges-amp||amp';
  const metric = c.metric === 'inFlight' ? 'queue' : c.metric === 'failures' ? 'success' : c.metric;
  return `service|${c.name}|${metric}`;
}

function storySection(r: RunResult, label: string): string {
  const story = narrate(r);
  if (!story.length) return '';
  const items = story.map((st) => {
    const spec = sentenceChart(st);
    const href = spec === 'events' ? '#events' : `#${chartId(spec)}`;
    return html`<li data-kind="${st.kind}" data-service="${st.service ?? ''}">
      <a href="${href}" data-at="${String(Math.round(st.atMs))}"
        ><span class="when">${fmtClock(st.atMs)}</span> ${st.text}</a
      >
    </li>`;
  });
  return html`<section class="panel story">
    <h2>
      What happened<span class="hint"
        >${label ? `${label} · ` : ''}derived from the result; click a sentence to see its moment on the
        charts</span
      >
    </h2>
    <ol class="story">
      ${items}
    </ol>
  </section>`.value;
}

/** One self-contained HTML document for one run, or for a comparison of several. */
export function renderHtml(input: RunResult | RunResult[], options: HtmlReportOptions = {}): string {
  const results = Array.isArray(input) ? input : [input];
  if (results.length === 0) throw new Error('renderHtml: no result to render');
  const compare = results.length > 1;
  const labels = uniqueLabels(results, options.labels);
  const runs = results.map((r, i) => ({ r, label: labels[i] }));
  const maxPoints = options.maxPoints ?? 720;
  const clientRuns = results.map((r, i) =>
    clientRun(r, labels[i], RUN_COLORS[i % RUN_COLORS.length], maxPoints),
  );
  const first = results[0];
  const title =
    options.title ?? (compare ? `meshdojo · compare ${labels.join(' vs ')}` : `meshdojo · ${first.scenario}`);

  // edges whose retries amplify traffic, for the amplification chart (first run)
  const ampEdges = first.edges
    .filter((e) => e.retries > 0)
    .sort((a, b) => b.retries - a.retries)
    .slice(0, 8)
    .map((e) => `${e.from}->${e.to}`)
    .filter((k) => first.series.edges[k]);

  // header
  const meta: string[] = [];
  if (compare) {
    meta.push(
      `<span><b>${results.length}</b> runs</span>`,
      `<span>mode <b>${h([...new Set(results.map((r) => r.mode))].join(', '))}</b></span>`,
    );
    meta.push(`<span>seeds <b>${h([...new Set(results.map((r) => String(r.seed)))].join(', '))}</b></span>`);
    meta.push(
      `<span>duration <b>${h(fmtDuration(Math.max(...results.map((r) => r.durationMs))))}</b></span>`,
    );
  } else {
    meta.push(
      `<span>mode <b>${h(first.mode)}</b></span>`,
      `<span>seed <b>${first.seed}</b></span>`,
      `<span>${first.mode === 'simulated' ? 'simulated' : 'ran'} <b>${h(fmtDuration(first.durationMs))}</b></span>`,
      `<span>hash <b class="mono">${h(first.hash.slice(0, 12) || '–')}</b></span>`,
    );
    if (first.wall) {
      const speed = first.wall.elapsedMs > 0 ? first.durationMs / first.wall.elapsedMs : 0;
      meta.push(
        `<span>wall <b>${h(fmtDuration(first.wall.elapsedMs))}</b> (${speed >= 10 ? fmtInt(speed) : speed.toFixed(1)}× real time)</span>`,
      );
    }
    if (first.mesh && first.mesh.profile !== 'none')
      meta.push(`<span>mesh <b>${h(first.mesh.profile)}</b></span>`);
  }
  const vs = results.map((r) => resultVerdict(r));
  const nPassed = vs.filter((v) => v === 'passed').length;
  const nFailed = vs.filter((v) => v === 'failed').length;
  const verdict = compare
    ? `<span class="verdict ${nFailed ? 'fail' : nPassed === vs.length ? 'pass' : 'neutral'}">${
        nPassed === 0 && nFailed === 0 ? 'NO CHECKS' : `${nPassed}/${results.length} PASSED`
      }</span>`
    : `<span class="verdict ${vs[0] === 'passed' ? 'pass' : vs[0] === 'failed' ? 'fail' : 'neutral'}" title="${h(vs[0] === 'no-checks' ? NO_CHECKS_HINT : verdictLine(first))}">${h(verdictLabel(vs[0]))}</span>`;

  const body: string[] = [];
  body.push(
    `<header class="top"><h1><span class="brand">meshdojo</span> · ${h(compare ? labels.join(' vs ') : first.scenario)}${verdict}</h1><div class="meta">${meta.join('')}</div></header>`,
    `<main>`,
  );

  // summary
  if (compare)
    body.push(
      `<section class="panel"><h2>Summary<span class="hint">deltas against ${h(labels[0])}</span></h2>${compareTable(runs)}</section>`,
    );
  else
    body.push(
      `<section class="panel" style="background:transparent;border:0;padding:0">${summaryCards(first)}</section>`,
    );

  // what happened (first run), each sentence linked to its chart moment
  body.push(storySection(first, compare ? labels[0] : ''));

  // entry charts
  body.push(
    `<section class="panel"><h2>Entry over time<span class="hint">as the load generator saw it${clientRuns[0].stepMs !== first.series.intervalMs ? ` · one point per ${h(fmtDuration(clientRuns[0].stepMs))} (p99 = worst interval)` : ''}</span></h2>`,
    legendRuns(clientRuns) ||
      `<div class="legend"><span><i class="band"></i>fault active</span><span><svg width="10" height="12"><line x1="5" y1="0" x2="5" y2="12" stroke="#c9190b" stroke-dasharray="2,3"/></svg>breaker opened</span></div>`,
    `<div class="chartgrid">${chartBox('Requests per second', 'entry||rps')}${chartBox('Success rate (amber band: degraded answers)', 'entry||success')}${chartBox('Latency p99', 'entry||p99')}</div>`,
    `</section>`,
  );

  // failures by cause
  const causeKeys = FAILURE_CAUSES.filter((c) => clientRuns.some((r) => r.entry.byCause?.[c]));
  body.push(
    `<section class="panel"><h2>Failures by cause over time<span class="hint">entry requests failed per second, stacked</span></h2>`,
    causeKeys.length
      ? `<div class="legend">${causeKeys.map((c) => `<span><i class="dot" style="background:${CAUSE_COLORS[FAILURE_CAUSES.indexOf(c)]}"></i>${h(c)}</span>`).join('')}</div>`
      : '',
    `<div class="chartgrid">${clientRuns.map((r, i) => chartBox(compare ? r.label : 'Failed entry requests / s', `run|${i}|causes`)).join('')}</div>`,
    `</section>`,
  );

  // service graph
  const names: string[] = [];
  const edgePairs: [string, string][] = [];
  for (const r of results) {
    for (const n of Object.keys(r.services)) if (!names.includes(n)) names.push(n);
    for (const e of r.edges)
      if (!edgePairs.some(([a, b]) => a === e.from && b === e.to)) edgePairs.push([e.from, e.to]);
  }
  const layout = layoutGraph(names, edgePairs);
  body.push(
    `<section class="panel"><h2>Service graph<span class="hint">node size ∝ √requests · colour = success rate (green &lt; 0.1 % errors, amber &lt; 10 %, red ≥ 10 %) · hover for details</span></h2>`,
    `<div class="graphopts"><label><input type="checkbox" data-edge-colour="p99"> colour edges by p99 latency (green ≤ 100 ms, amber ≤ 1 s, red above) instead of success rate</label></div>`,
    `<div class="graphs">${runs.map(({ r, label }, i) => `<div class="graphbox" style="flex-basis:${layout.width}px">${compare ? `<h3 style="color:${RUN_COLORS[i % RUN_COLORS.length]}">${h(label)}</h3>` : ''}${renderGraph(r, layout, `g${i}`)}</div>`).join('')}</div>`,
    `</section>`,
  );

  // retry amplification
  if (ampEdges.length) {
    body.push(
      `<section class="panel"><h2>Retry amplification<span class="hint">tries per request that went out, counted by the interval the request started in (at most (1 + app retries) × (1 + mesh retries))${compare ? ` · ${h(labels[0])}` : ''}</span></h2>`,
      `<div class="legend">${ampEdges.map((k, i) => `<span><i style="background:${RUN_COLORS[i % RUN_COLORS.length]}"></i>${h(k.replace('->', ' → '))}</span>`).join('')}</div>`,
      `<div class="chartgrid">${chartBox('Tries per request', 'edges-amp||amp')}${chartBox('Requests short-circuited (breaker open, no healthy host, pool overflow)', 'edges-amp||shorted')}</div>`,
      `</section>`,
    );
  }

  // canary weight over time
  const canaries = [...new Set(clientRuns.flatMap((r) => Object.keys(r.canary)))];
  if (canaries.length)
    body.push(
      `<section class="panel"><h2>Canary weight<span class="hint">share of traffic (%) sent to the canary, step by step</span></h2><div class="chartgrid">${canaries.map((c) => chartBox(`${c}: canary weight (%)`, `canary|${c}|canary`)).join('')}</div></section>`,
    );

  // per-service charts
  if (names.length) {
    body.push(
      `<section class="panel"><h2>Services over time<span class="hint">success rate, p99 latency, utilisation (CPU where the service has a <code>cpu</code> limit, else worker slots), queue length and requests in flight</span></h2>`,
      legendRuns(clientRuns),
      ...names.map((n) => {
        const s = first.services[n];
        const completed = s ? s.successes + sumCauses(s.failures) : 0;
        const util = first.series.services[n]?.cpu ? 'CPU utilisation' : 'Worker-slot utilisation';
        return `<div class="svcrow"><h3>${h(n)}${s ? pill(s.successRate, completed) : ''}</h3><div class="chartgrid">${chartBox('Success rate', `service|${n}|success`)}${chartBox('Latency p99', `service|${n}|p99`)}${chartBox(util, `service|${n}|util`)}${chartBox(compare ? 'Queue and in flight' : 'Queue (blue) and in flight (purple)', `service|${n}|queue`)}</div></div>`;
      }),
      `</section>`,
    );
  }

  // tables
  body.push(`<section class="panel"><h2>Services</h2>${servicesTable(runs)}</section>`);
  body.push(
    `<section class="panel"><h2>Edges<span class="hint">caller → callee · retries by the application and by the mesh · amplification = tries per request</span></h2>${edgesTable(runs)}</section>`,
  );
  body.push(
    `<section class="panel"><h2>Failures by cause<span class="hint">entry = requests the load generator saw fail · at services = invocations that failed at an instance · failed calls = edge requests that failed after all tries · failed tries = every failed attempt</span></h2>${causesTable(runs)}</section>`,
  );

  // events
  body.push(
    `<section class="panel" id="events"><h2>Events<span class="hint">faults, breaker states (green closed · amber half-open · red open), ejections, restarts</span></h2>`,
    renderTimeline(runs, compare),
    eventsTable(runs),
    `</section>`,
  );

  // checks
  if (compare) {
    body.push(
      `<section class="panel"><h2>Thresholds and probes</h2><div class="cols">${runs.map(({ r, label }, i) => `<div><h3 style="color:${RUN_COLORS[i % RUN_COLORS.length]}">${h(label)}</h3>${checksList(r)}</div>`).join('')}</div></section>`,
    );
  } else {
    body.push(`<section class="panel"><h2>Thresholds and probes</h2>${checksList(first)}</section>`);
  }

  // mesh cost
  const costs = runs.filter(({ r }) => r.mesh && r.mesh.profile !== 'none' && r.mesh.proxies > 0);
  if (costs.length) {
    body.push(
      `<section class="panel"><h2>Mesh cost</h2><div class="tablewrap"><table class="data"><tr>${compare ? '<th class="l">run</th>' : ''}<th class="l">profile</th><th>proxies</th><th>added latency / request</th><th>CPU cores</th><th>core·s</th><th>memory</th></tr>${costs
        .map(
          ({ r, label }) =>
            `<tr>${compare ? `<td class="l name">${h(label)}</td>` : ''}<td class="l">${h(r.mesh.profile)}</td><td>${fmtInt(r.mesh.proxies)}</td><td>${fmtMs(r.mesh.addedLatencyMsPerRequest)} ms</td><td>${r.mesh.cpuCores.toFixed(2)}</td><td>${fmtInt(r.mesh.cpuCoreSeconds)}</td><td>${fmtInt(r.mesh.memoryMB)} MB</td></tr>`,
        )
        .join('')}</table></div></section>`,
    );
  }

  body.push(
    `<footer>meshdojo report · ${runs.map(({ r, label }) => `${h(label)} <span class="mono">${h(r.hash.slice(0, 16))}</span>`).join(' · ')} · times are virtual (from the start of the run)</footer>`,
    `</main>`,
  );

  const data: RunPageData = {
    kind: 'run',
    runs: clientRuns,
    causes: FAILURE_CAUSES,
    causeColors: CAUSE_COLORS,
    ampEdges,
    edgeColors: RUN_COLORS,
  };

  return page({
    title,
    css: CSS,
    body: raw(body.join('\n')),
    blocks: [
      jsonBlock(DATA_ID, data),
      ...(options.d3Source ? [codeBlock(options.d3Source)] : []),
      ...(options.clientSource ? [codeBlock(options.clientSource)] : []),
    ],
  });
}
