/**
 * The sidecar program: `node --import tsx simulator/live/sidecar/main.ts <config.json>`. Prints
 * `ready` once its three listeners are bound; on SIGTERM or SIGINT it drains (in-flight requests
 * finish), flushes its access log and exits 0. A bad configuration is one line on stderr naming
 * the file and the field, exit 2.
 */
import { ConfigError, readConfig } from './config.ts';
import { Sidecar } from './sidecar.ts';

async function main(): Promise<void> {
  const path = process.argv[2];
  if (!path) throw new ConfigError('usage: sidecar/main.ts <config.json>');
  const sidecar = new Sidecar(readConfig(path));
  await sidecar.start();
  let stopping = false;
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    sidecar.stop().then(
      () => process.exit(0),
      (e: unknown) => {
        process.stderr.write(`sidecar: ${(e as Error).message}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  process.stdout.write('ready\n');
}

main().catch((e: unknown) => {
  const err = e as Error & { code?: string };
  const msg =
    e instanceof ConfigError
      ? err.message
      : err.code === 'EADDRINUSE'
        ? `port in use: ${err.message}`
        : err.message;
  process.stderr.write(`sidecar: ${msg}\n`);
  process.exit(2);
});
