/**
 * Browser-test helpers: build the UI once into a temporary folder, serve it from a sub-path on
 * 127.0.0.1, and launch Debian's Chromium through playwright-core (skipped, with the reason
 * printed, when no Chromium is installed).
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext } from 'playwright-core';
import { buildUi, startStaticServer, type StaticServer } from '../../simulator/cli/serve.ts';

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-quic',
  '--no-first-run',
  '--disable-component-update',
  '--disable-sync',
];

export function chromiumPath(): string | null {
  for (const p of [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser']) {
    if (p && existsSync(p)) return p;
  }
  return null;
}

/** Why browser tests cannot run here, or null. Printed by the tests that skip. */
export function browserSkipReason(): string | null {
  return chromiumPath()
    ? null
    : 'no Chromium found (/usr/bin/chromium; set CHROMIUM_PATH): browser tests skipped';
}

export interface Site {
  server: StaticServer;
  browser: Browser;
  context: BrowserContext;
  close(): Promise<void>;
}

/** Build once, serve under `prefix`, launch one browser with a fresh profile. */
export async function openSite(prefix = '/workshop/meshdojo/'): Promise<Site> {
  const out = mkdtempSync(join(tmpdir(), 'meshdojo-ui-'));
  await buildUi(join(out, 'dist'), true);
  const server = await startStaticServer(join(out, 'dist'), { prefix });
  const profile = mkdtempSync(join(tmpdir(), 'meshdojo-chromium-'));
  const browser = await chromium.launch({ executablePath: chromiumPath()!, args: CHROMIUM_ARGS });
  void profile;
  const context = await browser.newContext({ viewport: { width: 1280, height: 720 } });
  return {
    server,
    browser,
    context,
    async close() {
      await context.close();
      await browser.close();
      await server.close();
      rmSync(out, { recursive: true, force: true });
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
