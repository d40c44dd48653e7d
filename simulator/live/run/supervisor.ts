/**
 * The process behind `meshdojo live up`: runs one LiveRun that keeps its topology up after the
 * load, and a control server on 127.0.0.1 for `live status` / `live down` and for `meshdojo
 * serve`'s stream. `node --import tsx simulator/live/run/supervisor.ts <scenario.json> <state.json>`.
 *
 *   GET  /status   JSON: lifecycle state, instances and their addresses, intervals closed so far
 *   GET  /stream   Server-Sent Events (telemetry/live-stream-protocol.ts, stream-hub.ts): `event: frame`
 *                  (IntervalFrame, id = its index) per closed interval, `event: event` (RunEvent);
 *                  a reconnecting reader resumes after its Last-Event-ID
 *   POST /down     drain, stop every unit, exit
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { RunEvent } from '../../telemetry/types.ts';
import { ProcessBackend } from '../backend/process.ts';
import { LiveRun } from './orchestrator.ts';
import { decodeScenario, type LiveState } from './live-state.ts';
import { LiveStreamHub } from './stream-hub.ts';

function writeState(path: string, st: LiveState): void {
  const tmp = `${path}.tmp`;
  writeFileSync(tmp, JSON.stringify(st, null, 2));
  renameSync(tmp, path);
}

async function main(): Promise<void> {
  const [scenarioPath, statePath] = process.argv.slice(2);
  const scenario = decodeScenario(readFileSync(scenarioPath, 'utf8'));
  const hub = new LiveStreamHub();
  const run = new LiveRun({
    scenario,
    backend: new ProcessBackend(),
    workDir: join(dirname(statePath), 'run'),
    keepRunning: true,
    note: (l) => process.stderr.write(`${l}\n`),
    onFrame: (frame) => hub.publish({ kind: 'frame', frame }),
    onEvent: (event: RunEvent) => hub.publish({ kind: 'event', event }),
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
        .end(JSON.stringify({ ...state(), intervals: hub.frameCount }));
    } else if (req.method === 'GET' && path === '/stream') hub.serve(req, res);
    else if (req.method === 'POST' && path === '/down') {
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
  hub.endAll();
  server.closeAllConnections();
  server.close();
  process.exit(error ? 1 : 0);
}

main().catch((err: unknown) => {
  process.stderr.write(`live up supervisor: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(3);
});
