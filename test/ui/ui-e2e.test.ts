/**
 * The built UI in real headless Chromium, served from a sub-path by a plain static server (no
 * backend): load, run Bookinfo, break ratings from the graph while it plays, watch productpage
 * degrade and the reviews queue fill, remove the fault and watch it recover; then switch on the
 * resilient policy (timeout + retries + breaker on ratings), run again with the kept faults, and
 * read the better result in the compare table. Screenshots of each step: test-artifacts/ui/.
 * With UPDATE_DOCS_SCREENSHOTS=1 the cascade and compare shots are copied to docs/images/.
 */
import { copyFileSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { browserSkipReason, openSite, type Site } from './browser.ts';

const skip = browserSkipReason();
if (skip) console.log(`ui-e2e: ${skip}`);
const ART = join(process.cwd(), 'test-artifacts', 'ui');

describe.skipIf(skip !== null)('web UI end to end (built site under a sub-path)', () => {
  let site: Site;
  let page: Page;
  const requested: string[] = [];
  const errors: string[] = [];

  beforeAll(async () => {
    mkdirSync(ART, { recursive: true });
    site = await openSite('/workshop/meshdojo/');
    page = await site.context.newPage();
    page.on('request', (r) => requested.push(r.url()));
    page.on('pageerror', (e) => errors.push(e.message));
  });
  afterAll(async () => {
    await site?.close();
  });

  const shot = (name: string) => page.screenshot({ path: join(ART, `${name}.png`) });
  const attr = (sel: string, a: string) => page.getAttribute(sel, a);
  const simSeconds = async () => parseFloat((await page.textContent('[data-testid="sim-clock"]')) ?? '0');
  const waitFor = async (what: string, cond: () => Promise<boolean>, ms = 30_000) => {
    const until = Date.now() + ms;
    while (Date.now() < until) {
      if (await cond()) return;
      await page.waitForTimeout(100);
    }
    throw new Error(`timed out waiting for ${what}`);
  };

  it('opens on Bookinfo, ready to run, and moves within a second of Run', async () => {
    await page.goto(site.server.url);
    await page.waitForSelector('[data-service="productpage"]');
    expect(await page.textContent('[data-testid="run-status"]')).toBe('ready');
    for (const s of ['client', 'productpage', 'details', 'reviews', 'ratings'])
      expect(await page.$(`[data-service="${s}"]`)).not.toBeNull();
    await shot('01-loaded');
    await page.selectOption('[data-action="speed"]', '5');
    await page.click('[data-action="run"]');
    await page.waitForTimeout(1000);
    expect(await simSeconds()).toBeGreaterThan(0);
    expect(await attr('[data-service="productpage"]', 'data-health')).toBe('healthy');
    await shot('02-running');
  });

  it('a latency fault on ratings, injected from the graph while it plays, degrades productpage and fills reviews', async () => {
    await waitFor('4 s of simulated time', async () => (await simSeconds()) >= 4);
    await page.click('[data-service="ratings"]');
    await page.click('[data-tab="break"]');
    expect(await page.textContent('[data-testid="fault-target"]')).toBe('ratings');
    await page.selectOption('[data-testid="fault-kind"]', 'latency');
    await page.fill('[data-testid="fault-latency"]', '3000');
    await page.click('[data-action="inject"]');
    await page.waitForSelector('[data-fault^="latency-ratings"]');
    await waitFor('productpage degraded or failing', async () =>
      ['degraded', 'failing'].includes((await attr('[data-service="productpage"]', 'data-health')) ?? ''),
    );
    await waitFor(
      'the reviews queue to fill',
      async () => Number(await attr('[data-service="reviews"]', 'data-queue')) >= 100,
    );
    expect(await page.textContent('[data-testid="run-status"]')).toBe('running');
    await page.click('[data-service="reviews"]');
    await shot('03-cascade');
  });

  it('removing the fault lets the graph recover', async () => {
    await page.click('[data-tab="break"]');
    await page.click('[data-action="remove-fault"]');
    await waitFor(
      'productpage healthy and the reviews queue drained',
      async () =>
        (await attr('[data-service="productpage"]', 'data-health')) === 'healthy' &&
        Number(await attr('[data-service="reviews"]', 'data-queue')) < 5,
      40_000,
    );
    await shot('04-recovered');
    await page.selectOption('[data-action="speed"]', '1000');
    await waitFor(
      'the run to finish',
      async () => (await page.textContent('[data-testid="run-status"]')) === 'finished',
    );
  });

  it('the scrubber replays any moment of the finished run: back to the cascade, then live again', async () => {
    const faultAt = Number(
      /from ([\d.]+) s/.exec((await page.textContent('[data-fault^="latency-ratings"]')) ?? '')![1],
    );
    await page.fill('input[aria-label="Scrub to an interval"]', String(Math.floor(faultAt) + 3));
    await waitFor(
      'the cascade moment',
      async () => Number(await attr('[data-service="reviews"]', 'data-queue')) >= 100,
    );
    expect(await page.textContent('.timeline .view')).toContain('viewing');
    expect(['degraded', 'failing']).toContain(await attr('[data-service="productpage"]', 'data-health'));
    await shot('04b-scrubbed-back');
    await page.fill('input[aria-label="Scrub to an interval"]', '59');
    await waitFor(
      'the end again',
      async () => Number(await attr('[data-service="reviews"]', 'data-queue')) < 5,
    );
  });

  it('with the resilient policy and the same faults replayed, the compare table shows the better result', async () => {
    await page.click('[data-action="keep-faults"]');
    expect(await page.isChecked('[data-testid="chaos-enabled"]')).toBe(true);
    expect(await page.inputValue('textarea[aria-label="ChaosExperiment YAML"]')).toContain(
      'kind: ChaosExperiment',
    );
    await page.click('[data-tab="policy"]');
    await page.selectOption('[data-testid="policy-preset"]', 'bookinfo-resilient');
    expect(await page.isChecked('[data-testid="policy-enabled"]')).toBe(true);
    await page.click('[data-action="run"]');
    await waitFor(
      'the second run to finish',
      async () => (await page.textContent('[data-testid="run-status"]')) === 'finished',
      60_000,
    );
    await page.click('[data-tab="compare"]');
    const table = page.locator('[data-testid="compare-table"]');
    await table.waitFor();
    const values = async (m: string) =>
      await page
        .locator(`[data-measure="${m}"] td`)
        .evaluateAll((tds) => tds.map((td) => Number(td.getAttribute('data-value'))));
    const degraded = await values('degraded');
    const p99 = await values('p99');
    const success = await values('success');
    // Two runs, same seed and faults: the policy answers fast (a fallback page without stars)
    // instead of making the page wait on a slow ratings.
    expect(degraded).toHaveLength(2);
    expect(degraded[0]).toBeGreaterThan(0);
    expect(p99[1]).toBeLessThan(p99[0] / 5);
    expect(success[1]).toBeGreaterThanOrEqual(success[0]);
    const opens = await values('breakerOpens');
    expect(opens[0]).toBe(0);
    expect(opens[1]).toBeGreaterThan(0);
    // the better p99 is marked with a check, not only a colour
    expect(await page.locator('[data-measure="p99"] td').nth(1).textContent()).toContain('✓');
    await shot('05-compare');
    if (process.env.UPDATE_DOCS_SCREENSHOTS) {
      mkdirSync('docs/images', { recursive: true });
      copyFileSync(join(ART, '03-cascade.png'), 'docs/images/ui-cascade.png');
      copyFileSync(join(ART, '05-compare.png'), 'docs/images/ui-compare.png');
    }
  });

  it('a finished run: trace waterfall, exports (JSON, HTML report, traces, YAML) and the mesh overhead view', async () => {
    await page.click('[data-service="reviews"]');
    await page.click('[data-tab="trace"]');
    await page.waitForSelector('.waterfall .row');
    expect(await page.locator('.waterfall .row').count()).toBeGreaterThanOrEqual(4);
    await shot('07-trace');
    const saved = async (label: string) => {
      const [d] = await Promise.all([
        page.waitForEvent('download'),
        page.click(`header button:text-is("${label}")`),
      ]);
      const path = join(ART, d.suggestedFilename());
      await d.saveAs(path);
      return readFileSync(path, 'utf8');
    };
    const json = JSON.parse(await saved('JSON'));
    expect(json.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(json.mesh.breakers.length).toBeGreaterThan(0);
    expect(await saved('HTML')).toContain('<html');
    expect(JSON.parse(await saved('traces')).data.length).toBeGreaterThan(0);
    const yaml = await saved('YAML');
    expect(yaml).toContain('kind: MeshPolicy');
    expect(yaml).toContain('kind: ChaosExperiment');
    await page.click('[data-tab="overhead"]');
    await page.click('[data-action="measure-overhead"]');
    await waitFor(
      'nine profiles measured',
      async () =>
        (await page.locator('[data-testid="overhead-metric"]').first().locator('.row').count()) === 9,
      60_000,
    );
    await shot('08-overhead');
  });

  it('a share link reopens the same scenario and seed', async () => {
    await page.fill('input[type="number"].num', '7');
    await page.click('[data-action="share"]');
    const href = page.url();
    expect(href).toMatch(/#s=[A-Za-z0-9_-]+$/);
    const other = await site.context.newPage();
    await other.goto(href);
    await other.waitForSelector('[data-service="productpage"]');
    expect(await other.inputValue('input[type="number"].num')).toBe('7');
    expect(await other.isChecked('[data-testid="policy-enabled"]')).toBe(true);
    expect(await other.isChecked('[data-testid="chaos-enabled"]')).toBe(true);
    // keyboard: a node is focusable and Enter selects it; Tab from the topology reaches the controls
    await other.focus('[data-service="details"]');
    await other.keyboard.press('Enter');
    expect(await other.textContent('[data-testid="fault-target"]')).toBe('details');
    await other.focus('[data-testid="topology"]');
    const reached: string[] = [];
    for (let i = 0; i < 6; i++) {
      await other.keyboard.press('Tab');
      reached.push(
        await other.evaluate(
          () => document.activeElement?.getAttribute('data-action') ?? document.activeElement?.tagName ?? '',
        ),
      );
    }
    expect(reached).toContain('run');
    await other.close();
  });

  it('a generated 200-service topology renders and animates', async () => {
    // the Bookinfo policy and faults name services the generated topology does not have
    await page.uncheck('[data-testid="policy-enabled"]');
    await page.uncheck('[data-testid="chaos-enabled"]');
    await page.selectOption('[data-testid="topology"]', 'generated-200');
    await page.waitForSelector('[data-service="svc-199"]');
    expect(await page.locator('g.node').count()).toBe(201);
    await page.selectOption('[data-action="speed"]', '5');
    await page.click('[data-action="run"]');
    await waitFor('2 s of simulated time', async () => (await simSeconds()) >= 2);
    const painted = () =>
      page.evaluate(() => {
        const c = document.querySelector('canvas.particles') as HTMLCanvasElement;
        const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
        let n = 0;
        let h = 0;
        for (let i = 3; i < d.length; i += 4)
          if (d[i] > 0) {
            n++;
            h = (h * 31 + i) | 0;
          }
        return { n, h };
      });
    const a = await painted();
    await page.waitForTimeout(300);
    const b = await painted();
    expect(a.n).toBeGreaterThan(0);
    expect(b.h).not.toBe(a.h); // the particles moved
    expect(await attr('[data-service="frontend"]', 'data-health')).toBe('healthy');
    await shot('06-generated-200');
    await page.click('[data-action="pause"]');
  });

  it('ran with no backend: every request stayed under the sub-path', () => {
    const prefix = site.server.url;
    const outside = requested.filter(
      (u) => !u.startsWith(prefix) && !u.startsWith('blob:') && !u.startsWith('data:'),
    );
    expect(outside).toEqual([]);
    expect(requested.some((u) => /sim\.worker-.*\.js$/.test(u))).toBe(true);
    expect(errors).toEqual([]);
  });
});
