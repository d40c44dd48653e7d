/**
 * UI benchmark (not a timed test): in headless Chromium, the built page's frame time while a
 * generated 200-service topology plays (graph + canvas particles), and simulator events/s inside
 * the Web Worker, side by side with the same engine and scenario in Node.
 *   node --import tsx bench/ui-browser.ts [--quick]
 * Rounds are interleaved (worker, Node, worker, Node); compare the ratio within one run: on a
 * shared machine single figures are noise.
 */
import { runScenario } from '../simulator/sim/run.ts';
import { generatedTopologyYaml } from '../ui/src/scenario/generate.ts';
import { buildScenario } from '../ui/src/scenario/build.ts';
import { browserSkipReason, openSite } from '../test/ui/browser.ts';

interface BenchHook {
  resetFrames(): void;
  frameStats(): { frames: number; meanMs: number; p95Ms: number };
  runInWorker(yaml: string, ms: number): Promise<{ events: number; wallMs: number; hash: string }>;
}

const quick = process.argv.includes('--quick');
const simMs = quick ? 10_000 : 30_000;
const say = (s = '') => console.log(s);

const skip = browserSkipReason();
if (skip) {
  say(`## UI in Chromium: skipped — ${skip}`);
} else {
  const site = await openSite('/bench/');
  try {
    const page = await site.context.newPage();
    await page.goto(site.server.url);
    await page.waitForSelector('[data-service="productpage"]');
    await page.selectOption('[data-testid="topology"]', 'generated-200');
    await page.waitForSelector('[data-service="svc-199"]');
    const nodes = await page.locator('g.node').count();
    await page.selectOption('[data-action="speed"]', '10');
    await page.click('[data-action="run"]');
    await page.waitForTimeout(1500);
    await page.evaluate(() =>
      (globalThis as unknown as { __meshdojoBench: BenchHook }).__meshdojoBench.resetFrames(),
    );
    await page.waitForTimeout(quick ? 3000 : 6000);
    const frames = await page.evaluate(() =>
      (globalThis as unknown as { __meshdojoBench: BenchHook }).__meshdojoBench.frameStats(),
    );
    const particles = await page.evaluate(() => {
      const c = document.querySelector('canvas.particles') as HTMLCanvasElement;
      const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
      let painted = 0;
      for (let i = 3; i < d.length; i += 4) if (d[i] > 0) painted++;
      return painted;
    });
    await page.click('[data-action="pause"]').catch(() => undefined);

    // A heavier load than the page's (1000 pages/s) so that the engine, not the set-up, is measured.
    const text = generatedTopologyYaml(200, 1000);
    const b = buildScenario({
      topology: { file: 'g.yaml', text },
      policies: [],
      chaos: [],
      seed: 1,
      durationMs: simMs,
      sampling: 0,
    });
    if (!b.ok) throw new Error(b.issues[0].message);
    const rows: string[][] = [];
    let workerHash = '';
    let nodeHash = '';
    for (let round = 1; round <= 2; round++) {
      const w = await page.evaluate(
        ([yaml, ms]) =>
          (globalThis as unknown as { __meshdojoBench: BenchHook }).__meshdojoBench.runInWorker(yaml, ms),
        [text, simMs] as const,
      );
      const t0 = performance.now();
      const r = runScenario(b.scenario);
      const nodeMs = performance.now() - t0;
      workerHash = w.hash;
      nodeHash = r.hash;
      const wEps = w.events / (w.wallMs / 1000);
      const nEps = r.engine.events / (nodeMs / 1000);
      rows.push([String(round), fmt(wEps), fmt(nEps), (wEps / nEps).toFixed(2)]);
    }
    say(`## UI in Chromium: generated topology, ${nodes - 1} services`);
    say();
    say(
      `Frame time while it plays at 10× (graph SVG + canvas particles, 1280×720): mean ${frames.meanMs.toFixed(1)} ms, p95 ${frames.p95Ms.toFixed(1)} ms over ${frames.frames} frames (≈ ${(1000 / frames.meanMs).toFixed(0)} fps); ${particles} particle pixels painted in the last frame.`,
    );
    say();
    say(`Simulator events/s, ${simMs / 1000} simulated s of the same scenario (seed 1):`);
    say();
    say('| round | Web Worker (Chromium) | Node | worker / Node |');
    say('|---|---|---|---|');
    for (const r of rows) say(`| ${r.join(' | ')} |`);
    say();
    say(
      `Same result hash in the worker and in Node: ${workerHash === nodeHash ? 'yes' : 'NO'} (${workerHash.slice(0, 12)}).`,
    );
  } finally {
    await site.close();
  }
}

function fmt(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}
