/**
 * The live client against a small fake SSE source on 127.0.0.1: frames of the simulator's own
 * interval shape (cut from a real run), in chunks that split lines, with a comment, a bad event
 * and an end event.
 */
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SseParser, streamIntervals } from '../../ui/src/live/sse-client.ts';
import { startRun } from '../../simulator/sim/run.ts';
import { frameAt, type IntervalFrame } from '../../simulator/telemetry/interval.ts';
import { scenarioFromFiles } from '../helpers/load.ts';

function realFrames(): IntervalFrame[] {
  const run = startRun(scenarioFromFiles(['topologies/bookinfo.yaml'], { duration: 3000 }));
  run.advanceTo(3000);
  const s = run.series();
  return s.t.map((_, i) => frameAt(s, i, run.eventsFrom(0)));
}

describe('SSE parser', () => {
  it('splits on blank lines, joins data lines, ignores comments, handles CRLF and split chunks', () => {
    const p = new SseParser();
    expect(p.push(': hello\r\nevent: interval\r\nid: 1\r\ndata: {"a"')).toEqual([]);
    expect(p.push(':1}\r\n\r\ndata: x\ndata: y\n\n')).toEqual([
      { event: 'interval', data: '{"a":1}', id: '1' },
      { event: 'message', data: 'x\ny', id: '1' },
    ]);
  });
});

describe('streamIntervals against a fake meshdojo serve', () => {
  let server: Server;
  let url = '';
  const frames = realFrames();

  beforeAll(async () => {
    server = createServer((req, res) => {
      if (req.url !== '/api/live/intervals') return void res.writeHead(404).end();
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
      const body =
        ': live run of bookinfo\n\n' +
        frames.map((f, i) => `event: interval\nid: ${i}\ndata: ${JSON.stringify(f)}\n\n`).join('') +
        'event: interval\ndata: {"not":"a frame"}\n\n' +
        'event: end\ndata: done\n\n';
      // send in awkward chunks, as a network would
      let i = 0;
      const tick = () => {
        if (i >= body.length) return void res.end();
        res.write(body.slice(i, i + 97));
        i += 97;
        setImmediate(tick);
      };
      tick();
    });
    await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
    const a = server.address();
    url = `http://127.0.0.1:${typeof a === 'object' && a ? a.port : 0}`;
  });
  afterAll(() => new Promise<void>((ok) => server.close(() => ok())));

  it('delivers every frame intact, reports the bad one, and stops at `end`', async () => {
    const got: IntervalFrame[] = [];
    const errors: string[] = [];
    let ended = false;
    const n = await streamIntervals(`${url}/api/live/intervals`, {
      onFrame: (f) => got.push(f),
      onError: (m) => errors.push(m),
      onEnd: () => (ended = true),
    });
    expect(n).toBe(3);
    expect(got).toEqual(frames);
    expect(got[2].services.reviews.queue).toBeTypeOf('number');
    // the last event id carries over (SSE rules): the bad event follows id 2
    expect(errors).toEqual(['event 2: not an interval frame']);
    expect(ended).toBe(true);
  });

  it('a wrong URL is an error naming the status', async () => {
    await expect(streamIntervals(`${url}/nope`, { onFrame: () => undefined })).rejects.toThrow(/HTTP 404/);
  });
});
