/**
 * The fault proxy server: Toxiproxy's HTTP API on a loopback address, and the proxies it creates.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { SeededRng } from '../../engine/rng.ts';
import { isLoopback } from './address.ts';
import { ToxiproxyApi } from './api.ts';

export interface FaultProxyServer {
  /** `http://127.0.0.1:PORT`, for toxiproxy-node-client (no trailing slash). */
  url: string;
  port: number;
  api: ToxiproxyApi;
  close(): Promise<void>;
}

export interface FaultProxyOptions {
  host?: string;
  /** 0 = any free port. Toxiproxy's default is 8474. */
  port?: number;
  /** Seeds toxicity rolls, jitter and slicer splits (Toxiproxy's -seed). */
  seed?: number;
}

export async function startFaultProxyServer(opts: FaultProxyOptions = {}): Promise<FaultProxyServer> {
  const host = opts.host ?? '127.0.0.1';
  if (!isLoopback(host)) throw new Error(`the fault proxy binds loopback addresses only, not ${host}`);
  const api = new ToxiproxyApi(new SeededRng(`toxiproxy:${opts.seed ?? 1}`));
  const server = http.createServer(api.handle);
  // Toxiproxy's server timeouts: read 15 s, write 30 s, idle 60 s.
  server.requestTimeout = 15_000;
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 8474, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const shown = host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${shown}:${port}`,
    port,
    api,
    close: async () => {
      await api.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
