/**
 * Lab 1 (the cascade) walked end to end in the built UI in headless Chromium: a prediction is
 * recorded, the fault is applied and shown (a band on the charts, productpage failing, reviews'
 * queue full), the observation is answered by clicking a node, the check turns green; then the fix
 * (a mesh timeout, then fallback + breaker) is applied and checked green. Screenshots:
 * test-artifacts/ui/lab-*.png (UPDATE_DOCS_SCREENSHOTS=1 copies the step-1 verdict to docs/images).
 */
import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { browserSkipReason, openSite, type Site } from './browser.ts';

const skip = browserSkipReason();
if (skip) console.log(`lab-e2e: ${skip}`);
const ART = join(process.cwd(), 'test-artifacts', 'ui');

describe.skipIf(skip !== null)('lab 1 in the browser', () => {
  let site: Site;
  let page: Page;
  const errors: string[] = [];

  beforeAll(async () => {
    mkdirSync(ART, { recursive: true });
    site = await openSite('/workshop/meshdojo/');
    page = await site.context.newPage();
    page.on('pageerror', (e) => errors.push(e.message));
  });
  afterAll(async () => {
    await site?.close();
  });

  const shot = (name: string) => page.screenshot({ path: join(ART, `${name}.png`) });
  const waitFor = async (what: string, cond: () => Promise<boolean>, ms = 60_000) => {
    const until = Date.now() + ms;
    while (Date.now() < until) {
      if (await cond()) return;
      await page.waitForTimeout(150);
    }
    throw new Error(`timed out waiting for ${what}`);
  };
  /** Press Check and wait for its verdict; a check that could not run fails with the page's reason. */
  const check = async (): Promise<boolean> => {
    await page.click('[data-action="lab-check"]');
    const hit = await page.waitForSelector('[data-testid="lab-grade"], .lab [role="alert"]', {
      timeout: 60_000,
    });
    if ((await hit.getAttribute('role')) === 'alert')
      throw new Error(`the check did not run: ${await hit.textContent()}`);
    return (await hit.getAttribute('data-passed')) === 'true';
  };
  const checkGreen = async () => {
    expect(await check()).toBe(true);
    const rows = page.locator('[data-testid="lab-grade"] li');
    const oks = await rows.evaluateAll((li) =>
      li.map((l) => `${l.getAttribute('data-ok')} ${l.textContent}`),
    );
    expect(oks.length).toBeGreaterThan(0);
    for (const r of oks) expect(r).toMatch(/^true /);
  };

  it('step 1: prediction recorded, the fault applied and shown, the observation answered, the check green', async () => {
    await page.goto(site.server.url);
    await page.waitForSelector('[data-service="productpage"]');
    await page.click('[data-tab="lab"]');
    await page.selectOption('[data-testid="lab-pick"]', 'cascade');
    expect(await page.textContent('[data-testid="lab-step"]')).toContain('Step 1/3');
    await page.fill('[data-testid="lab-prediction"]', '20');
    await page.click('[data-action="lab-predict"]');
    expect(await page.textContent('[data-testid="prediction"]')).toContain('20');
    // before the fault is written, the check is red
    expect(await check()).toBe(false);
    expect(await page.locator('[data-testid="lab-grade"] li[data-ok="false"]').count()).toBeGreaterThan(0);
    await shot('lab-01-predicted');
    await page.click('[data-action="lab-solution"]');
    expect(await page.isChecked('[data-testid="chaos-enabled"]')).toBe(true);
    await page.selectOption('[data-action="speed"]', '1000');
    await page.click('[data-action="lab-run"]');
    await waitFor(
      'the step run to finish',
      async () => (await page.textContent('[data-testid="run-status"]')) === 'finished',
    );
    // the fault is shown: a shaded band on the charts; at 45 s productpage fails and reviews is full
    expect(await page.locator('.charts .band').count()).toBeGreaterThan(0);
    await page.fill('input[aria-label="Scrub to an interval"]', '45');
    await waitFor(
      'the cascade moment',
      async () => Number(await page.getAttribute('[data-service="reviews"]', 'data-queue')) >= 100,
    );
    expect(await page.getAttribute('[data-service="productpage"]', 'data-health')).toBe('failing');
    await page.click('[data-service="reviews"]');
    await page.click('[data-action="lab-answer"]');
    expect(await page.textContent('[data-testid="lab-answer"]')).toContain('reviews');
    await shot('lab-02-fault-shown');
    await checkGreen();
    expect(await page.textContent('[data-testid="lab-reveal"]')).toContain('You predicted: 20');
    await shot('lab-03-step1-green');
    if (process.env.UPDATE_DOCS_SCREENSHOTS) {
      mkdirSync('docs/images', { recursive: true });
      copyFileSync(join(ART, 'lab-03-step1-green.png'), 'docs/images/ui-lab.png');
    }
  });

  it('step 2: the fix (a mesh timeout on ratings) applied, the check green', async () => {
    await page.click('[data-action="lab-next"]');
    expect(await page.textContent('[data-testid="lab-step"]')).toContain('Step 2/3');
    await page.fill('[data-testid="lab-prediction"]', '10');
    await page.click('[data-action="lab-predict"]');
    await page.click('[data-action="lab-solution"]');
    expect(await page.isChecked('[data-testid="policy-enabled"]')).toBe(true);
    await page.click('[data-tab="policy"]');
    expect(await page.inputValue('textarea[aria-label="MeshPolicy YAML"]')).toMatch(/timeout: 100ms/);
    await page.click('[data-tab="lab"]');
    await page.click('[data-action="lab-run"]');
    await waitFor(
      'the step run to finish',
      async () => (await page.textContent('[data-testid="run-status"]')) === 'finished',
    );
    await checkGreen();
    await shot('lab-04-step2-fix-green');
  });

  it('step 3: fallback and breaker, the check green; the lab is complete', async () => {
    await page.click('[data-action="lab-next"]');
    expect(await page.textContent('[data-testid="lab-step"]')).toContain('Step 3/3');
    await page.click('[data-action="lab-skip"]');
    await page.click('[data-action="lab-solution"]');
    await checkGreen();
    await shot('lab-05-step3-green');
    await page.click('[data-action="lab-next"]');
    await page.waitForSelector('[data-testid="lab-done"]');
    expect(errors).toEqual([]);
  });
});
