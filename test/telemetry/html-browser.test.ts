/**
 * Acceptance 3 of issue #7, in Chromium (playwright-core, Debian's /usr/bin/chromium): the HTML
 * report of Bookinfo without timeouts under a slow ratings draws its queue and in-flight charts,
 * its degraded answers and its narrative; with the resilient policy, the degraded band is drawn.
 * The screenshot of the first is docs/report-screenshot.png (MESHDOJO_UPDATE_SCREENSHOT=1 rewrites it).
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type BrowserContext } from 'playwright-core';
import { runScenario } from '../../simulator/sim/run.ts';
import { renderHtml } from '../../simulator/telemetry/report-html.ts';
import { reportClientSource } from '../../simulator/cli/io.ts';
import { scenarioFromFiles } from '../helpers/load.ts';

const CHROMIUM = '/usr/bin/chromium';
const hasChromium = existsSync(CHROMIUM);
if (!hasChromium)
  console.warn(`html-browser.test: skipped — ${CHROMIUM} is not installed (.ci/run installs it)`);

const d3Source = readFileSync(new URL('../../node_modules/d3/dist/d3.min.js', import.meta.url), 'utf8');
const dir = mkdtempSync(join(tmpdir(), 'meshdojo-browser-'));
let ctx: BrowserContext;

function reportFile(name: string, files: string[]): string {
  const r = runScenario(scenarioFromFiles(files));
  const file = join(dir, `${name}.html`);
  writeFileSync(file, renderHtml(r, { d3Source, clientSource: reportClientSource() }));
  return file;
}

describe.skipIf(!hasChromium)('the HTML report in Chromium', () => {
  beforeAll(async () => {
    ctx = await chromium.launchPersistentContext(join(dir, 'profile'), {
      executablePath: CHROMIUM,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-quic',
        '--no-first-run',
        '--disable-component-update',
        '--disable-sync',
      ],
      viewport: { width: 1280, height: 1000 },
    });
  }, 60_000);
  afterAll(async () => {
    await ctx?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('draws queue and in-flight charts, degraded answers and the narrative (no timeouts, ratings slow)', async () => {
    const file = reportFile('no-timeouts', [
      'topologies/bookinfo-no-timeouts.yaml',
      'chaos/bookinfo-ratings-slow.yaml',
    ]);
    const page = await ctx.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.goto(`file://${file}`);
    await page.waitForFunction(() => document.documentElement.dataset.chartsDrawn === 'true');
    expect(errors).toEqual([]);
    // every declared chart got an svg
    const charts = await page.locator('[data-chart]').count();
    const drawn = await page.locator('[data-chart] > svg').count();
    expect(charts).toBeGreaterThan(15);
    expect(drawn).toBe(charts);
    // reviews' queue-and-in-flight chart: two series with real paths (queue up to 256)
    const queue = page.locator('[data-chart="service|reviews|queue"] svg path.series');
    expect(await queue.count()).toBe(2);
    for (const d of await queue.evaluateAll((ps) => ps.map((p) => p.getAttribute('d') ?? '')))
      expect(d.length).toBeGreaterThan(100);
    // the narrative names reviews and productpage, each sentence linked to a chart moment
    const story = page.locator('ol.story li');
    expect(await story.count()).toBeGreaterThanOrEqual(4);
    expect(
      await page.locator('ol.story li[data-kind="queue-overflow"][data-service="reviews"]').count(),
    ).toBe(1);
    expect(
      await page.locator('ol.story li[data-kind="caused-failures"][data-service="productpage"]').count(),
    ).toBe(1);
    await page.locator('ol.story li[data-kind="queue-overflow"] a').click();
    // the sentence's moment is marked on every chart
    expect(await page.locator('[data-chart] line.focus').count()).toBe(charts);
    // degraded answers are shown (none here: onError is fail, so the pages fail instead)
    await expect.poll(() => page.locator('.card:has-text("degraded answers")').count()).toBe(1);
    await page.evaluate(() => window.scrollTo(0, 0));
    const shot = await page.screenshot({ fullPage: false });
    // reviews' row: success, p99, slots, queue and in flight (the sentence's moment marked)
    const row = await page.locator('.svcrow:has([data-chart="service|reviews|queue"])').screenshot();
    if (process.env.MESHDOJO_UPDATE_SCREENSHOT === '1') {
      writeFileSync('docs/report-screenshot.png', shot);
      writeFileSync('docs/report-screenshot-reviews.png', row);
    }
    expect(existsSync('docs/report-screenshot.png')).toBe(true);
    expect(existsSync('docs/report-screenshot-reviews.png')).toBe(true);
    await page.close();
  }, 120_000);

  it('draws the degraded band where fallbacks answered (resilient policy)', async () => {
    const file = reportFile('resilient', [
      'topologies/bookinfo.yaml',
      'chaos/bookinfo-ratings-slow.yaml',
      'topologies/policies/bookinfo-resilient.yaml',
    ]);
    const page = await ctx.newPage();
    await page.goto(`file://${file}`);
    await page.waitForFunction(() => document.documentElement.dataset.chartsDrawn === 'true');
    expect(await page.locator('[data-chart="entry||success"] path.degradedband').count()).toBe(1);
    expect(await page.locator('ol.story li[data-kind="breaker-open"]').count()).toBe(1);
    expect(await page.locator('ol.story li[data-kind="fallback"][data-service="reviews"]').count()).toBe(1);
    await page.close();
  }, 120_000);
});
