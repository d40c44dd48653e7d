/**
 * The HTML report: ONE self-contained file (no network access at all) for one run or for a
 * comparison of several runs.
 *
 * What is rendered here, as static HTML/SVG (readable without JavaScript, printable):
 * summary cards (or, for a comparison, a metrics × runs table with deltas), the service graph
 * (layered layout, Kiali colours, Hystrix-style node sizes, stacked edge labels, native SVG
 * tooltips), the services / edges / failures tables, the events timeline and the event list.
 * What the inlined d3 bundle draws in the browser: the time-series charts (requests/s, success
 * rate, p99 at the entry and per service, failures by cause stacked, retry amplification per edge)
 * with fault windows shaded and a hover read-out; several runs are overlaid on the same axes.
 *
 * The d3 source is passed in by the caller (the CLI reads node_modules/d3/dist/d3.min.js), so this
 * module stays isomorphic: no `node:` imports, no DOM access in this module.
 */
import type {
  CheckStatus,
  CheckUnit,
  FailureCause,
  RunEvent,
  RunResult,
  SeriesBlock,
  TimeSeries,
  Verdict,
} from './types.ts';
import type { ClientBlock, ClientRun, RunPageData } from './html/client-data.ts';
import { DATA_ID } from './html/client-data.ts';
import { codeBlock, html, jsonBlock, page, raw } from './html/template.ts';
import { narrate, type Sentence } from './narrative.ts';
import { peakUtilization } from './report-text.ts';
import { NO_CHECKS_HINT, resultVerdict, verdictLabel, verdictLine } from './verdict.ts';
import { fmtCheckValue } from './format.ts';
import { FAILURE_CAUSES } from './types.ts';
import { ENVOY_OUTCOMES } from './access-log.ts';
import {
  fmtClock,
  fmtDuration,
  fmtInt,
  fmtMs,
  fmtPct,
  health,
  sumCauses,
  topCauses as topCausesText,
} from './report-text.ts';

const topCauses = (f: Partial<Record<FailureCause, number>>, n = 3): string => {
  const t = topCausesText(f, n);
  return t === '-' ? '–' : t;
};

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

// ---- palette ------------------------------------------------------------------------------------

const HEALTH_COLOR = {
  healthy: '#3e8635',
  degraded: '#f0ab00',
  failing: '#c9190b',
  idle: '#8a8d90',
} as const;
/** Run colours for overlaid series (PatternFly chart palette). */
const RUN_COLORS = ['#0066cc', '#ec7a08', '#009596', '#5752d1', '#c58c00', '#7d1007', '#4cb140', '#002f5d'];
/** Fixed colour per failure cause (index in FAILURE_CAUSES), so every chart and legend agree. */
const CAUSE_COLORS = [
  '#ec7a08', // timeout
  '#c9190b', // route-timeout
  '#f4b678', // per-try-timeout
  '#7d1007', // error-5xx
  '#5752d1', // overflow
  '#8481dd', // pool-overflow
  '#a30000', // no-healthy-upstream
  '#0066cc', // breaker-open
  '#009596', // connect-failure
  '#73c5c5', // reset
  '#6a6e73', // denied
  '#b8bbbe', // mtls
  '#f0ab00', // fault-abort
  '#4cb140', // no-route
  '#c58c00', // retry-budget-exhausted
];

// ---- helpers ------------------------------------------------------------------------------------

export function escapeHtml(s: string): string {
  return s.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string,
  );
}
const h = escapeHtml;

const num = (x: number, d = 1): string =>
  Number.isFinite(x) ? String(Math.round(x * 10 ** d) / 10 ** d) : '0';

function healthColor(successRate: number, requests: number): string {
  return HEALTH_COLOR[health(successRate, requests)];
}

function uniqueLabels(results: RunResult[], labels?: string[]): string[] {
  const base = results.map((r, i) => labels?.[i] ?? r.scenario ?? `run ${i + 1}`);
  const seen = new Map<string, number>();
  for (const b of base) seen.set(b, (seen.get(b) ?? 0) + 1);
  const idx = new Map<string, number>();
  return base.map((b) => {
    if ((seen.get(b) ?? 0) < 2) return b;
    const k = (idx.get(b) ?? 0) + 1;
    idx.set(b, k);
    return `${b} #${k}`;
  });
}

/** Nice time ticks (ms) over [0, duration]: 1-2-5 steps in s/min/h, at most ~`max` ticks. */
function timeTicks(durationMs: number, max = 8): number[] {
  const steps = [
    1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400,
  ].map((s) => s * 1000);
  const sub = [10, 20, 50, 100, 200, 500];
  const all = [...sub, ...steps];
  const step = all.find((s) => durationMs / s <= max) ?? durationMs;
  const out: number[] = [];
  for (let t = 0; t <= durationMs + 1e-9; t += step) out.push(t);
  return out;
}

function fmtTick(ms: number, durationMs: number): string {
  if (durationMs < 2000) return `${Math.round(ms)} ms`;
  const s = Math.round(ms / 1000);
  const hh = Math.floor(s / 3600);
  const mm = Math.floor((s % 3600) / 60);
  const ss = s % 60;
  if (durationMs >= 3 * 3600_000) return `${hh}:${String(mm).padStart(2, '0')}`;
  if (hh > 0) return `${hh}:${String(mm).padStart(2, '0')}:${String(ss).padStart(2, '0')}`;
  return `${mm}:${String(ss).padStart(2, '0')}`;
}

// ---- series binning (server side, deterministic) ------------------------------------------------

