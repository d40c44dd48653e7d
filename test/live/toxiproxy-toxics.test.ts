/**
 * The fault proxy's data path against Toxiproxy's documented toxic semantics (README, toxics/*.go
 * and their tests): real TCP on 127.0.0.1, every wait bounded. Timings are loose where the
 * machine is shared (±10 ms on latency, 10 % on bandwidth, as the acceptance asks).
 */
import { performance } from 'node:perf_hooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openFaultProxy, type FaultProxyClient } from '../../simulator/live/toxiproxy/client.ts';
import { collect, connect, echoServer, listen, sleep, type Peer } from './tcp.ts';

let fp: FaultProxyClient;
let echo: Peer;
let n = 0;

beforeAll(async () => {
  fp = await openFaultProxy();
  echo = await echoServer();
});
afterAll(async () => {
  for (const name of Object.keys(await fp.toxiproxy.getAll())) await (await fp.toxiproxy.get(name)).remove();
  await fp.close();
  await echo.close();
});

async function proxyTo(upstream: string, toxics: object[] = []) {
  const p = await fp.toxiproxy.createProxy({ name: `tcp_${++n}`, listen: '127.0.0.1:0', upstream });
  for (const t of toxics) await p.addToxic(t as never);
  return p;
}

/** Time from a write to its echo through the proxy. */
async function roundTrip(listenAddr: string, payload = 'ping'): Promise<number> {
  const s = await connect(listenAddr);
  const t0 = performance.now();
  const got = new Promise<number>((resolve, reject) => {
    s.once('data', () => resolve(performance.now() - t0));
    s.once('error', reject);
    setTimeout(() => reject(new Error('no echo within 3 s')), 3000);
  });
  s.write(payload);
  try {
    return await got;
  } finally {
    s.destroy();
  }
}

/** Median of a few round trips (the machine is shared). */
async function medianRtt(listenAddr: string, k = 5): Promise<number> {
  const xs: number[] = [];
  for (let i = 0; i < k; i++) xs.push(await roundTrip(listenAddr));
  return xs.sort((a, b) => a - b)[Math.floor(k / 2)];
}

/** A server that sends `bytes` (in one write) on connect, then closes, or stays open. */
const sender = (bytes: Buffer, close = true) =>
  listen((s) => {
    if (close) s.end(bytes);
    else s.write(bytes);
  });

