/**
 * The live stream without a browser: the supervisor's hub (stream-hub.ts) behind the real
 * `meshdojo serve` relay, read as text and decoded with the UI's decoder (the shared protocol).
 * A reader that sends Last-Event-ID gets only the frames after it; with no live topology serve
 * answers 404 with a reason; malformed messages are named.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStaticServer, type StaticServer } from '../../simulator/cli/serve.ts';
import { LiveStreamHub } from '../../simulator/live/run/stream-hub.ts';
import {
  decodeLiveMessage,
  encodeLiveMessage,
  LIVE_STREAM_PATH,
  type LiveMessage,
} from '../../simulator/telemetry/live-stream-protocol.ts';
import { startRun } from '../../simulator/sim/run.ts';
import { frameAt, type IntervalFrame } from '../../simulator/telemetry/interval.ts';
import { scenarioFromFiles } from '../helpers/load.ts';

function realFrames(): IntervalFrame[] {
  const run = startRun(scenarioFromFiles(['topologies/bookinfo.yaml'], { duration: 5000 }));
  run.advanceTo(5000);
  const s = run.series();
  return s.t.map((_, i) => frameAt(s, i, run.eventsFrom(0)));
}

/** Read SSE blocks until `n` messages arrived; decode each with the page's decoder. */
async function read(url: string, n: number, lastEventId?: string): Promise<(LiveMessage | string)[]> {
  const ctl = new AbortController();
  const res = await fetch(url, {
    signal: ctl.signal,
    headers: lastEventId ? { 'last-event-id': lastEventId } : {},
  });
  expect(res.headers.get('content-type')).toContain('text/event-stream');
  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
  let text = '';
  const out: (LiveMessage | string)[] = [];
  while (out.length < n) {
    const { value, done } = await reader.read();
    if (done) break;
    text += value;
    let cut: number;
    while ((cut = text.indexOf('\n\n')) >= 0) {
      const block = text.slice(0, cut);
      text = text.slice(cut + 2);
      const field = (f: string) =>
        block
          .split('\n')
          .find((l) => l.startsWith(`${f}: `))
          ?.slice(f.length + 2);
      const event = field('event');
      if (event) out.push(decodeLiveMessage(event, field('data') ?? ''));
    }
  }
  ctl.abort();
  return out;
}

describe('the live stream through meshdojo serve', () => {
  const frames = realFrames();
  const hub = new LiveStreamHub();
  const here = process.cwd();
  const cwd = mkdtempSync(join(tmpdir(), 'meshdojo-relay-'));
  let control: Server;
  let site: StaticServer;
  let url = '';

  beforeAll(async () => {
    control = createServer((req, res) => hub.serve(req, res));
    await new Promise<void>((ok) => control.listen(0, '127.0.0.1', () => ok()));
    mkdirSync(join(cwd, 'site'));
    process.chdir(cwd);
    site = await startStaticServer('site', { prefix: '/class/' });
    url = `${site.url}${LIVE_STREAM_PATH.slice(1)}`;
  });
  afterAll(async () => {
    process.chdir(here);
    hub.endAll();
    control.closeAllConnections();
    await new Promise<void>((ok) => control.close(() => ok()));
    await site.close();
    rmSync(cwd, { recursive: true, force: true });
  });

  it('answers 404 with a reason while no live topology runs', async () => {
    const res = await fetch(url);
    expect(res.status).toBe(404);
    expect(((await res.json()) as { error: string }).error).toMatch(/no live topology is running/);
  });

  it('replays the frames so far, then streams new messages; Last-Event-ID resumes after that frame', async () => {
    const a = control.address();
    const state = {
      pid: process.pid,
      controlPort: typeof a === 'object' && a ? a.port : 0,
      scenario: 'bookinfo',
    };
    mkdirSync('.meshdojo/live', { recursive: true });
    writeFileSync('.meshdojo/live/state.json', JSON.stringify(state));
    for (const frame of frames.slice(0, 3)) hub.publish({ kind: 'frame', frame });
    const all = read(url, 4);
    const resumed = read(url, 2, '1');
    while (hub.readerCount < 2) await new Promise((r) => setTimeout(r, 10));
    const event = { t: 3500, kind: 'fault-start' as const, subject: 'slow-ratings', reason: 'injected' };
    hub.publish({ kind: 'event', event });
    expect(await all).toEqual([
      ...frames.slice(0, 3).map((frame) => ({ kind: 'frame', frame })),
      { kind: 'event', event },
    ]);
    expect(await resumed).toEqual([
      { kind: 'frame', frame: frames[2] },
      { kind: 'event', event },
    ]);
  });

  it('writes each frame with its index as the event id, and names what is wrong with a bad message', () => {
    expect(encodeLiveMessage({ kind: 'frame', frame: frames[4] })).toMatch(/^event: frame\nid: 4\ndata: \{/);
    expect(decodeLiveMessage('interval', '{}')).toMatch(/unknown event "interval"/);
    expect(decodeLiveMessage('frame', '{"index": 1')).toBe('frame: data is not JSON');
    expect(decodeLiveMessage('frame', JSON.stringify({ ...frames[0], services: null }))).toMatch(
      /not an interval frame/,
    );
    expect(decodeLiveMessage('event', '{"t": 1}')).toMatch(/not a run event/);
  });
});