function binBlock(b: Partial<SeriesBlock>, k: number, n: number, withCauses: boolean): ClientBlock {
  const groups = Math.ceil(n / k);
  const sum = (col: number[] | undefined): number[] => {
    const out = new Array<number>(groups).fill(0);
    if (!col) return out;
    for (let i = 0; i < n; i++) out[Math.floor(i / k)] += col[i] ?? 0;
    return out;
  };
  const max = (col: number[] | undefined): number[] => {
    const out = new Array<number>(groups).fill(0);
    if (!col) return out;
    for (let i = 0; i < n; i++) {
      const g = Math.floor(i / k);
      if ((col[i] ?? 0) > out[g]) out[g] = col[i];
    }
    return out;
  };
  const mean = (col: number[] | undefined): number[] => {
    const out = sum(col);
    for (let g = 0; g < groups; g++) out[g] /= Math.min(k, n - g * k);
    return out.map((x) => Math.round(x * 1e4) / 1e4);
  };
  /** Request-weighted mean (for p50). */
  const wmean = (col: number[] | undefined, w: number[] | undefined): number[] => {
    const out = new Array<number>(groups).fill(0);
    const ws = new Array<number>(groups).fill(0);
    if (!col || !w) return out;
    for (let i = 0; i < n; i++) {
      const g = Math.floor(i / k);
      out[g] += (col[i] ?? 0) * (w[i] ?? 0);
      ws[g] += w[i] ?? 0;
    }
    return out.map((x, g) => (ws[g] > 0 ? Math.round((x / ws[g]) * 1000) / 1000 : 0));
  };
  const out: ClientBlock = {
    requests: sum(b.requests),
    successes: sum(b.successes),
    failures: sum(b.failures),
    p50: k === 1 ? (b.p50 ?? []).slice(0, n) : wmean(b.p50, b.requests),
    p99: k === 1 ? (b.p99 ?? []).slice(0, n) : max(b.p99),
  };
  if (withCauses && b.byCause) {
    out.byCause = {};
    for (const c of FAILURE_CAUSES) if (b.byCause[c]) out.byCause[c] = sum(b.byCause[c]);
  }
  if (b.utilization) out.utilization = k === 1 ? b.utilization.slice(0, n) : mean(b.utilization);
  if (b.cpu) out.cpu = k === 1 ? b.cpu.slice(0, n) : mean(b.cpu);
  if (b.queue) out.queue = k === 1 ? b.queue.slice(0, n) : max(b.queue);
  if (b.inFlight) out.inFlight = k === 1 ? b.inFlight.slice(0, n) : max(b.inFlight);
  if (b.degraded) out.degraded = sum(b.degraded);
  if (b.attempts) out.attempts = sum(b.attempts);
  if (b.byStart) {
    out.started = sum(b.byStart.started);
    out.sent = sum(b.byStart.sent);
    out.startAttempts = sum(b.byStart.attempts);
  }
  return out;
}

/** Fault windows and breaker markers from the events. */
function bandsOf(
  events: RunEvent[],
  durationMs: number,
): { bands: ClientRun['bands']; markers: ClientRun['markers'] } {
  const open = new Map<string, number>();
  const bands: ClientRun['bands'] = [];
  const markers: ClientRun['markers'] = [];
  for (const e of events) {
    if (e.kind === 'fault-start') open.set(e.subject, e.t);
    else if (e.kind === 'fault-end') {
      const from = open.get(e.subject);
      if (from !== undefined) {
        bands.push({ from, to: e.t, label: e.subject });
        open.delete(e.subject);
      }
    } else if (e.kind === 'breaker' && e.state === 'open' && markers.length < 60) {
      markers.push({ t: e.t, label: `breaker open: ${e.subject}`, state: 'open' });
    }
  }
  for (const [subject, from] of open) bands.push({ from, to: durationMs, label: subject });
  bands.sort((a, b) => a.from - b.from);
  return { bands, markers };
}

function clientRun(r: RunResult, label: string, color: string, maxPoints: number): ClientRun {
  const s: TimeSeries = r.series;
  const n = s.t.length;
  const k = Math.max(1, Math.ceil(n / maxPoints));
  const groups = Math.ceil(n / k);
  const t: number[] = [];
  for (let g = 0; g < groups; g++) t.push(s.t[Math.min(n - 1, g * k + k - 1)]);
  const services: Record<string, ClientBlock> = {};
  for (const name of Object.keys(s.services)) services[name] = binBlock(s.services[name], k, n, true);
  const edges: Record<string, ClientBlock> = {};
  for (const key of Object.keys(s.edges)) edges[key] = binBlock(s.edges[key], k, n, false);
  const { bands, markers } = bandsOf(r.events, r.durationMs);
  // Canary weight over time, from the controller's events ("… 20% to v2 …", "promoted: 100% …").
  const canary: ClientRun['canary'] = {};
  for (const e of r.events) {
    if (e.kind !== 'canary') continue;
    const m = /(\d+(?:\.\d+)?)% to /.exec(e.reason) ?? /weight (\d+(?:\.\d+)?)%/.exec(e.reason);
    const w = m ? Number(m[1]) : e.state === 'rolled-back' || /roll/.test(e.reason) ? 0 : null;
    if (w === null) continue;
    (canary[e.subject] ??= [[0, 0]]).push([e.t, w]);
  }
  return {
    canary,
    label,
    color,
    durationMs: r.durationMs,
    stepMs: s.intervalMs * k,
    t,
    entry: binBlock(s.entry, k, n, true),
    services,
    edges,
    bands,
    markers,
  };
}

// ---- service graph (static SVG, layered layout) -------------------------------------------------

interface GNode {
  id: string;
  layer: number;
  order: number;
  x: number;
  y: number;
}

interface GraphLayout {
  nodes: Map<string, GNode>;
  width: number;
  height: number;
}

