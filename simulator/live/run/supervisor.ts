/**
 * The process behind `meshdojo live up`: runs one LiveRun that keeps its topology up after the
 * load, and a control server on 127.0.0.1 for `live status` / `live down` and for `meshdojo
 * serve`'s stream. `node --import tsx simulator/live/run/supervisor.ts <scenario.json> <state.json>`.
 *
 *   GET  /status   JSON: lifecycle state, instances and their addresses, intervals closed so far
 *   GET  /stream   Server-Sent Events: `event: frame` (IntervalFrame) per closed interval, `event: event` (RunEvent)
 *   POST /down     drain, stop every unit, exit
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { IntervalFrame } from '../../telemetry/interval.ts';
import type { RunEvent } from '../../telemetry/types.ts';
import { ProcessBackend } from '../backend/process.ts';
import { LiveRun } from './orchestrator.ts';
import { decodeScenario, type LiveState } from './live-state.ts';

function writeState(path: string, st: LiveState): void {
  const tmp = `${path}.tmp`;
  writeFileSync(tmp, JSON.stringify(st, null, 2));
  renameSync(tmp, path);
}

async function main(): Promise<void> {
  const [scenarioPath, statePath] = process.argv.slice(2);
  const scenario = decodeScenario(readFileSync(scenarioPath, 'utf8'));
  const clients = new Set<http.ServerResponse>();
  const frames: IntervalFrame[] = [];
  const sse = (event: string, data: unknown): void => {
    const text = `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
    for (const c of clients) c.write(text);
  };
  const run = new LiveRun({
    scenario,
    backend: new ProcessBackend(),
    workDir: join(dirname(statePath), 'run'),
    keepRunning: true,
    note: (l) => process.stderr.write(`${l}\n`),
    onFrame: (f) => {
      if (frames.length < 100_000) frames.push(f);
      sse('frame', f);
    },
    onEvent: (e: RunEvent) => sse('event', e),
  });
  const entry = scenario.load?.entry ?? scenario.topology.entry;
  const state = (): LiveState => ({
    pid: process.pid,
    controlPort: port,
    startedAt,
    scenario: scenario.name,
    state: run.state,
    durationMs: run.durationMs,
    instances: run.describe().instances,
    entry: { ...entry, addresses: run.addresses(entry.service) },
  });
  const server = http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method === 'GET' && path === '/status') {
      res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ ...state(), intervals: frames.length }));
    } else if (req.method === 'GET' && path === '/stream') {
      res.writeHead(200, {
        'content-type': 'text/event-stream',
        'cache-control': 'no-cache',
        connection: 'keep-alive',
      });
      res.write(': meshdojo live stream\n\n');
      for (const f of frames) res.write(`event: frame\ndata: ${JSON.stringify(f)}\n\n`);
      clients.add(res);
      req.on('close', () => clients.delete(res));
    } else if (req.method === 'POST' && path === '/down') {
      res.writeHead(202, { 'content-type': 'text/plain' }).end('stopping\n');
      run.stop();
    } else res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as AddressInfo).port;
  const startedAt = new Date().toISOString();
  writeState(statePath, state());
  let last = '';
  const tick = setInterval(() => {
    const s = run.state;
    if (s !== last) {
      last = s;
      writeState(statePath, state());
    }
  }, 200);
  process.on('SIGTERM', () => run.stop());
  process.on('SIGINT', () => run.stop());
  let error: string | undefined;
  try {
    await run.run();
  } catch (err) {
    error = (err as Error).message;
    process.stderr.write(`live up: ${error}\n`);
  }
  clearInterval(tick);
  writeState(statePath, { ...state(), ...(error ? { error } : {}) });
  for (const c of clients) c.end();
  server.closeAllConnections();
  server.close();
  process.exit(error ? 1 : 0);
}

main().catch((err: unknown) => {
  process.stderr.write(`live up supervisor: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(3);
});
