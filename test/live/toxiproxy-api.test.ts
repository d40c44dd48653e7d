/**
 * Conformance of the fault proxy's HTTP API with Toxiproxy 2.12 (api.go, api_test.go and the
 * README of Shopify/toxiproxy), driven by toxiproxy-node-client and by raw HTTP. With
 * TOXIPROXY_URL set it runs against that server instead; checks of meshdojo's deliberate
 * differences are then skipped.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openFaultProxy, type FaultProxyClient } from '../../simulator/live/toxiproxy/client.ts';
import { connect, echoServer, type Peer } from './tcp.ts';

let fp: FaultProxyClient;
let echo: Peer;

async function raw(method: string, path: string, body?: string, headers: Record<string, string> = {}) {
  const res = await fetch(fp.url + path, { method, body, headers });
  return {
    status: res.status,
    type: res.headers.get('content-type'),
    text: await res.text(),
    headers: res.headers,
  };
}

beforeAll(async () => {
  fp = await openFaultProxy();
  echo = await echoServer();
});
afterAll(async () => {
  for (const name of Object.keys(await fp.toxiproxy.getAll())) await raw('DELETE', `/proxies/${name}`);
  await fp.close();
  await echo.close();
});

describe('version and routing', () => {
  it('GET /version answers {"version": "2.x"} as raw text through the client', async () => {
    const text = await fp.toxiproxy.getVersion();
    expect(JSON.parse(text).version).toMatch(/^2\.\d+\.\d+/);
    const r = await raw('GET', '/version');
    expect(r.type).toBe('application/json;charset=utf-8');
    expect(r.text.endsWith('\n')).toBe(true);
  });
  it('unknown path → 404 text "404 page not found"; wrong method → 405 empty', async () => {
    const r = await raw('GET', '/nope');
    expect([r.status, r.text]).toEqual([404, '404 page not found\n']);
    const m = await raw('PUT', '/proxies');
    expect([m.status, m.text]).toEqual([405, '']);
  });
  it('a browser User-Agent gets 403 "User agent not allowed"', async () => {
    const r = await raw('GET', '/proxies', undefined, { 'User-Agent': 'Mozilla/5.0 (X11)' });
    expect([r.status, r.text]).toEqual([403, 'User agent not allowed\n']);
  });
  it('matched routes carry X-Toxiproxy-Request-Id (20 chars)', async () => {
    const r = await raw('GET', '/proxies');
    expect(r.headers.get('x-toxiproxy-request-id')).toMatch(/^[0-9a-v]{20}$/);
  });
});

describe('proxies', () => {
  it('create (201, listen becomes the bound address), get, list, delete (204)', async () => {
    const r = await raw(
      'POST',
      '/proxies',
      JSON.stringify({ name: 'api_a', listen: '127.0.0.1:0', upstream: echo.address }),
    );
    expect(r.status).toBe(201);
    const p = JSON.parse(r.text);
    expect(Object.keys(p).filter((k) => k !== 'Logger')).toEqual([
      'name',
      'listen',
      'upstream',
      'enabled',
      'toxics',
    ]);
    expect(p).toMatchObject({ name: 'api_a', upstream: echo.address, enabled: true, toxics: [] });
    expect(p.listen).toMatch(/^127\.0\.0\.1:[1-9]\d*$/);
    const got = await fp.toxiproxy.get('api_a');
    expect(got.listen).toBe(p.listen);
    const all = await fp.toxiproxy.getAll();
    expect(Object.keys(all)).toContain('api_a');
    await got.remove();
    const gone = await raw('GET', '/proxies/api_a');
    expect(gone.status).toBe(404);
  });

  it('errors: 400 missing name / upstream / bad body, 409 duplicate, 404 unknown — Toxiproxy bodies', async () => {
    const cases: [string, string, string, number, string][] = [
      ['POST', '/proxies', JSON.stringify({ upstream: echo.address }), 400, 'missing required field: name'],
      ['POST', '/proxies', JSON.stringify({ name: 'x' }), 400, 'missing required field: upstream'],
      ['GET', '/proxies/none', '', 404, 'proxy not found'],
      ['DELETE', '/proxies/none', '', 404, 'proxy not found'],
      ['POST', '/proxies/none/toxics', '{}', 404, 'proxy not found'],
    ];
    for (const [method, path, body, status, error] of cases) {
      const r = await raw(method, path, body || undefined);
      expect(r.status, `${method} ${path}`).toBe(status);
      expect(r.text).toBe(JSON.stringify({ error, status }) + '\n');
      expect(r.type).toBe('text/plain; charset=utf-8');
    }
    const bad = await raw('POST', '/proxies', '{"name": ');
    expect(bad.status).toBe(400);
    expect(JSON.parse(bad.text).error).toMatch(/^bad request body: /);
    const typed = await raw('POST', '/proxies', JSON.stringify({ name: 5, upstream: 'x:1' }));
    expect(JSON.parse(typed.text)).toEqual({
      error: 'bad request body: json: cannot unmarshal number into Go struct field Proxy.name of type string',
      status: 400,
    });
    await fp.toxiproxy.createProxy({ name: 'api_dup', listen: '127.0.0.1:0', upstream: echo.address });
    await expect(
      fp.toxiproxy.createProxy({ name: 'api_dup', listen: '127.0.0.1:0', upstream: echo.address }),
    ).rejects.toThrow('Request failed with status code 409');
    const dup = await raw('POST', '/proxies', JSON.stringify({ name: 'api_dup', upstream: echo.address }));
    expect(dup.text).toBe('{"error":"proxy already exists","status":409}\n');
    await (await fp.toxiproxy.get('api_dup')).remove();
  });

  it('a listen address already bound → 500 and nothing is created', async () => {
    const p = await fp.toxiproxy.createProxy({
      name: 'api_bind',
      listen: '127.0.0.1:0',
      upstream: echo.address,
    });
    const r = await raw(
      'POST',
      '/proxies',
      JSON.stringify({ name: 'api_bind2', listen: p.listen, upstream: echo.address }),
    );
    expect(r.status).toBe(500);
    expect(JSON.parse(r.text).error).toBe(`listen tcp ${p.listen}: bind: address already in use`);
    expect((await raw('GET', '/proxies/api_bind2')).status).toBe(404);
    await p.remove();
  });

  it('update {enabled:false} refuses connections, {enabled:true} accepts again, toxics kept', async () => {
    const p = await fp.toxiproxy.createProxy({
      name: 'api_toggle',
      listen: '127.0.0.1:0',
      upstream: echo.address,
    });
    await p.addToxic({ type: 'latency', attributes: { latency: 1 } } as never);
    const off = await p.update({ enabled: false } as never);
    expect(off.enabled).toBe(false);
    await expect(connect(p.listen)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    const on = await raw('PATCH', '/proxies/api_toggle', JSON.stringify({ enabled: true }));
    expect(on.status).toBe(200);
    const body = JSON.parse(on.text);
    expect(body.enabled).toBe(true);
    expect(body.toxics.map((t: { name: string }) => t.name)).toEqual(['latency_downstream']);
    (await connect(body.listen)).destroy();
    // A new upstream is accepted unresolved and echoed.
    const moved = await p.update({ enabled: true, listen: body.listen, upstream: 'somehost:12345' });
    expect([moved.upstream, moved.enabled]).toEqual(['somehost:12345', true]);
    await p.remove();
  });

  it('a disabled proxy keeps its listen verbatim until started', async () => {
    const r = await raw(
      'POST',
      '/proxies',
      JSON.stringify({ name: 'api_off', listen: 'localhost:0', upstream: echo.address, enabled: false }),
    );
    expect(r.status).toBe(201);
    expect(JSON.parse(r.text)).toMatchObject({ listen: 'localhost:0', enabled: false });
    await raw('DELETE', '/proxies/api_off');
  });

  it('populate creates in order, keeps an identical proxy (and its toxics), replaces a changed one', async () => {
    const made = await fp.toxiproxy.populate([
      { name: 'pop_a', listen: '127.0.0.1:0', upstream: echo.address },
      { name: 'pop_b', listen: '127.0.0.1:0', upstream: echo.address },
    ]);
    expect(Object.keys(made)).toEqual(['pop_a', 'pop_b']);
    const a = made.pop_a;
    await a.addToxic({ type: 'latency', attributes: { latency: 5 } } as never);
    const r = await raw(
      'POST',
      '/populate',
      JSON.stringify([
        { name: 'pop_a', listen: a.listen, upstream: echo.address },
        { name: 'pop_b', listen: '127.0.0.1:0', upstream: 'localhost:1' },
      ]),
    );
    expect(r.status).toBe(201);
    const { proxies } = JSON.parse(r.text);
    expect(proxies.map((p: { name: string }) => p.name)).toEqual(['pop_a', 'pop_b']);
    expect(proxies[0].toxics).toHaveLength(1);
    expect(proxies[1]).toMatchObject({ upstream: 'localhost:1', toxics: [] });
    const missing = await raw(
      'POST',
      '/populate',
      JSON.stringify([{ name: 'ok', upstream: 'x:1' }, { name: 'bad' }]),
    );
    expect(missing.status).toBe(400);
    expect(JSON.parse(missing.text)).toEqual({
      error: 'missing required field: upstream at proxy 2',
      status: 400,
      proxies: null,
    });
    expect((await raw('GET', '/proxies/ok')).status).toBe(404);
    const notArray = await raw('POST', '/populate', '{}');
    expect(notArray.status).toBe(400);
    expect(JSON.parse(notArray.text).error).toMatch(/^bad request body: json: cannot unmarshal object/);
    for (const n of ['pop_a', 'pop_b']) await raw('DELETE', `/proxies/${n}`);
  });

  it.runIf(!process.env.TOXIPROXY_URL)(
    'an empty populate answers {"proxies":[]} (the client iterates it)',
    async () => {
      expect(await fp.toxiproxy.populate([])).toEqual({});
      expect((await raw('POST', '/populate', '[]')).text).toBe('{"proxies":[]}');
    },
  );

  it('reset re-enables every proxy and removes every toxic (204)', async () => {
    const p = await fp.toxiproxy.createProxy({
      name: 'api_reset',
      listen: '127.0.0.1:0',
      upstream: echo.address,
    });
    await p.addToxic({ type: 'latency', stream: 'upstream', attributes: { latency: 5 } } as never);
    await p.addToxic({ type: 'bandwidth', attributes: { rate: 10 } } as never);
    await p.update({ enabled: false } as never);
    const r = await raw('POST', '/reset');
    expect([r.status, r.text]).toEqual([204, '']);
    await fp.toxiproxy.reset();
    const after = JSON.parse((await raw('GET', '/proxies/api_reset')).text);
    expect(after).toMatchObject({ enabled: true, toxics: [] });
    await p.remove();
  });
});

describe('toxics', () => {
  it('create (200, default name <type>_<stream>, toxicity 1, every attribute), list, get, update, delete', async () => {
    const p = await fp.toxiproxy.createProxy({
      name: 'tox_crud',
      listen: '127.0.0.1:0',
      upstream: echo.address,
    });
    const t = await p.addToxic({ type: 'latency', attributes: { latency: 100 } } as never);
    expect([t.name, t.stream, t.toxicity]).toEqual(['latency_downstream', 'downstream', 1]);
    expect(t.attributes).toEqual({ latency: 100, jitter: 0 });
    const r = await raw(
      'POST',
      '/proxies/tox_crud/toxics',
      JSON.stringify({ type: 'slicer', stream: 'UPSTREAM', toxicity: 0.2 }),
    );
    expect(r.status).toBe(200);
    expect(r.text).toBe(
      '{"attributes":{"average_size":0,"size_variation":0,"delay":0},"name":"slicer_UPSTREAM","type":"slicer","stream":"UPSTREAM","toxicity":0.2}',
    );
    // Listed upstream chain first, then downstream, each in insertion order.
    expect((await fp.listToxics('tox_crud')).map((x) => x.name)).toEqual([
      'slicer_UPSTREAM',
      'latency_downstream',
    ]);
    const got = await p.getToxic<{ latency: number }>('latency_downstream');
    expect(got.attributes.latency).toBe(100);
    // Update merges attributes over the current ones; name/type/stream in the body are ignored.
    const u = await raw(
      'PATCH',
      '/proxies/tox_crud/toxics/latency_downstream',
      JSON.stringify({ attributes: { jitter: 7 }, type: 'timeout', stream: 'upstream' }),
    );
    expect(JSON.parse(u.text)).toEqual({
      attributes: { latency: 100, jitter: 7 },
      name: 'latency_downstream',
      type: 'latency',
      stream: 'downstream',
      toxicity: 1,
    });
    const viaClient = await got.update({ attributes: { latency: 50 } } as never);
    expect(viaClient.attributes).toEqual({ latency: 50, jitter: 7 });
    await viaClient.remove();
    await expect(p.getToxic('latency_downstream')).rejects.toThrow('Request failed with status code 404');
    await p.remove();
  });

  it('errors with Toxiproxy bodies: invalid stream, invalid type, duplicate (any stream), not found, bad attributes', async () => {
    const p = await fp.toxiproxy.createProxy({
      name: 'tox_err',
      listen: '127.0.0.1:0',
      upstream: echo.address,
    });
    const post = (body: unknown) => raw('POST', '/proxies/tox_err/toxics', JSON.stringify(body));
    const expectErr = async (r: Promise<{ status: number; text: string }>, status: number, error: string) => {
      const x = await r;
      expect(x.status).toBe(status);
      expect(x.text).toBe(JSON.stringify({ error, status }) + '\n');
    };
    await expectErr(
      post({ type: 'latency', stream: 'sideways' }),
      400,
      'stream was invalid, can be either upstream or downstream',
    );
    await expectErr(
      post({ type: 'latency', stream: '' }),
      400,
      'stream was invalid, can be either upstream or downstream',
    );
    await expectErr(post({ type: 'down' }), 400, 'invalid toxic type');
    await post({ name: 'same', type: 'latency', stream: 'upstream' });
    await expectErr(
      post({ name: 'same', type: 'timeout', stream: 'downstream' }),
      409,
      'toxic already exists',
    );
    await expectErr(raw('GET', '/proxies/tox_err/toxics/none'), 404, 'toxic not found');
    await expectErr(raw('DELETE', '/proxies/tox_err/toxics/none'), 404, 'toxic not found');
    await expectErr(raw('PATCH', '/proxies/tox_err/toxics/none', '{}'), 404, 'toxic not found');
    await expectErr(
      post({ type: 'bandwidth', attributes: { rate: 'fast' } }),
      400,
      'bad request body: json: cannot unmarshal string into Go struct field BandwidthToxic.attributes.rate of type int64',
    );
    await expect(p.addToxic({ name: 'same', type: 'latency' } as never)).rejects.toThrow('status code 409');
    await p.remove();
  });

  it('every type round-trips its attributes', async () => {
    const p = await fp.toxiproxy.createProxy({
      name: 'tox_types',
      listen: '127.0.0.1:0',
      upstream: echo.address,
    });
    const types: Record<string, Record<string, number>> = {
      latency: { latency: 10, jitter: 2 },
      bandwidth: { rate: 100 },
      slow_close: { delay: 10 },
      timeout: { timeout: 10 },
      reset_peer: { timeout: 10 },
      slicer: { average_size: 10, size_variation: 10, delay: 5 },
      limit_data: { bytes: 10 },
      noop: {},
    };
    for (const [type, attributes] of Object.entries(types)) {
      const t = await p.addToxic({ type, stream: 'upstream', attributes } as never);
      expect(t.attributes, type).toEqual(attributes);
    }
    await p.remove();
  });
});