/** Layered layout: layer = longest path from a source; order by barycenter sweeps; deterministic. */
function layoutGraph(names: string[], edges: [string, string][]): GraphLayout {
  const ids: string[] = [];
  const seen = new Set<string>();
  const add = (id: string): void => {
    if (!seen.has(id)) {
      seen.add(id);
      ids.push(id);
    }
  };
  for (const [a] of edges) if (!names.includes(a)) add(a); // external callers (the load generator) first
  for (const n of names) add(n);
  for (const [a, b] of edges) {
    add(a);
    add(b);
  }
  const layer = new Map<string, number>(ids.map((id) => [id, 0]));
  for (let iter = 0; iter < ids.length; iter++) {
    let changed = false;
    for (const [a, b] of edges) {
      if (a === b) continue;
      const want = (layer.get(a) as number) + 1;
      if (want > (layer.get(b) as number) && want < ids.length) {
        layer.set(b, want);
        changed = true;
      }
    }
    if (!changed) break;
  }
  const nLayers = Math.max(0, ...layer.values()) + 1;
  const layers: string[][] = Array.from({ length: nLayers }, () => []);
  for (const id of ids) layers[layer.get(id) as number].push(id);
  const pos = new Map<string, number>();
  const setPos = (): void => layers.forEach((l) => l.forEach((id, i) => pos.set(id, i - (l.length - 1) / 2)));
  setPos();
  const parents = new Map<string, string[]>(ids.map((id) => [id, []]));
  const children = new Map<string, string[]>(ids.map((id) => [id, []]));
  for (const [a, b] of edges) {
    parents.get(b)?.push(a);
    children.get(a)?.push(b);
  }
  const bary = (id: string, rel: Map<string, string[]>): number => {
    const list = rel.get(id) ?? [];
    if (list.length === 0) return pos.get(id) as number;
    return list.reduce((a, x) => a + (pos.get(x) as number), 0) / list.length;
  };
  for (let sweep = 0; sweep < 4; sweep++) {
    const down = sweep % 2 === 0;
    const range = down ? layers.map((_, i) => i) : layers.map((_, i) => nLayers - 1 - i);
    for (const li of range) {
      const l = layers[li];
      const key = new Map(l.map((id) => [id, bary(id, down ? parents : children)]));
      const index = new Map(l.map((id, i) => [id, i]));
      l.sort(
        (a, b) =>
          (key.get(a) as number) - (key.get(b) as number) ||
          (index.get(a) as number) - (index.get(b) as number),
      );
      l.forEach((id, i) => pos.set(id, i - (l.length - 1) / 2));
    }
  }
  const colW = 300;
  const rowH = 150;
  // y: start evenly spaced, then pull each node towards the mean y of its neighbours (down and up
  // sweeps) while keeping the layer's order and at least rowH between neighbours.
  const y = new Map<string, number>();
  for (const l of layers) l.forEach((id, i) => y.set(id, (i - (l.length - 1) / 2) * rowH));
  const place = (l: string[], rel: Map<string, string[]>): void => {
    if (l.length === 0) return;
    const desired = l.map((id) => {
      const list = (rel.get(id) ?? []).filter((x) => x !== id);
      return list.length
        ? list.reduce((a, x) => a + (y.get(x) as number), 0) / list.length
        : (y.get(id) as number);
    });
    const placed = desired.slice();
    for (let i = 1; i < placed.length; i++) placed[i] = Math.max(placed[i], placed[i - 1] + rowH);
    let shift = 0;
    for (let i = 0; i < placed.length; i++) shift += desired[i] - placed[i];
    shift /= placed.length;
    l.forEach((id, i) => y.set(id, placed[i] + shift));
  };
  for (let sweep = 0; sweep < 6; sweep++) {
    if (sweep % 2 === 0) for (let li = 1; li < nLayers; li++) place(layers[li], parents);
    else for (let li = nLayers - 2; li >= 0; li--) place(layers[li], children);
  }
  const ys = [...y.values()];
  const minY = Math.min(...ys);
  const maxY = Math.max(...ys);
  const padTop = 56;
  const padBottom = 104; // room for the version sub-nodes under a node
  const width = Math.max(520, (nLayers - 1) * colW + 260);
  const height = Math.max(220, maxY - minY + padTop + padBottom);
  const nodes = new Map<string, GNode>();
  const left = (width - (nLayers - 1) * colW) / 2;
  layers.forEach((l, li) =>
    l.forEach((id, i) => {
      nodes.set(id, {
        id,
        layer: li,
        order: i,
        x: left + li * colW,
        y: padTop + ((y.get(id) as number) - minY),
      });
    }),
  );
  return { nodes, width, height };
}

