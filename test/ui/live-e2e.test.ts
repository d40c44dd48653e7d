/**
 * The Live tab in headless Chromium against the real `meshdojo serve` relay (the static server of
 * the built site, under its sub-path) and the supervisor's real stream hub (stream-hub.ts, found
 * through `.meshdojo/live/state.json` as `live up` writes it); only the live run behind the hub is
 * replaced by frames of a simulated cascade. The page's EventSource gets the frames so far, then new
 * ones and a run event; when the hub drops the connection the browser resumes with Last-Event-ID
 * (nothing repeated); when the supervisor is gone serve answers 404 and the panel reopens the stream
 * itself once it is back. Screenshot: test-artifacts/ui/live-01-streaming.png.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { browserSkipReason, openSite, type Site } from './browser.ts';
import { LiveStreamHub } from '../../simulator/live/run/stream-hub.ts';
import type { LiveState } from '../../simulator/live/run/live-state.ts';
import { startRun } from '../../simulator/sim/run.ts';
import { frameAt, type IntervalFrame } from '../../simulator/telemetry/interval.ts';
import { health } from '../../ui/src/graph/health.ts';
import { scenarioFromFiles } from '../helpers/load.ts';

const skip = browserSkipReason();
if (skip) console.log(`live-e2e: ${skip}`);
const ART = join(process.cwd(), 'test-artifacts', 'ui');

function cascadeFrames(): IntervalFrame[] {
  const run = startRun(
    scenarioFromFiles(['topologies/bookinfo-no-timeouts.yaml', 'chaos/bookinfo-ratings-slow.yaml'], {
      duration: 50_000,
    }),
  );
  run.advanceTo(50_000);
  const s = run.series();
  const events = run.eventsFrom(0);
  return s.t.map((_, i) => frameAt(s, i, events));
}

describe.skipIf(skip !== null)('the Live tab on meshdojo serve', () => {
  let site: Site;
  let page: Page;
  let hub: LiveStreamHub;
  let control: Server;
  let controlPort = 0;
  const lastEventIds: string[] = [];
  const errors: string[] = [];
  const frames = cascadeFrames();
  const here = process.cwd();
  const cwd = mkdtempSync(join(tmpdir(), 'meshdojo-live-ui-'));

  const listen = (port: number) =>
    new Promise<void>((ok) => {
      control = createServer((req, res) => {
        if (req.url !== '/stream') return void res.writeHead(404).end();
        lastEventIds.push(String(req.headers['last-event-id'] ?? ''));
        hub.serve(req, res);
      });
      control.listen(port, '127.0.0.1', () => {
        const a = control.address();
        controlPort = typeof a === 'object' && a ? a.port : 0;
        ok();
      });
    });
  const stopControl = () =>
    new Promise<void>((ok) => {
      hub.endAll();
      control.closeAllConnections();
      control.close(() => ok());
    });
  const status = () => page.textContent('[data-testid="live-status"]');
  /** Wait for the panel's status line to match; on a timeout, say what it showed instead. */
  const waitStatus = async (re: RegExp) => {
    try {
      await page.waitForFunction(
        (src) =>
          new RegExp(src).test(document.querySelector('[data-testid="live-status"]')?.textContent ?? ''),
        re.source,
        { timeout: 30_000 },
      );
    } catch {
      throw new Error(`live status never matched ${re}: it says "${(await status())?.trim()}"`);
    }
  };

  beforeAll(async () => {
    mkdirSync(ART, { recursive: true });
    site = await openSite('/workshop/meshdojo/');
    page = await site.context.newPage();
    page.on('pageerror', (e) => errors.push(e.message));
    // a Vue handler that throws is only a console warning, not a page error
    page.on('console', (m) => {
      if (m.text().includes('[Vue warn]')) errors.push(m.text());
    });
    hub = new LiveStreamHub();
    await listen(0);
    // what `meshdojo live up` leaves for `meshdojo serve` to find, in the folder serve runs from
    process.chdir(cwd);
    mkdirSync('.meshdojo/live', { recursive: true });
    const state: LiveState = {
      pid: process.pid,
      controlPort,
      startedAt: new Date(0).toISOString(),
      scenario: 'bookinfo',
      state: 'running',
      durationMs: 50_000,
      instances: [],
      entry: { service: 'productpage', endpoint: '/productpage', addresses: [] },
    };
    writeFileSync('.meshdojo/live/state.json', JSON.stringify(state));
  });
  afterAll(async () => {
    process.chdir(here);
    await page?.close();
    await site?.close();
    if (control?.listening) await stopControl();
    rmSync(cwd, { recursive: true, force: true });
  });

  it('streams the frames so far and new ones into the graph, with the latest run event', async () => {
    for (const f of frames.slice(0, 40)) hub.publish({ kind: 'frame', frame: f });
    await page.goto(site.server.url);
    await page.waitForSelector('[data-service="productpage"]');
    await page.click('[data-tab="live"]');
    await page.click('[data-action="live-connect"]');
    await waitStatus(/^\s*live: 40 intervals\s*$/);
    for (const f of frames.slice(40, 45)) hub.publish({ kind: 'frame', frame: f });
    const faultStart = frames.flatMap((f) => f.events).find((e) => e.kind === 'fault-start')!;
    hub.publish({ kind: 'event', event: faultStart });
    await waitStatus(/^\s*live: 45 intervals\s*$/);
    await page.waitForSelector('[data-testid="live-event"]');
    expect(await page.textContent('[data-testid="live-event"]')).toContain(
      `fault-start ${faultStart.subject}`,
    );
    // the graph shows the newest interval, judged by the page's own rule
    const last = frames[44].services.productpage;
    await page.waitForFunction(
      (want) => document.querySelector('[data-service="productpage"]')?.getAttribute('data-health') === want,
      health(last),
      { timeout: 10_000 },
    );
    expect(health(last)).toBe('failing');
    expect(Number(await page.getAttribute('[data-service="reviews"]', 'data-queue'))).toBe(
      frames[44].services.reviews.queue,
    );
    await page.screenshot({ path: join(ART, 'live-01-streaming.png') });
    expect(lastEventIds).toEqual(['']);
  });

  it('a dropped connection is resumed by the browser after the last frame it saw', async () => {
    hub.endAll();
    // EventSource reconnects by itself (after its default retry) and sends the last id it saw
    const until = Date.now() + 30_000;
    while (hub.readerCount === 0 && Date.now() < until) await page.waitForTimeout(100);
    expect(lastEventIds).toEqual(['', '44']);
    hub.publish({ kind: 'frame', frame: frames[45] });
    await waitStatus(/^\s*live: 46 intervals\s*$/);
  });

  it('with the supervisor gone serve answers 404, and the panel retries until it streams again', async () => {
    await stopControl();
    await waitStatus(/retrying in \d+ s/);
    expect(await status()).toContain('is `meshdojo live up` running?');
    hub.publish({ kind: 'frame', frame: frames[46] });
    await listen(controlPort);
    // the panel's own reconnection is a new EventSource: the hub replays all, the page keeps each once
    await waitStatus(/^\s*live: 47 intervals\s*$/);
    expect(lastEventIds.length).toBeGreaterThanOrEqual(3);
    expect(lastEventIds.at(-1)).toBe('');
    hub.publish({ kind: 'frame', frame: frames[47] });
    await waitStatus(/^\s*live: 48 intervals\s*$/);
    await page.click('[data-action="live-disconnect"]');
    await waitStatus(/disconnected after 48 intervals/);
    expect(errors).toEqual([]);
  });
});
