/** `meshdojo toxiproxy`: serve the fault proxy's Toxiproxy API until interrupted. */
import type { Command } from 'commander';
import { UsageError } from '../../cli/errors.ts';
import { isLoopback } from './address.ts';
import { startFaultProxyServer } from './server.ts';

export function registerToxiproxyCommand(program: Command): void {
  program
    .command('toxiproxy')
    .description("serve a fault proxy with Toxiproxy's HTTP API (loopback only) until Ctrl-C")
    .option('--host <host>', 'API address (loopback)', '127.0.0.1')
    .option('--port <n>', 'API port', '8474')
    .option('--seed <n>', 'seed of toxicity rolls, jitter and slicer splits', '1')
    .action(async (opts: { host: string; port: string; seed: string }) => {
      const port = Number(opts.port);
      if (!/^\d+$/.test(opts.port) || port > 65535)
        throw new UsageError(`--port: expected a port number 0..65535, got '${opts.port}'`);
      if (!isLoopback(opts.host))
        throw new UsageError(
          `--host: the fault proxy binds loopback addresses only (127.0.0.1, ::1), got '${opts.host}'`,
        );
      if (!/^\d+$/.test(opts.seed))
        throw new UsageError(`--seed: expected a non-negative integer, got '${opts.seed}'`);
      let server;
      try {
        server = await startFaultProxyServer({ host: opts.host, port, seed: Number(opts.seed) });
      } catch (err) {
        const e = err as NodeJS.ErrnoException;
        if (e.code === 'EADDRINUSE')
          throw new UsageError(`--port ${port}: address already in use on ${opts.host}`);
        throw err;
      }
      process.stderr.write(`fault proxy (Toxiproxy API) listening on ${server.url}\n`);
      await new Promise<void>((resolve) => {
        const stop = () => resolve();
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
      await server.close();
    });
}