interface Box {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

function overlap(a: Box, b: Box): number {
  const w = Math.min(a.x1, b.x1) - Math.max(a.x0, b.x0);
  const hgt = Math.min(a.y1, b.y1) - Math.max(a.y0, b.y0);
  return w > 0 && hgt > 0 ? w * hgt : 0;
}

/** Approximate text width at the graph's font sizes (no DOM to measure with). */
const textWidth = (t: string, px: number): number => t.length * px * 0.58;

function renderGraph(r: RunResult, layout: GraphLayout, uid: string): string {
  const maxReq = Math.max(
    1,
    ...Object.values(r.services).map((s) => s.requests),
    ...r.edges.map((e) => e.requests),
  );
  const radius = (req: number): number => 12 + 20 * Math.sqrt(req / maxReq);
  const nodeReq = (id: string): number => {
    const s = r.services[id];
    if (s) return s.requests;
    return r.edges.filter((e) => e.from === id).reduce((a, e) => a + e.requests, 0);
  };

  // nodes: shape and labels, and the boxes they occupy (for edge-label placement)
  const occupied: Box[] = [];
  const nodeParts: string[] = [];
  for (const node of layout.nodes.values()) {
    const s = r.services[node.id];
    const rad = radius(nodeReq(node.id));
    let sub: string;
    let tip: string;
    let shape: string;
    if (!s) {
      // an external caller (the load generator): a grey rounded square, as Kiali draws unknown sources
      const sm = r.summary;
      sub = `${fmtCompact(sm.requests)} req · ${sm.requests ? fmtPct(sm.successRate, 1) : '–'}`;
      tip = `${node.id} (load generator)\nrequests ${fmtInt(sm.requests)}, success ${fmtPct(sm.successRate)}\np99 ${fmtMs(sm.latencyMs.p99)} ms`;
      shape = `<rect x="${num(node.x - rad)}" y="${num(node.y - rad)}" width="${num(2 * rad)}" height="${num(2 * rad)}" rx="6" fill="#f0f0f0" stroke="#8a8d90" stroke-width="1.5"/>`;
    } else {
      const completed = s.successes + sumCauses(s.failures);
      const color = healthColor(s.successRate, completed);
      sub = `${fmtCompact(s.requests)} req · ${completed ? fmtPct(s.successRate, 1) : '–'} · p99 ${fmtMs(s.latencyMs.p99)} ms`;
      tip = [
        `${node.id} (${s.instances} instance${s.instances === 1 ? '' : 's'})`,
        `requests ${fmtInt(s.requests)}, success ${completed ? fmtPct(s.successRate) : '–'}`,
        `p50 ${fmtMs(s.latencyMs.p50)} ms, p99 ${fmtMs(s.latencyMs.p99)} ms`,
        `utilization ${fmtPct(s.utilization, 1)}, max queue ${fmtInt(s.maxQueue)}`,
        `failures: ${topCauses(s.failures, 5)}`,
      ].join('\n');
      shape =
        `<circle cx="${num(node.x)}" cy="${num(node.y)}" r="${num(rad + 3)}" fill="${color}" fill-opacity="0.16"/>` +
        `<circle cx="${num(node.x)}" cy="${num(node.y)}" r="${num(rad)}" fill="#ffffff" stroke="${color}" stroke-width="3"/>` +
        `<circle cx="${num(node.x)}" cy="${num(node.y)}" r="${num(Math.max(3, rad * 0.42))}" fill="${color}"/>`;
    }
    const nameW = textWidth(node.id, 13) + 4;
    const subW = textWidth(sub, 11) + 4;
    occupied.push(
      { x0: node.x - rad - 4, y0: node.y - rad - 4, x1: node.x + rad + 4, y1: node.y + rad + 4 },
      { x0: node.x - nameW / 2, y0: node.y + rad + 6, x1: node.x + nameW / 2, y1: node.y + rad + 21 },
      { x0: node.x - subW / 2, y0: node.y + rad + 23, x1: node.x + subW / 2, y1: node.y + rad + 36 },
    );
    // versions as sub-nodes: one small circle per subset, its area ∝ its share of the requests
    const versions = Object.entries(s?.versions ?? {});
    let versionParts = '';
    if (versions.length > 1) {
      const total = versions.reduce((a, [, c]) => a + c, 0) || 1;
      const gap = 34;
      const y0 = node.y + rad + 48;
      versions.forEach(([v, c], k) => {
        const vx = node.x + (k - (versions.length - 1) / 2) * gap;
        const vr = 3 + 7 * Math.sqrt(c / total);
        versionParts += html`<g class="version" data-version="${v}"
          ><title>${`${node.id} ${v}: ${fmtInt(c)} requests (${fmtPct(c / total, 1)})`}</title
          ><circle
            cx="${num(vx)}"
            cy="${num(y0)}"
            r="${num(vr)}"
            fill="#ffffff"
            stroke="${healthColor(s?.successRate ?? 1, c)}"
            stroke-width="2"
          /><text x="${num(vx)}" y="${num(y0 + vr + 11)}" text-anchor="middle" class="nsub">${v}</text></g
        >`.value;
      });
      occupied.push({
        x0: node.x - (gap * versions.length) / 2,
        y0: y0 - 12,
        x1: node.x + (gap * versions.length) / 2,
        y1: y0 + 24,
      });
    }
    nodeParts.push(
      `<g class="node${s ? '' : ' ext'}" data-id="${h(node.id)}"><title>${h(tip)}</title>${shape}${versionParts}`,
      `<text x="${num(node.x)}" y="${num(node.y + rad + 18)}" text-anchor="middle" class="nname">${h(node.id)}</text>`,
      `<text x="${num(node.x)}" y="${num(node.y + rad + 32)}" text-anchor="middle" class="nsub">${h(sub)}</text>`,
      `</g>`,
    );
  }

  // edges: paths now, labels placed afterwards (busiest edges first) where they overlap least
  const edgeParts: string[] = [];
  const labels: {
    req: number;
    tip: string;
    lines: [string, string][];
    w: number;
    hgt: number;
    at: (t: number) => [number, number];
  }[] = [];
  const maxEdgeReq = Math.max(1, ...r.edges.map((e) => e.requests));
  for (const e of r.edges) {
    const a = layout.nodes.get(e.from);
    const b = layout.nodes.get(e.to);
    if (!a || !b) continue;
    const sr = e.requests > 0 ? 1 - e.failed / e.requests : 1;
    const hk = health(sr, e.requests);
    const ra = radius(nodeReq(e.from)) + 2;
    const rb = radius(nodeReq(e.to)) + 4;
    const dx = b.x - a.x;
    const dy = b.y - a.y;
    const len = Math.hypot(dx, dy) || 1;
    const x1 = a.x + (dx / len) * ra;
    const y1 = a.y + (dy / len) * ra;
    const x2 = b.x - (dx / len) * rb;
    const y2 = b.y - (dy / len) * rb;
    const mx = (x1 + x2) / 2;
    const curved = b.layer > a.layer;
    const path = curved
      ? `M${num(x1)},${num(y1)} C${num(mx)},${num(y1)} ${num(mx)},${num(y2)} ${num(x2)},${num(y2)}`
      : `M${num(x1)},${num(y1)} L${num(x2)},${num(y2)}`;
    const at = (t: number): [number, number] => {
      if (!curved) return [x1 + (x2 - x1) * t, y1 + (y2 - y1) * t];
      const u = 1 - t;
      const bx = u * u * u * x1 + 3 * u * u * t * mx + 3 * u * t * t * mx + t * t * t * x2;
      const by = u * u * u * y1 + 3 * u * u * t * y1 + 3 * u * t * t * y2 + t * t * t * y2;
      return [bx, by];
    };
    const tip = [
      `${e.from} → ${e.to}`,
      `requests ${fmtInt(e.requests)}, attempts ${fmtInt(e.attempts)} (${e.requests ? (e.attempts / e.requests).toFixed(2) : '0'}×)`,
      `retries ${fmtInt(e.retries)}, failed ${fmtInt(e.failed)} (${fmtPct(1 - sr)})`,
      `p50 ${fmtMs(e.latencyMs.p50)} ms, p99 ${fmtMs(e.latencyMs.p99)} ms`,
      `causes: ${topCauses(e.failures, 5)}`,
    ].join('\n');
    edgeParts.push(
      `<g class="edge" data-from="${h(e.from)}" data-to="${h(e.to)}"><title>${h(tip)}</title>`,
      `<path d="${path}" data-health-colour="${HEALTH_COLOR[hk]}" data-p99-colour="${p99Colour(e.latencyMs.p99, e.requests)}" fill="none" stroke="${HEALTH_COLOR[hk]}" stroke-opacity="0.85" stroke-width="${num(1.2 + 3.2 * Math.sqrt(e.requests / maxEdgeReq))}" marker-end="url(#arrow-${uid}-${hk})"/></g>`,
    );
    const lines: [string, string][] = [
      [`${fmtCompact(e.requests)} req · ${e.requests ? fmtPct(1 - sr, 1) : '–'} err`, '#3c3f42'],
    ];
    if (e.retries > 0)
      lines.push([
        `↻ ${fmtCompact(e.retries)} retries (${(e.attempts / Math.max(1, e.requests)).toFixed(2)}×)`,
        '#9c6500',
      ]);
    if (e.failed > 0) lines.push([`✕ ${topCauses(e.failures, 1)}`, HEALTH_COLOR.failing]);
    const w = Math.max(...lines.map(([t]) => textWidth(t, 10.5))) + 12;
    labels.push({ req: e.requests, tip, lines, w, hgt: lines.length * 13 + 6, at });
  }
  const labelParts: string[] = [];
  const order = labels.map((_, i) => i).sort((i, j) => labels[j].req - labels[i].req || i - j);
  const TS = [0.5, 0.4, 0.6, 0.32, 0.68, 0.25, 0.75, 0.2, 0.8];
  for (const i of order) {
    const l = labels[i];
    let best: Box | null = null;
    let bestCost = Infinity;
    for (const t of TS) {
      const [cx, cy] = l.at(t);
      const box = { x0: cx - l.w / 2, y0: cy - l.hgt / 2, x1: cx + l.w / 2, y1: cy + l.hgt / 2 };
      let cost = 0;
      for (const o of occupied) cost += overlap(box, o);
      cost += Math.abs(t - 0.5) * 40; // prefer the middle when free
      if (cost < bestCost) {
        bestCost = cost;
        best = box;
      }
      if (cost < 1e-9 + Math.abs(t - 0.5) * 40) break;
    }
    const box = best as Box;
    occupied.push(box);
    const cx = (box.x0 + box.x1) / 2;
    labelParts.push(
      `<g class="elabelbox"><title>${h(l.tip)}</title>`,
      `<rect x="${num(box.x0)}" y="${num(box.y0)}" width="${num(l.w)}" height="${l.hgt}" rx="3" fill="#ffffff" fill-opacity="0.94" stroke="#e1e3e6"/>`,
      ...l.lines.map(
        ([t, c], k) =>
          `<text x="${num(cx)}" y="${num(box.y0 + 13 + k * 13)}" text-anchor="middle" class="elabel" fill="${c}">${h(t)}</text>`,
      ),
      `</g>`,
    );
  }

  return [
    `<svg class="graph" viewBox="0 0 ${layout.width} ${layout.height}" width="${layout.width}" height="${layout.height}" role="img" aria-label="Service graph" xmlns="http://www.w3.org/2000/svg">`,
    `<defs>`,
    ...(['healthy', 'degraded', 'failing', 'idle'] as const).map(
      (k) =>
        `<marker id="arrow-${uid}-${k}" viewBox="0 0 10 10" refX="9" refY="5" markerUnits="userSpaceOnUse" markerWidth="11" markerHeight="11" orient="auto-start-reverse"><path d="M0,0L10,5L0,10z" fill="${HEALTH_COLOR[k]}"/></marker>`,
    ),
    `</defs>`,
    ...edgeParts,
    ...nodeParts,
    ...labelParts,
    `</svg>`,
  ].join('');
}

/** Edge colour by p99 latency: green ≤ 100 ms, amber ≤ 1 s, red above (a slow but successful leaf shows). */
function p99Colour(p99: number, requests: number): string {
  if (requests === 0) return HEALTH_COLOR.idle;
  return p99 <= 100 ? HEALTH_COLOR.healthy : p99 <= 1000 ? HEALTH_COLOR.degraded : HEALTH_COLOR.failing;
}

function fmtCompact(x: number): string {
  const a = Math.abs(x);
  if (a >= 1e9) return `${Number((x / 1e9).toFixed(a >= 1e10 ? 0 : 1))}G`;
  if (a >= 1e6) return `${Number((x / 1e6).toFixed(a >= 1e7 ? 0 : 1))}M`;
  if (a >= 1e4) return `${Number((x / 1e3).toFixed(a >= 1e5 ? 0 : 1))}k`;
  return fmtInt(x);
}

// ---- events timeline (static SVG) ---------------------------------------------------------------

interface Lane {
  key: string;
  label: string;
  bars: { from: number; to: number; color: string; title: string }[];
  points: { t: number; color: string; title: string }[];
}

function eventLanes(events: RunEvent[], durationMs: number, prefix: string): Lane[] {
  const lanes = new Map<string, Lane>();
  const lane = (key: string, label: string): Lane => {
    let l = lanes.get(key);
    if (!l) {
      l = { key, label, bars: [], points: [] };
      lanes.set(key, l);
    }
    return l;
  };
  const openFault = new Map<string, RunEvent>();
  const breaker = new Map<string, RunEvent>();
  const down = new Map<string, RunEvent>();
  const ejected = new Map<string, RunEvent>();
  const stateColor = (s: string | undefined): string =>
    s === 'open' ? HEALTH_COLOR.failing : s === 'half-open' ? HEALTH_COLOR.degraded : HEALTH_COLOR.healthy;
  for (const e of events) {
    switch (e.kind) {
      case 'fault-start':
        openFault.set(e.subject, e);
        lane(`fault:${e.subject}`, `fault ${e.subject}`);
        break;
      case 'fault-end': {
        const s = openFault.get(e.subject);
        if (s) {
          lane(`fault:${e.subject}`, `fault ${e.subject}`).bars.push({
            from: s.t,
            to: e.t,
            color: '#ec7a08',
            title: `${e.subject}: ${s.reason} (${fmtClock(s.t)}–${fmtClock(e.t)})`,
          });
          openFault.delete(e.subject);
        }
        break;
      }
      case 'breaker': {
        const prev = breaker.get(e.subject);
        const l = lane(`breaker:${e.subject}`, `breaker ${e.subject}`);
        if (prev && prev.state !== 'closed')
          l.bars.push({
            from: prev.t,
            to: e.t,
            color: stateColor(prev.state),
            title: `${prev.state} ${fmtClock(prev.t)}–${fmtClock(e.t)}: ${prev.reason}`,
          });
        l.points.push({
          t: e.t,
          color: stateColor(e.state),
          title: `${fmtClock(e.t)} → ${e.state ?? '?'}: ${e.reason}`,
        });
        breaker.set(e.subject, e);
        break;
      }
      case 'instance-down':
        down.set(e.subject, e);
        lane(`inst:${e.subject}`, `instance ${e.subject}`);
        break;
      case 'instance-up': {
        const s = down.get(e.subject);
        const l = lane(`inst:${e.subject}`, `instance ${e.subject}`);
        if (s) {
          l.bars.push({
            from: s.t,
            to: e.t,
            color: '#7d1007',
            title: `down ${fmtClock(s.t)}–${fmtClock(e.t)}: ${s.reason}`,
          });
          down.delete(e.subject);
        } else
          l.points.push({ t: e.t, color: HEALTH_COLOR.healthy, title: `${fmtClock(e.t)} up: ${e.reason}` });
        break;
      }
      case 'ejection': {
        ejected.set(e.subject, e);
        lane(`ej:${e.subject}`, `ejected ${e.subject}`).points.push({
          t: e.t,
          color: '#5752d1',
          title: `${fmtClock(e.t)} ejected: ${e.reason}`,
        });
        break;
      }
      case 'unejection': {
        const s = ejected.get(e.subject);
        const l = lane(`ej:${e.subject}`, `ejected ${e.subject}`);
        if (s) {
          l.bars.push({
            from: s.t,
            to: e.t,
            color: '#8481dd',
            title: `ejected ${fmtClock(s.t)}–${fmtClock(e.t)}: ${s.reason}`,
          });
          ejected.delete(e.subject);
        } else l.points.push({ t: e.t, color: '#8481dd', title: `${fmtClock(e.t)} returned: ${e.reason}` });
        break;
      }
      default:
        lane(`${e.kind}:${e.subject}`, `${e.kind} ${e.subject}`).points.push({
          t: e.t,
          color: '#0066cc',
          title: `${fmtClock(e.t)} ${e.state ?? ''} ${e.reason}`,
        });
    }
  }
  for (const [subject, s] of openFault)
    lane(`fault:${subject}`, `fault ${subject}`).bars.push({
      from: s.t,
      to: durationMs,
      color: '#ec7a08',
      title: `${subject}: ${s.reason} (from ${fmtClock(s.t)})`,
    });
  for (const [subject, s] of breaker) {
    if (s.state !== 'closed')
      lane(`breaker:${subject}`, `breaker ${subject}`).bars.push({
        from: s.t,
        to: durationMs,
        color: stateColor(s.state),
        title: `${s.state} from ${fmtClock(s.t)}: ${s.reason}`,
      });
  }
  for (const [subject, s] of down)
    lane(`inst:${subject}`, `instance ${subject}`).bars.push({
      from: s.t,
      to: durationMs,
      color: '#7d1007',
      title: `down from ${fmtClock(s.t)}: ${s.reason}`,
    });
  for (const [subject, s] of ejected)
    lane(`ej:${subject}`, `ejected ${subject}`).bars.push({
      from: s.t,
      to: Math.min(durationMs, s.t + 1),
      color: '#8481dd',
      title: `ejected at ${fmtClock(s.t)}: ${s.reason}`,
    });
  return [...lanes.values()].map((l) => ({ ...l, label: prefix ? `${prefix}: ${l.label}` : l.label }));
}

function renderTimeline(runs: { r: RunResult; label: string }[], compare: boolean): string {
  const durationMs = Math.max(1, ...runs.map((x) => x.r.durationMs));
  let lanes: Lane[] = [];
  for (const { r, label } of runs) lanes.push(...eventLanes(r.events, r.durationMs, compare ? label : ''));
  if (lanes.length === 0)
    return '<p class="muted">No events: no fault, breaker transition, ejection or instance restart happened.</p>';
  const MAX = 40;
  const hidden = Math.max(0, lanes.length - MAX);
  lanes = lanes.slice(0, MAX);
  const labelW = Math.min(330, Math.max(140, ...lanes.map((l) => l.label.length * 6.4 + 16)));
  const W = 1180;
  const laneH = 22;
  const top = 8;
  const H = top + lanes.length * laneH + 28;
  const x = (t: number): number =>
    labelW + (Math.max(0, Math.min(durationMs, t)) / durationMs) * (W - labelW - 16);
  const parts: string[] = [
    `<svg class="timeline" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="Events timeline" xmlns="http://www.w3.org/2000/svg">`,
  ];
  const ticks = timeTicks(durationMs, 10);
  for (const t of ticks) {
    parts.push(
      `<line x1="${num(x(t))}" x2="${num(x(t))}" y1="${top}" y2="${H - 22}" stroke="#eceef0"/>`,
      `<text x="${num(x(t))}" y="${H - 8}" text-anchor="middle" class="tick">${h(fmtTick(t, durationMs))}</text>`,
    );
  }
  lanes.forEach((l, i) => {
    const y = top + i * laneH;
    if (i % 2 === 0) parts.push(`<rect x="0" y="${y}" width="${W}" height="${laneH}" fill="#f7f8f9"/>`);
    parts.push(
      `<text x="8" y="${y + 15}" class="lane">${h(truncate(l.label, Math.floor((labelW - 14) / 6.2)))}<title>${h(l.label)}</title></text>`,
    );
    for (const b of l.bars) {
      const x1 = x(b.from);
      const w = Math.max(2, x(b.to) - x1);
      parts.push(
        `<rect x="${num(x1)}" y="${y + 5}" width="${num(w)}" height="${laneH - 10}" rx="2" fill="${b.color}" fill-opacity="0.85"><title>${h(b.title)}</title></rect>`,
      );
    }
    for (const p of l.points) {
      parts.push(
        `<circle cx="${num(x(p.t))}" cy="${y + laneH / 2}" r="4" fill="${p.color}" stroke="#fff" stroke-width="1"><title>${h(p.title)}</title></circle>`,
      );
    }
  });
  parts.push(`</svg>`);
  if (hidden) parts.push(`<p class="muted">… and ${hidden} more lanes (see the event list).</p>`);
  return parts.join('');
}

function truncate(s: string, n: number): string {
  return s.length <= n ? s : s.slice(0, Math.max(1, n - 1)) + '…';
}

// ---- tables -------------------------------------------------------------------------------------

function pill(successRate: number, requests: number, text?: string): string {
  const hk = health(successRate, requests);
  return `<span class="pill ${hk}">${h(text ?? (requests ? fmtPct(successRate) : '–'))}</span>`;
}

function servicesTable(runs: { r: RunResult; label: string }[]): string {
  const names: string[] = [];
  for (const { r } of runs) for (const n of Object.keys(r.services)) if (!names.includes(n)) names.push(n);
  if (names.length === 0) return '<p class="muted">No services.</p>';
  const compare = runs.length > 1;
  const head = compare
    ? `<tr><th rowspan="2">service</th>${runs.map(({ label }, i) => `<th colspan="5" class="run" style="border-top:3px solid ${RUN_COLORS[i % RUN_COLORS.length]}">${h(label)}</th>`).join('')}</tr><tr>${runs.map(() => '<th>requests</th><th>success</th><th>p99 ms</th><th>util</th><th>top causes</th>').join('')}</tr>`
    : `<tr><th>service</th><th>inst</th><th>requests</th><th>success</th><th>degraded</th><th>p50 ms</th><th>p99 ms</th><th>util</th><th>max queue</th><th>orphaned</th><th>side effects (dup)</th><th class="l">top causes</th></tr>`;
  const rows = names.map((n) => {
    if (compare) {
      return `<tr><td class="l name">${h(n)}</td>${runs
        .map(({ r }) => {
          const s = r.services[n];
          if (!s) return '<td colspan="5" class="muted">–</td>';
          const completed = s.successes + sumCauses(s.failures);
          return `<td>${fmtInt(s.requests)}</td><td>${pill(s.successRate, completed)}</td><td>${fmtMs(s.latencyMs.p99)}</td><td>${utilBar(s.utilization)}</td><td class="l small">${h(topCauses(s.failures, 2))}</td>`;
        })
        .join('')}</tr>`;
    }
    const s = runs[0].r.services[n];
    const completed = s.successes + sumCauses(s.failures);
    return `<tr><td class="l name">${h(n)}</td><td>${fmtInt(s.instances)}</td><td>${fmtInt(s.requests)}</td><td>${pill(s.successRate, completed)}</td><td>${s.degraded ? fmtInt(s.degraded) : '–'}</td><td>${fmtMs(s.latencyMs.p50)}</td><td>${fmtMs(s.latencyMs.p99)}</td><td>${utilBar(s.utilization)}</td><td>${fmtInt(s.maxQueue)}</td><td>${fmtInt(s.orphaned)}</td><td>${s.sideEffects ? `${fmtInt(s.sideEffects)} (${fmtInt(s.duplicateSideEffects)})` : '–'}</td><td class="l small">${h(topCauses(s.failures))}</td></tr>`;
  });
  return `<div class="tablewrap"><table class="data">${head}${rows.join('')}</table></div>`;
}

function utilBar(u: number): string {
  const pct = Math.max(0, Math.min(1, u));
  const color = pct >= 0.9 ? HEALTH_COLOR.failing : pct >= 0.7 ? HEALTH_COLOR.degraded : '#0066cc';
  return `<span class="util"><span class="bar"><span style="width:${num(pct * 100)}%;background:${color}"></span></span>${fmtPct(u, 1)}</span>`;
}

function edgesTable(runs: { r: RunResult; label: string }[]): string {
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

function causesTable(runs: { r: RunResult; label: string }[]): string {
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

function eventsTable(runs: { r: RunResult; label: string }[], limit = 200): string {
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

function verdictClass(v: Verdict): string {
  return v === 'passed' ? 'healthy' : v === 'failed' ? 'failing' : 'idle';
}

function checksList(r: RunResult): string {
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

function card(label: string, value: string, sub = '', accent = '', text = false): string {
  return `<div class="card"${accent ? ` style="border-left-color:${accent}"` : ''}><div class="clabel">${h(label)}</div><div class="cvalue${text ? ' text' : ''}" title="${value.replace(/<[^>]*>/g, '')}">${value}</div>${sub ? `<div class="csub">${sub}</div>` : ''}</div>`;
}

function summaryCards(r: RunResult): string {
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

interface Metric {
  name: string;
  get: (r: RunResult) => number;
  fmt: (x: number) => string;
  /** +1 when higher is better, -1 when lower is better, 0 neutral. */
  better: number;
}

const COMPARE_METRICS: Metric[] = [
  { name: 'requests', get: (r) => r.summary.requests, fmt: fmtInt, better: 0 },
  { name: 'success rate', get: (r) => r.summary.successRate, fmt: (x) => fmtPct(x), better: 1 },
  { name: 'degraded', get: (r) => r.summary.degraded, fmt: fmtInt, better: -1 },
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
];

function compareTable(runs: { r: RunResult; label: string }[]): string {
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

// ---- page ---------------------------------------------------------------------------------------

const CSS = `
:root{--fg:#151515;--muted:#6a6e73;--line:#e1e3e6;--bg:#f3f4f6;--panel:#fff;--ok:#3e8635;--warn:#f0ab00;--bad:#c9190b;--accent:#0066cc}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--fg);font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,"Noto Sans",sans-serif;-webkit-font-smoothing:antialiased}
.mono,code{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,"Liberation Mono",monospace;font-size:12.5px}
header.top{background:#212427;color:#fff;padding:18px 28px 16px}
header.top h1{margin:0;font-size:20px;font-weight:600;letter-spacing:.2px}
header.top h1 .brand{color:#8bc1f7;font-weight:500}
header.top .meta{margin-top:6px;color:#c7c9cc;font-size:13px;display:flex;flex-wrap:wrap;gap:4px 18px}
header.top .meta b{color:#fff;font-weight:500}
.verdict{display:inline-block;margin-left:12px;padding:2px 10px;border-radius:12px;font-size:12px;font-weight:600;vertical-align:3px;letter-spacing:.4px}
.verdict.pass{background:#3e8635;color:#fff}.verdict.fail{background:#c9190b;color:#fff}.verdict.neutral{background:#6a6e73;color:#fff}
main{max-width:1320px;margin:0 auto;padding:20px 28px 48px}
section.panel{background:var(--panel);border:1px solid var(--line);border-radius:6px;padding:16px 18px 18px;margin:0 0 18px}
section.panel>h2{margin:0 0 12px;font-size:15px;font-weight:600}
section.panel>h2 .hint{font-weight:400;color:var(--muted);font-size:12.5px;margin-left:8px}
.cards{display:grid;grid-template-columns:repeat(4,minmax(0,1fr));gap:12px}
@media (max-width:900px){.cards{grid-template-columns:repeat(2,minmax(0,1fr))}}
.card{background:var(--panel);border:1px solid var(--line);border-left:4px solid #d2d2d2;border-radius:6px;padding:10px 14px 12px}
.clabel{color:var(--muted);font-size:11.5px;text-transform:uppercase;letter-spacing:.6px}
.cvalue{font-size:24px;font-weight:600;margin-top:2px;font-variant-numeric:tabular-nums;white-space:nowrap;overflow:hidden;text-overflow:ellipsis}
.cvalue.text{font-size:17px;padding-top:6px;padding-bottom:4px}
.cvalue small{font-size:13px;font-weight:500;color:var(--muted)}
.csub{color:var(--muted);font-size:12px;margin-top:2px}
.muted{color:var(--muted)}.small{font-size:12px}
.tablewrap{overflow-x:auto}
table.data{border-collapse:collapse;width:100%;font-variant-numeric:tabular-nums}
table.data tr:first-child th:first-child{text-align:left}
table.data th{font-weight:600;font-size:11.5px;color:var(--muted);text-transform:uppercase;letter-spacing:.4px;text-align:right;padding:6px 10px;border-bottom:1px solid var(--line);white-space:nowrap}
table.data th.run{text-transform:none;font-size:12.5px;color:var(--fg);text-align:center}
table.data td{text-align:right;padding:6px 10px;border-bottom:1px solid #f0f1f2;white-space:nowrap}
table.data tr:last-child td{border-bottom:0}
table.data tr:hover td{background:#f7f9fb}
table.data .l{text-align:left}table.data td.name{font-weight:500}
table.data td.small{white-space:normal;min-width:140px}
td.warn{color:#9c6500;font-weight:600}
.pill{display:inline-block;padding:1px 8px;border-radius:10px;font-size:12px;font-weight:600;background:#f0f0f0;color:#3c3f42}
.pill.healthy{background:#e9f4e5;color:#1e4f18}.pill.degraded{background:#fdf4dd;color:#795600}.pill.failing{background:#faeae8;color:#a30000}.pill.idle{background:#f0f0f0;color:#6a6e73}
.util{display:inline-flex;align-items:center;gap:6px}.util .bar{display:inline-block;width:56px;height:6px;background:#eceef0;border-radius:3px;overflow:hidden}.util .bar span{display:block;height:100%}
.swatch{display:inline-block;width:10px;height:10px;border-radius:2px;margin-right:7px;vertical-align:-1px}
.delta{font-size:11.5px;margin-left:4px;color:var(--muted)}.delta.better{color:#1e4f18}.delta.worse{color:#a30000}
.graphs{display:flex;flex-wrap:wrap;gap:16px;justify-content:center}
.graphbox{flex:0 1 auto;min-width:0;text-align:center}.graphbox h3{margin:0 0 4px;font-size:13px;font-weight:600}
svg.graph{max-width:100%;height:auto}
svg.graph .nname{font-size:13px;font-weight:600;fill:#151515}
svg.graph .nsub{font-size:11px;fill:#6a6e73}
svg.graph .elabel{font-size:10.5px}
svg.graph g.node,svg.graph g.edge{cursor:default}
svg.graph g.edge:hover path{stroke-opacity:1}
svg.timeline{max-width:100%;height:auto}svg.timeline .tick{font-size:11px;fill:#6a6e73}svg.timeline .lane{font-size:11.5px;fill:#3c3f42}
.legend{display:flex;flex-wrap:wrap;gap:6px 16px;font-size:12px;color:#3c3f42;margin:6px 0 2px}
.legend span{display:inline-flex;align-items:center;gap:6px}
.legend i{display:inline-block;width:14px;height:3px;border-radius:2px}.legend i.dot{width:10px;height:10px;border-radius:50%}.legend i.band{height:10px;width:14px;background:rgba(236,122,8,.16);border:1px solid rgba(236,122,8,.45)}
.chartgrid{display:grid;grid-template-columns:repeat(auto-fit,minmax(360px,1fr));gap:14px 18px}
.chart{position:relative;min-height:210px}
.chart h4{margin:0 0 2px;font-size:12.5px;font-weight:600;color:#3c3f42}
.chart svg{display:block;width:100%;height:180px;overflow:visible}
.chart .axis text{font-size:10.5px;fill:#6a6e73}.chart .axis path,.chart .axis line{stroke:#d2d2d2}
.chart .grid line{stroke:#eef0f2}.chart .grid path{stroke:none}
.svcrow{border-top:1px solid var(--line);padding-top:10px;margin-top:12px}.svcrow h3{margin:0 0 6px;font-size:13.5px}
.svcrow h3 .pill{margin-left:8px;font-weight:600}
.tooltip{position:fixed;pointer-events:none;background:rgba(33,36,39,.95);color:#fff;font-size:12px;padding:7px 9px;border-radius:4px;box-shadow:0 2px 8px rgba(0,0,0,.25);z-index:10;display:none;max-width:360px}
.tooltip .tt{color:#c7c9cc;margin-bottom:3px}.tooltip .row{display:flex;align-items:center;gap:6px;white-space:nowrap}.tooltip i{display:inline-block;width:9px;height:9px;border-radius:2px}
.nojs{background:#fdf4dd;border:1px solid #f4c145;color:#795600;padding:8px 12px;border-radius:4px;font-size:13px}
ul.checks{list-style:none;margin:0;padding:0}
ul.checks li{display:grid;grid-template-columns:24px minmax(160px,auto) minmax(140px,1fr) auto;gap:10px;align-items:baseline;padding:6px 4px;border-bottom:1px solid #f0f1f2}
ul.checks li:last-child{border-bottom:0}
ul.checks .mark{font-weight:700;font-size:15px}ul.checks li.ok .mark{color:var(--ok)}ul.checks li.bad .mark{color:var(--bad)}ul.checks li.nodata .mark{color:#c58c00}
ul.checks .cname{font-weight:600}ul.checks .cexp{color:#3c3f42}ul.checks .cobs{color:var(--muted);font-variant-numeric:tabular-nums}
.cols{display:grid;grid-template-columns:repeat(auto-fit,minmax(320px,1fr));gap:18px}
.cols h3{font-size:13px;margin:0 0 6px}
details summary{cursor:pointer;color:var(--accent);font-size:13px;margin:10px 0 6px}
ol.story{margin:0;padding:0 0 0 4px;list-style:none}ol.story li{margin:0 0 6px;line-height:1.45}ol.story a{color:inherit;text-decoration:none;border-bottom:1px dotted #b8bbbe}ol.story a:hover{color:var(--accent)}ol.story .when{display:inline-block;min-width:74px;font-variant-numeric:tabular-nums;color:var(--muted)}
ol.story li[data-kind=queue-overflow] .when,ol.story li[data-kind=caused-failures] .when{color:var(--bad)}ol.story li[data-kind=breaker-open] .when,ol.story li[data-kind=fallback] .when{color:#9c6500}
.chart.focused{outline:2px solid #5752d1;outline-offset:2px;border-radius:4px}
.graphopts{font-size:12px;color:var(--muted);margin:0 0 6px}
footer{color:var(--muted);font-size:12px;text-align:center;padding:8px 0 28px}
@media print{body{background:#fff}header.top{background:#fff;color:#000;border-bottom:2px solid #000}header.top .meta,header.top .meta b{color:#000}section.panel{break-inside:avoid;border-color:#bbb}.tooltip{display:none!important}}
`;

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