describe('latency', () => {
  it('downstream latency adds its delay to a round trip (±10 ms), upstream and downstream add up', async () => {
    const base = await medianRtt((await proxyTo(echo.address)).listen);
    const down = await proxyTo(echo.address, [{ type: 'latency', attributes: { latency: 100 } }]);
    expect(Math.abs((await medianRtt(down.listen)) - base - 100)).toBeLessThanOrEqual(10);
    const both = await proxyTo(echo.address, [
      { type: 'latency', stream: 'upstream', attributes: { latency: 50 } },
      { type: 'latency', stream: 'downstream', attributes: { latency: 30 } },
    ]);
    expect(Math.abs((await medianRtt(both.listen)) - base - 80)).toBeLessThanOrEqual(10);
  });

  it('stacked latency toxics in one direction add up (2 × 40 ms ≈ 80 ms)', async () => {
    const base = await medianRtt((await proxyTo(echo.address)).listen);
    const p = await proxyTo(echo.address, [
      { name: 'l1', type: 'latency', attributes: { latency: 40 } },
      { name: 'l2', type: 'latency', attributes: { latency: 40 } },
    ]);
    expect(Math.abs((await medianRtt(p.listen)) - base - 80)).toBeLessThanOrEqual(10);
  });

  it('jitter spreads delays within [latency − jitter, latency + jitter)', async () => {
    const p = await proxyTo(echo.address, [{ type: 'latency', attributes: { latency: 60, jitter: 40 } }]);
    const xs: number[] = [];
    for (let i = 0; i < 12; i++) xs.push(await roundTrip(p.listen));
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(20 - 2);
    expect(Math.max(...xs)).toBeLessThan(100 + 10);
    expect(Math.max(...xs) - Math.min(...xs)).toBeGreaterThan(10); // not a constant delay
  });

  it('upstream latency does not delay what the server sends first; downstream does', async () => {
    const hello = await sender(Buffer.from('hello'), false);
    const firstByte = async (toxic: object) => {
      const p = await proxyTo(hello.address, [toxic]);
      const t0 = performance.now();
      const r = await collect(await connect(p.listen), 150, t0);
      return r.events[0]?.t ?? Infinity;
    };
    expect(
      await firstByte({ type: 'latency', stream: 'upstream', attributes: { latency: 100 } }),
    ).toBeLessThan(60);
    const down = await firstByte({ type: 'latency', stream: 'downstream', attributes: { latency: 100 } });
    expect(down).toBeGreaterThanOrEqual(95);
    await hello.close();
  });

  it('a toxic added to an open connection applies to it; removing it forwards at once', async () => {
    const p = await proxyTo(echo.address);
    const s = await connect(p.listen);
    const rtt = () =>
      new Promise<number>((resolve) => {
        const t0 = performance.now();
        s.once('data', () => resolve(performance.now() - t0));
        s.write('x');
      });
    expect(await rtt()).toBeLessThan(40);
    const t = await p.addToxic({ type: 'latency', attributes: { latency: 80 } } as never);
    expect(await rtt()).toBeGreaterThanOrEqual(75);
    await t.remove();
    expect(await rtt()).toBeLessThan(40);
    s.destroy();
  });
});

describe('bandwidth', () => {
  it('limits the rate to `rate` KB/s (1 KB = 1000 bytes) within 10 %', async () => {
    const data = Buffer.alloc(60_000, 7);
    const src = await sender(data);
    const p = await proxyTo(src.address, [{ type: 'bandwidth', attributes: { rate: 100 } }]);
    const t0 = performance.now();
    const r = await collect(await connect(p.listen), 3000, t0);
    expect(r.bytes.length).toBe(60_000);
    const first = r.events[0].t;
    const last = r.events[r.events.length - 1].t;
    // 60 000 bytes at 100 000 B/s = 600 ms; measured from the first byte to the last.
    const rate = (60_000 - r.events[0].n) / ((last - first) / 1000);
    expect(Math.abs(rate - 100_000) / 100_000).toBeLessThanOrEqual(0.1);
    await src.close();
  });

  it('rate 0 lets nothing through', async () => {
    const src = await sender(Buffer.from('stuck'), false);
    const p = await proxyTo(src.address, [{ type: 'bandwidth', attributes: { rate: 0 } }]);
    const r = await collect(await connect(p.listen), 300);
    expect([r.bytes.length, r.how]).toEqual([0, 'timeout']);
    await src.close();
  });
});

