/** Edge geometry shared by the SVG edges and the particle canvas: a cubic from box to box. */
import type { Point } from './layout.ts';

export const NODE_HALF_WIDTH = 78;

export interface EdgeGeometry {
  d: string;
  p0: Point;
  c1: Point;
  c2: Point;
  p1: Point;
  mid: Point;
  third: Point;
  /** Where the breaker chip sits (towards the callee, away from the labels). */
  chip: Point;
}

export function edgePath(a: Point, b: Point): EdgeGeometry {
  const forward = b.x >= a.x;
  const p0 = { x: a.x + (forward ? NODE_HALF_WIDTH : -NODE_HALF_WIDTH), y: a.y };
  const p1 = { x: b.x + (forward ? -NODE_HALF_WIDTH : NODE_HALF_WIDTH), y: b.y };
  const dx = Math.max(40, Math.abs(p1.x - p0.x) / 2) * (forward ? 1 : -1);
  const c1 = { x: p0.x + dx, y: p0.y };
  const c2 = { x: p1.x - dx, y: p1.y };
  return {
    d: `M${p0.x},${p0.y} C${c1.x},${c1.y} ${c2.x},${c2.y} ${p1.x},${p1.y}`,
    p0,
    c1,
    c2,
    p1,
    mid: cubicAt(p0, c1, c2, p1, 0.5),
    third: cubicAt(p0, c1, c2, p1, 0.25),
    chip: cubicAt(p0, c1, c2, p1, 0.78),
  };
}

export function cubicAt(p0: Point, c1: Point, c2: Point, p1: Point, t: number): Point {
  const u = 1 - t;
  const a = u * u * u,
    b = 3 * u * u * t,
    c = 3 * u * t * t,
    d = t * t * t;
  return { x: a * p0.x + b * c1.x + c * c2.x + d * p1.x, y: a * p0.y + b * c1.y + c * c2.y + d * p1.y };
}
