/** The static server behind `meshdojo serve` / `npm start`: 127.0.0.1, a path prefix, no escapes. */
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parsePort, startStaticServer, type StaticServer } from '../../simulator/cli/serve.ts';

describe('startStaticServer', () => {
  let s: StaticServer;
  beforeAll(async () => {
    const root = mkdtempSync(join(tmpdir(), 'meshdojo-serve-'));
    mkdirSync(join(root, 'assets'));
    writeFileSync(join(root, 'index.html'), '<!doctype html><title>ui</title>');
    writeFileSync(join(root, 'assets', 'app.js'), 'export {};');
    writeFileSync(join(root, '..', 'secret.txt'), 'no');
    s = await startStaticServer(root, { prefix: '/class/7' });
  });
  afterAll(() => s.close());

  it('binds 127.0.0.1 and serves under the prefix with content types', async () => {
    expect(s.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/class\/7\/$/);
    const index = await fetch(s.url);
    expect(index.headers.get('content-type')).toContain('text/html');
    expect(await index.text()).toContain('<title>ui</title>');
    const js = await fetch(`${s.url}assets/app.js`);
    expect(js.headers.get('content-type')).toContain('text/javascript');
  });

  it('redirects the bare prefix, 404s outside it and refuses to leave the folder', async () => {
    const bare = await fetch(`http://127.0.0.1:${s.port}/class/7`, { redirect: 'manual' });
    expect(bare.status).toBe(301);
    expect((await fetch(`http://127.0.0.1:${s.port}/index.html`)).status).toBe(404);
    expect((await fetch(`${s.url}nope.js`)).status).toBe(404);
    const up = await fetch(`${s.url}%2e%2e/secret.txt`);
    expect([403, 404]).toContain(up.status);
    expect(await up.text()).not.toBe('no');
  });

  it('--port is checked', () => {
    expect(parsePort('8080')).toBe(8080);
    expect(() => parsePort('http')).toThrow(/--port: expected 0\.\.65535, got http/);
    expect(() => parsePort('70000')).toThrow(/--port/);
  });
});
