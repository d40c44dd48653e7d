/**
 * `meshdojo serve [--port N]` (and `npm start`): build the web UI with Vite and serve the static
 * folder on 127.0.0.1. The UI needs no backend (the simulator runs in a Web Worker); the server
 * only hands out files, under any path prefix (a workshop host's sub-path).
 */
import { createReadStream, statSync } from 'node:fs';
import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { UsageError } from './errors.ts';
import { readLiveState } from './live-up.ts';
import { LIVE_STREAM_PATH } from '../telemetry/live-stream-protocol.ts';

export const UI_ROOT = fileURLToPath(new URL('../../ui/', import.meta.url));

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.map': 'application/json',
  '.yaml': 'application/yaml',
};

/** Build the UI into `outDir` (default ui/dist). Returns the folder. */
export async function buildUi(outDir = join(UI_ROOT, 'dist'), quiet = false): Promise<string> {
  const { build } = await import('vite');
  await build({
    configFile: join(UI_ROOT, 'vite.config.ts'),
    root: UI_ROOT,
    logLevel: quiet ? 'error' : 'info',
    build: { outDir, emptyOutDir: true },
  });
  return outDir;
}

export interface StaticServer {
  server: Server;
  url: string;
  port: number;
  close(): Promise<void>;
}

/**
 * Serve `root` on 127.0.0.1 under `prefix` (e.g. `/workshop/meshdojo/`); `port` 0 picks a free
 * one. Paths outside the folder are refused; `…/` serves index.html.
 */
export function startStaticServer(
  root: string,
  opts: { port?: number; prefix?: string } = {},
): Promise<StaticServer> {
  const prefix = (opts.prefix ?? '/').replace(/\/?$/, '/');
  const base = resolve(root);
  const server = createServer((req, res) => {
    const path = decodeURIComponent((req.url ?? '/').split('?')[0]);
    if (path === LIVE_STREAM_PATH || path === `${prefix}${LIVE_STREAM_PATH.slice(1)}`) {
      liveStream(req, res);
      return;
    }
    if (path === prefix.slice(0, -1)) {
      res.writeHead(301, { location: prefix }).end();
      return;
    }
    if (!path.startsWith(prefix) || (req.method !== 'GET' && req.method !== 'HEAD')) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      return;
    }
    let file = normalize(join(base, path.slice(prefix.length)));
    if (file !== base && !file.startsWith(base + sep)) {
      res.writeHead(403).end();
      return;
    }
    try {
      if (statSync(file).isDirectory()) file = join(file, 'index.html');
      statSync(file);
    } catch {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      return;
    }
    res.writeHead(200, {
      'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
      'cache-control': 'no-cache',
    });
    if (req.method === 'HEAD') res.end();
    else createReadStream(file).pipe(res);
  });
  return new Promise((ok, fail) => {
    server.once('error', (e: NodeJS.ErrnoException) =>
      fail(e.code === 'EADDRINUSE' ? new UsageError(`--port ${opts.port}: the port is in use`) : e),
    );
    server.listen(opts.port ?? 0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      ok({
        server,
        port,
        url: `http://127.0.0.1:${port}${prefix}`,
        close: () => new Promise((done) => server.close(() => done())),
      });
    });
  });
}

/** Server-Sent Events of the topology `meshdojo live up` keeps running (IntervalFrame and RunEvent). */
export { LIVE_STREAM_PATH };

/**
 * `GET /api/live/stream`: relays the live-up supervisor's stream (telemetry/live-stream-protocol.ts:
 * `event: frame` with an IntervalFrame per closed interval, `event: event` per RunEvent), passing on
 * a reconnecting reader's Last-Event-ID; 404 with a JSON reason when no live topology is running.
 * The supervisor is found through `.meshdojo/live/state.json`.
 */
function liveStream(req: IncomingMessage, res: ServerResponse): void {
  const st = readLiveState();
  const gone = (why: string): void => {
    res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ error: why }) + '\n');
  };
  if (!st) return gone('no live topology is running (start one with `meshdojo live up FILE…`)');
  const up = request(
    {
      host: '127.0.0.1',
      port: st.controlPort,
      path: '/stream',
      method: 'GET',
      agent: false,
      headers: req.headers['last-event-id'] ? { 'last-event-id': req.headers['last-event-id'] } : {},
    },
    (u) => {
      res.writeHead(u.statusCode ?? 502, {
        'content-type': 'text/event-stream',
        'cache-control': 'no-cache',
        connection: 'keep-alive',
      });
      u.pipe(res);
    },
  );
  up.on('error', () =>
    gone(`the live topology ${st.scenario} is not answering (its supervisor, pid ${st.pid}, is gone?)`),
  );
  req.on('close', () => up.destroy());
  up.end();
}

export function parsePort(text: string): number {
  const n = Number(text);
  if (!/^\d+$/.test(text.trim()) || n > 65535) throw new UsageError(`--port: expected 0..65535, got ${text}`);
  return n;
}

/** The command: build, serve, print the URL, run until interrupted. */
export async function serveCommand(opts: { port?: string; build?: boolean }): Promise<number> {
  const port = opts.port === undefined ? 5173 : parsePort(opts.port);
  const dist = opts.build === false ? join(UI_ROOT, 'dist') : await buildUi(undefined, true);
  const s = await startStaticServer(dist, { port });
  process.stdout.write(
    `meshdojo UI: ${s.url}\n(static site; the simulator runs in your browser — Ctrl+C to stop)\n`,
  );
  await new Promise<void>((done) => {
    const stop = (): void => void s.close().then(done);
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  return 0;
}
