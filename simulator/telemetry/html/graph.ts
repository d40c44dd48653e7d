/** The service graph: layered layout and static SVG (Kiali colours, Hystrix-style sizes, stacked edge labels, version sub-nodes, p99 colouring). */
import type { RunResult } from '../types.ts';
import { html } from './template.ts';
import { fmtInt, fmtMs, fmtPct, health, sumCauses } from '../format.ts';
import { topCauses, HEALTH_COLOR, h, num, healthColor } from './common.ts';

// ---- service graph (static SVG, layered layout) -------------------------------------------------

export interface GNode {
  id: string;
  layer: number;
  order: number;
  x: number;
  y: number;
}

export interface GraphLayout {
  nodes: Map<string, GNode>;
  width: number;
  height: number;
}

/** Layered layout: layer = longest path from a source; order by barycenter sweeps; deterministic. */
export function layoutGraph(names: string[], edges: [string, string][]): GraphLayout {
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

export interface Box {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

export function overlap(a: Box, b: Box): number {
  const w = Math.min(a.x1, b.x1) - Math.max(a.x0, b.x0);
  const hgt = Math.min(a.y1, b.y1) - Math.max(a.y0, b.y0);
  return w > 0 && hgt > 0 ? w * hgt : 0;
}

/** Approximate text width at the graph's font sizes (no DOM to measure with). */
export const textWidth = (t: string, px: number): number => t.length * px * 0.58;

export function renderGraph(r: RunResult, layout: GraphLayout, uid: string): string {
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
        s.cpuUtilization !== undefined
          ? `CPU ${fmtPct(s.cpuUtilization, 1)} of its cores (slots ${fmtPct(s.utilization, 1)}), max queue ${fmtInt(s.maxQueue)}`
          : `utilization ${fmtPct(s.utilization, 1)}, max queue ${fmtInt(s.maxQueue)}`,
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
export function p99Colour(p99: number, requests: number): string {
  if (requests === 0) return HEALTH_COLOR.idle;
  return p99 <= 100 ? HEALTH_COLOR.healthy : p99 <= 1000 ? HEALTH_COLOR.degraded : HEALTH_COLOR.failing;
}

export function fmtCompact(x: number): string {
  const a = Math.abs(x);
  if (a >= 1e9) return `${Number((x / 1e9).toFixed(a >= 1e10 ? 0 : 1))}G`;
  if (a >= 1e6) return `${Number((x / 1e6).toFixed(a >= 1e7 ? 0 : 1))}M`;
  if (a >= 1e4) return `${Number((x / 1e3).toFixed(a >= 1e5 ? 0 : 1))}k`;
  return fmtInt(x);
}