describe('timeout, reset_peer, slow_close, limit_data, slicer', () => {
  it('timeout drops the data and closes the connection after `timeout` ms', async () => {
    const p = await proxyTo(echo.address, [
      { type: 'timeout', stream: 'upstream', attributes: { timeout: 200 } },
    ]);
    const s = await connect(p.listen);
    const t0 = performance.now();
    s.write('lost');
    const r = await collect(s, 2000, t0);
    expect(r.bytes.length).toBe(0);
    expect(r.how).toBe('end');
    expect(r.endedAt).toBeGreaterThanOrEqual(190);
    expect(r.endedAt).toBeLessThan(400);
  });

  it('timeout 0 holds the connection open and silent; removing the toxic closes it', async () => {
    const p = await proxyTo(echo.address, [{ type: 'timeout', attributes: { timeout: 0 } }]);
    const s = await connect(p.listen);
    const pending = collect(s, 2000);
    s.write('x');
    await sleep(200);
    const t = await p.getToxic('timeout_downstream');
    await t.remove();
    const r = await pending;
    expect([r.bytes.length, r.how]).toEqual([0, 'end']);
    expect(r.endedAt).toBeLessThan(1000);
  });

  it('reset_peer present at accept: the first chunk is dropped and the client gets ECONNRESET after `timeout`', async () => {
    const p = await proxyTo(echo.address, [
      { type: 'reset_peer', stream: 'upstream', attributes: { timeout: 100 } },
    ]);
    const s = await connect(p.listen);
    const t0 = performance.now();
    s.write('boom');
    const r = await collect(s, 2000, t0);
    expect(r.how).toBe('reset');
    expect(r.bytes.length).toBe(0);
    expect(r.endedAt).toBeGreaterThanOrEqual(95);
    expect(r.endedAt).toBeLessThan(400);
  });

  it('slow_close delays the close by `delay` ms, the data is not delayed', async () => {
    const src = await sender(Buffer.from('bye'));
    const p = await proxyTo(src.address, [{ type: 'slow_close', attributes: { delay: 200 } }]);
    const t0 = performance.now();
    const r = await collect(await connect(p.listen), 2000, t0);
    expect(r.bytes.toString()).toBe('bye');
    expect(r.events[0].t).toBeLessThan(100);
    expect(r.endedAt).toBeGreaterThanOrEqual(195);
    await src.close();
  });

  it('limit_data passes exactly `bytes` bytes, then closes', async () => {
    const src = await sender(Buffer.alloc(100, 65), false);
    const p = await proxyTo(src.address, [{ type: 'limit_data', attributes: { bytes: 10 } }]);
    const r = await collect(await connect(p.listen), 2000);
    expect([r.bytes.length, r.how]).toEqual([10, 'end']);
    await src.close();
  });

  it('slicer cuts a chunk into pieces of about average_size, in order, nothing lost', async () => {
    const data = Buffer.from(Array.from({ length: 100 }, (_, i) => i));
    const src = await sender(data);
    const p = await proxyTo(src.address, [
      { type: 'slicer', attributes: { average_size: 10, size_variation: 0, delay: 5000 } },
    ]);
    const r = await collect(await connect(p.listen), 3000);
    expect(r.bytes.equals(data)).toBe(true);
    // 100 bytes halve into 16 pieces of 6–7 bytes, 5 ms apart: the reads see them separately.
    expect(r.events.length).toBeGreaterThanOrEqual(10);
    expect(Math.max(...r.events.map((e) => e.n))).toBeLessThanOrEqual(13);
    await src.close();
  });
});

describe('toxicity and disabled proxies', () => {
  it('toxicity is per connection: 0 never applies, 1 always, 0.5 some of 30 connections', async () => {
    const delayed = async (toxicity: number, k: number) => {
      const p = await proxyTo(echo.address, [{ type: 'latency', toxicity, attributes: { latency: 60 } }]);
      let hit = 0;
      for (let i = 0; i < k; i++) if ((await roundTrip(p.listen)) >= 55) hit++;
      return hit;
    };
    expect(await delayed(0, 6)).toBe(0);
    expect(await delayed(1, 6)).toBe(6);
    const half = await delayed(0.5, 30);
    expect(half).toBeGreaterThanOrEqual(5);
    expect(half).toBeLessThanOrEqual(25);
  });

  it('a disabled proxy refuses connections and closes the open ones', async () => {
    const p = await proxyTo(echo.address);
    const s = await connect(p.listen);
    const r = collect(s, 2000);
    await p.update({ enabled: false } as never);
    expect((await r).how).toMatch(/end|reset/);
    await expect(connect(p.listen)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
  });

  it('an upstream that refuses: the client connects, then sees EOF', async () => {
    const dead = await listen(() => undefined);
    const addr = dead.address;
    await dead.close();
    const p = await proxyTo(addr);
    const r = await collect(await connect(p.listen), 2000);
    expect([r.bytes.length, r.how]).toEqual([0, 'end']);
  });
});
