/**
 * Entry of a stub service process: `node --import tsx simulator/live/stub/main.ts <config.json>`.
 * Prints `listening 127.0.0.1:<port>` once it serves; exits on SIGTERM/SIGINT after writing its
 * last records, and on its own when the process that started it is gone (nothing is left behind).
 */
import { readFileSync } from 'node:fs';
import type { StubConfig } from './config.ts';
import { RecordLog } from './log.ts';
import { startStub } from './server.ts';

async function main(): Promise<void> {
  const path = process.argv[2];
  if (!path) throw new Error('usage: stub/main.ts <config.json>');
  const cfg = JSON.parse(readFileSync(path, 'utf8')) as StubConfig;
  if (cfg.startDelayMs) await new Promise((r) => setTimeout(r, cfg.startDelayMs));
  const log = new RecordLog(cfg.log);
  const stub = await startStub(cfg, (r) => log.write(r));
  process.stdout.write(`listening 127.0.0.1:${stub.port}\n`);
  let stopping = false;
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    log.close();
    void stub.close().then(() => process.exit(0));
    setTimeout(() => process.exit(0), 2000).unref();
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  const parent = Number(process.env.MESHDOJO_PARENT_PID ?? process.ppid);
  setInterval(() => {
    try {
      process.kill(parent, 0);
    } catch {
      stop();
    }
  }, 1000).unref();
}

main().catch((err: unknown) => {
  process.stderr.write(`stub: ${(err as Error).message}\n`);
  process.exit(1);
});
