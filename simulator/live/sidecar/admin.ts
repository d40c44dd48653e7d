/**
 * The admin API on `listen.admin` (paths in live/contract.ts `ADMIN_PATHS`): readiness, metrics,
 * stats, the policy (read and swap), endpoints, certificates and drain. Bodies are JSON and
 * bounded; a malformed one is answered 400 with the field that is wrong.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ADMIN_PATHS } from '../contract.ts';
import { ConfigError, parseEndpoints, parsePolicies, parseTls } from './config.ts';
import type { Sidecar } from './sidecar.ts';
import { sidecarStats } from './stats.ts';

const MAX_BODY = 4 * 1024 * 1024;

function send(res: ServerResponse, status: number, body: string, type = 'application/json'): void {
  res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

function readJson(req: IncomingMessage): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let n = 0;
    req.on('data', (b: Buffer) => {
      n += b.length;
      if (n > MAX_BODY) {
        reject(new ConfigError(`body larger than ${MAX_BODY} bytes`));
        req.destroy();
        return;
      }
      chunks.push(b);
    });
    req.on('end', () => {
      try {
        resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')));
      } catch (e) {
        reject(new ConfigError(`body is not JSON (${(e as Error).message})`));
      }
    });
    req.on('error', reject);
  });
}

export function adminHandler(sc: Sidecar): (req: IncomingMessage, res: ServerResponse) => void {
  const route = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const path = (req.url ?? '/').split('?')[0];
    const m = req.method ?? 'GET';
    const where = `${m} ${path}`;
    if (m === 'GET' && path === ADMIN_PATHS.ready)
      return send(res, sc.draining ? 503 : 200, JSON.stringify({ ready: !sc.draining }));
    if (m === 'GET' && path === ADMIN_PATHS.metrics)
      return send(res, 200, sc.metrics.prometheus(), 'text/plain; version=0.0.4');
    if (m === 'GET' && path === ADMIN_PATHS.stats) return send(res, 200, JSON.stringify(sidecarStats(sc)));
    if (m === 'GET' && path === ADMIN_PATHS.policy)
      return send(res, 200, JSON.stringify(sc.policySet.policies));
    if (m === 'PUT' && path === ADMIN_PATHS.policy) {
      sc.setPolicies(parsePolicies(await readJson(req), where, 'body'));
      return send(res, 200, JSON.stringify({ generation: sc.policySet.generation }));
    }
    if (m === 'PUT' && path === ADMIN_PATHS.endpoints) {
      sc.setEndpoints(parseEndpoints(await readJson(req), where, 'body'));
      return send(res, 200, JSON.stringify({ services: sc.endpoints.services() }));
    }
    if (m === 'PUT' && path === ADMIN_PATHS.certs) {
      sc.setCertificates(parseTls(await readJson(req), where, 'body'));
      return send(res, 200, JSON.stringify({ rotations: sc.certRotations }));
    }
    if (m === 'POST' && path === ADMIN_PATHS.drain) {
      await sc.drain();
      return send(res, 200, JSON.stringify({ drained: true, inFlight: sc.inFlight }));
    }
    send(res, 404, JSON.stringify({ error: `no admin endpoint ${where}` }));
  };
  return (req, res) => {
    route(req, res).catch((e: unknown) => {
      const status = e instanceof ConfigError ? 400 : 500;
      if (!res.headersSent) send(res, status, JSON.stringify({ error: (e as Error).message }));
    });
  };
}
