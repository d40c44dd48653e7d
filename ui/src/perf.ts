/**
 * Frame times of the page's animation loop, kept for the benchmark (read from the page as
 * `window.__meshdojoPerf`). A ring of the last 600 frame deltas, ms.
 */
const ring = new Float64Array(600);
let n = 0;

export function recordFrame(dtMs: number): void {
  ring[n % ring.length] = dtMs;
  n++;
}

export function frameStats(): { frames: number; meanMs: number; p95Ms: number } {
  const k = Math.min(n, ring.length);
  const xs = Array.from(ring.subarray(0, k)).sort((a, b) => a - b);
  const mean = xs.reduce((a, b) => a + b, 0) / (k || 1);
  return { frames: n, meanMs: mean, p95Ms: xs[Math.floor(0.95 * (k - 1))] ?? 0 };
}

export function resetFrames(): void {
  n = 0;
}

(globalThis as unknown as { __meshdojoPerf: unknown }).__meshdojoPerf = { frameStats, resetFrames };
