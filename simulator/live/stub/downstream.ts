/**
 * How a stub reaches a destination: through its sidecar's outbound listener (`Host: <service>`,
 * the authority names the destination) or, without a mesh, straight to one of the destination's
 * ready endpoints (round-robin, as a Kubernetes Service's kube-proxy would spread connections).
 * One try per `send`: the application's timeouts and retries are the caller's (program.ts).
 */
import http from 'node:http';
import type { EndpointTable } from '../contract.ts';
import { STUB_HEADERS } from './config.ts';

export interface TryResult {
  status: number;
  /** null = success (status < 500 and no cause). */
  cause: string | null;
  degraded: boolean;
}

export interface Downstream {
  send(
    service: string,
    method: string,
    path: string,
    headers: Record<string, string>,
    timeoutMs: number | undefined,
  ): Promise<TryResult>;
  setEndpoints(table: EndpointTable): void;
  close(): void;
}

export function makeDownstream(
  mode: { mode: 'sidecar'; outbound: number } | { mode: 'direct'; endpoints: EndpointTable },
): Downstream {
  const agent = new http.Agent({ keepAlive: true, maxSockets: Infinity, maxFreeSockets: 256 });
  const table: EndpointTable = mode.mode === 'direct' ? { ...mode.endpoints } : {};
  const rr = new Map<string, number>();

  const target = (service: string): { port: number; host: string } | null => {
    if (mode.mode === 'sidecar') return { port: mode.outbound, host: service };
    const ready = (table[service] ?? []).filter((e) => e.ready);
    if (ready.length === 0) return null;
    const k = (rr.get(service) ?? 0) % ready.length;
    rr.set(service, k + 1);
    const port = Number(ready[k].address.slice(ready[k].address.lastIndexOf(':') + 1));
    return { port, host: service };
  };

  return {
    send(service, method, path, headers, timeoutMs) {
      const dest = target(service);
      if (dest === null) return Promise.resolve({ status: 503, cause: 'connect-failure', degraded: false });
      return new Promise<TryResult>((resolve) => {
        let settled = false;
        const finish = (r: TryResult): void => {
          if (settled) return;
          settled = true;
          if (timer) clearTimeout(timer);
          resolve(r);
        };
        const req = http.request(
          {
            host: '127.0.0.1',
            port: dest.port,
            method,
            path,
            agent,
            headers: { ...headers, host: dest.host },
          },
          (res) => {
            res.resume();
            res.on('end', () => {
              const status = res.statusCode ?? 0;
              const given = res.headers[STUB_HEADERS.cause];
              const cause =
                typeof given === 'string' && given !== '' ? given : status >= 500 ? 'error-5xx' : null;
              finish({ status, cause, degraded: res.headers[STUB_HEADERS.degraded] === '1' });
            });
            res.on('error', () => finish({ status: 0, cause: 'reset', degraded: false }));
          },
        );
        const timer =
          timeoutMs !== undefined && Number.isFinite(timeoutMs)
            ? setTimeout(() => {
                finish({ status: 0, cause: 'timeout', degraded: false });
                req.destroy();
              }, timeoutMs)
            : undefined;
        req.on('error', (err: NodeJS.ErrnoException) =>
          finish({
            status: 0,
            cause: err.code === 'ECONNREFUSED' ? 'connect-failure' : 'reset',
            degraded: false,
          }),
        );
        req.end();
      });
    },
    setEndpoints(next) {
      for (const [svc, list] of Object.entries(next)) table[svc] = list;
    },
    close() {
      agent.destroy();
    },
  };
}
