/**
 * Layered layout from the entry (pure functions, as SkyWalking's topology utils): the depth of a
 * node is its longest-path-free BFS distance from the client; within a layer nodes are ordered by
 * the mean position of their callers (one barycentre sweep), so crossings stay few.
 */
import type { Graph } from './model.ts';

export interface Point {
  x: number;
  y: number;
}

export const LAYER_GAP = 240;
export const ROW_GAP = 112;
/** A layer taller than this wraps into several columns (a wide tree stays near the view's shape). */
export const MAX_ROWS = 12;

export function layeredLayout(g: Graph): Map<string, Point> {
  const depth = new Map<string, number>([['client', 0]]);
  const out = new Map<string, string[]>();
  for (const e of g.edges) out.set(e.from, [...(out.get(e.from) ?? []), e.to]);
  const queue = ['client'];
  while (queue.length) {
    const n = queue.shift()!;
    for (const m of out.get(n) ?? []) {
      if (!depth.has(m)) {
        depth.set(m, depth.get(n)! + 1);
        queue.push(m);
      }
    }
  }
  // Services no one calls (a mix's extra entries) go in the first service layer.
  for (const n of g.nodes) if (!depth.has(n.id)) depth.set(n.id, 1);
  const layers: string[][] = [];
  for (const n of g.nodes) (layers[depth.get(n.id)!] ??= []).push(n.id);
  const pos = new Map<string, Point>();
  const callers = new Map<string, string[]>();
  for (const e of g.edges) callers.set(e.to, [...(callers.get(e.to) ?? []), e.from]);
  let column = 0;
  layers.forEach((layer, d) => {
    if (d > 0) {
      const bary = (id: string) => {
        const ys = (callers.get(id) ?? [])
          .map((c) => pos.get(c)?.y)
          .filter((y): y is number => y !== undefined);
        return ys.length ? ys.reduce((a, b) => a + b, 0) / ys.length : 0;
      };
      layer.sort((a, b) => bary(a) - bary(b) || (a < b ? -1 : 1));
    }
    const cols = Math.ceil(layer.length / MAX_ROWS);
    const rows = Math.ceil(layer.length / cols);
    const h = (rows - 1) * ROW_GAP;
    // Wrapped columns are staggered by half a row so that edges into them stay apart.
    layer.forEach((id, i) => {
      const c = Math.floor(i / rows);
      const r = i % rows;
      pos.set(id, { x: (column + c) * LAYER_GAP, y: r * ROW_GAP - h / 2 + (c % 2) * (ROW_GAP / 2) });
    });
    column += cols;
  });
  return pos;
}

/** Bounding box of a layout, with a margin. */
export function bounds(pos: Map<string, Point>, margin = 90) {
  let x0 = Infinity,
    y0 = Infinity,
    x1 = -Infinity,
    y1 = -Infinity;
  for (const p of pos.values()) {
    x0 = Math.min(x0, p.x);
    y0 = Math.min(y0, p.y);
    x1 = Math.max(x1, p.x);
    y1 = Math.max(y1, p.y);
  }
  return { x: x0 - margin, y: y0 - margin, width: x1 - x0 + 2 * margin, height: y1 - y0 + 2 * margin };
}
