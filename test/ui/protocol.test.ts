/** The worker protocol, typed and tested without a browser: engine host ↔ client over a fake port. */
import { describe, expect, it } from 'vitest';
import { createEngineHost } from '../../ui/src/sim/engine-host.ts';
import { SimClient, type Port } from '../../ui/src/sim/client.ts';
import { parseToWorker, type FromWorker, type ToWorker } from '../../ui/src/sim/protocol.ts';
import { runScenario } from '../../simulator/sim/run.ts';
import { scenarioFromFiles } from '../helpers/load.ts';

const bookinfo = () => scenarioFromFiles(['topologies/bookinfo.yaml'], { duration: 6000, sampling: 0.01 });

/** A port that delivers to an engine host asynchronously, as a worker would (structured clone). */
function fakeWorker(): Port & { posted: ToWorker[] } {
  const port: Port & { posted: ToWorker[] } = {
    onmessage: null,
    posted: [],
    postMessage(m: ToWorker) {
      port.posted.push(m);
      queueMicrotask(() => host.handle(structuredClone(m)));
    },
  };
  const host = createEngineHost((m: FromWorker) =>
    queueMicrotask(() => port.onmessage?.({ data: structuredClone(m) })),
  );
  return port;
}

describe('worker protocol', () => {
  it('rejects malformed messages with a reason', () => {
    expect(parseToWorker(null)).toBe('message is not an object');
    expect(parseToWorker({ type: 'nope', runId: 1 })).toMatch(/unknown message type nope/);
    expect(parseToWorker({ type: 'advance', runId: 1, toMs: Number.NaN })).toMatch(/finite/);
    expect(parseToWorker({ type: 'start', runId: 1.5, scenario: {} })).toMatch(/runId/);
    const ok = parseToWorker({ type: 'advance', runId: 3, toMs: 10 });
    expect(typeof ok).toBe('object');
  });

  it('a host answers a bad message and an unknown run with an error message, not a throw', () => {
    const out: FromWorker[] = [];
    const host = createEngineHost((m) => out.push(m));
    host.handle({ type: 'advance', runId: 9, toMs: 100 });
    host.handle('garbage');
    expect(out).toEqual([
      { type: 'error', runId: 9, message: 'no run 9 (start it first)' },
      { type: 'error', runId: -1, message: 'message is not an object' },
    ]);
  });

  it('a stepped run through the client: frames arrive in order and the result equals runScenario', async () => {
    const client = new SimClient(fakeWorker());
    const h = await client.start(bookinfo());
    expect(h.durationMs).toBe(6000);
    const a = await h.advance(2500);
    expect(a.frames.map((f) => f.t)).toEqual([1000, 2000]);
    expect(a.nowMs).toBe(2500);
    const b = await h.advance(4000);
    expect(b.frames.map((f) => f.index)).toEqual([2, 3]);
    const end = await h.finish();
    expect(end.frames.frames.map((f) => f.t)).toEqual([5000, 6000]);
    expect(end.result.hash).toBe(runScenario(bookinfo()).hash);
  });

  it('inject and stop: the worker sets the times, the frames carry the events, the kept fault replays', async () => {
    const client = new SimClient(fakeWorker());
    const h = await client.start(bookinfo());
    await h.advance(2000);
    const fault = await h.inject({
      name: 'slow',
      type: 'latency',
      target: { service: 'ratings' },
      latency: 1000,
      jitter: 0,
      stream: 'upstream',
    });
    expect(fault.at).toBe(2000.5);
    const mid = await h.advance(3000);
    expect(mid.frames[0].events.map((e) => e.kind)).toEqual(['fault-start']);
    const stoppedAt = await h.stopFault('slow');
    expect(stoppedAt).toBe(3000.5);
    await expect(h.stopFault('slow')).rejects.toThrow(/no active fault named slow/);
    const { result } = await h.finish();
    const replay = bookinfo();
    replay.chaos = [{ name: 'ui', steadyState: [], faults: [{ ...fault, duration: stoppedAt - fault.at }] }];
    expect(result.hash).toBe(runScenario(replay).hash);
  });

  it('a whole run for compare', async () => {
    const client = new SimClient(fakeWorker());
    const { result } = await client.run(bookinfo());
    expect(result.summary.requests).toBeGreaterThan(1000);
  });
});
