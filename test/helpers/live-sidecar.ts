/**
 * Helpers of the live sidecar tests: scripted upstream HTTP servers on 127.0.0.1 (each try of a
 * request, found by its x-request-id, answers as its script says, or hangs), an in-process
 * sidecar with a config built from a few fields, and an HTTP client call that can be cancelled.
 */
import http from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type {
  MeshPolicySpec,
  DestinationPolicySpec,
  MtlsMode,
  AuthzRuleSpec,
} from '../../simulator/model/types.ts';
import type { EndpointRecord, SidecarConfig, TlsMaterial } from '../../simulator/live/contract.ts';
import { Sidecar } from '../../simulator/live/sidecar/sidecar.ts';

/** One try: answer `status` after `ms`, or never (`hang`, until the caller aborts). */
export type Step = { ms: number; status: number } | 'hang';

export class ScriptedUpstreams {
  readonly servers: http.Server[] = [];
  readonly scripts = new Map<string, Step[]>();
  /** Tries seen per request id, and which server (index) took each. */
  readonly seen = new Map<string, number[]>();
  /** Headers of the last request each request id brought. */
  readonly headers = new Map<string, http.IncomingHttpHeaders>();

  async start(n: number): Promise<void> {
    for (let i = 0; i < n; i++) {
      const s = http.createServer((req, res) => this.handle(i, req, res));
      await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
      this.servers.push(s);
    }
  }

  address(i: number): string {
    return `127.0.0.1:${(this.servers[i].address() as { port: number }).port}`;
  }

  private handle(i: number, req: http.IncomingMessage, res: http.ServerResponse): void {
    const id = String(req.headers['x-request-id']);
    const list = this.seen.get(id) ?? [];
    list.push(i);
    this.seen.set(id, list);
    this.headers.set(id, req.headers);
    const step = this.scripts.get(id)?.[list.length - 1] ?? { ms: 0, status: 200 };
    req.resume();
    if (step === 'hang') return; // never answers; the sidecar's abort closes the socket
    const t = setTimeout(() => {
      res.writeHead(step.status, { 'content-type': 'text/plain' });
      res.end(`try ${list.length} on upstream ${i}`);
    }, step.ms);
    res.on('close', () => clearTimeout(t));
  }

  async stop(): Promise<void> {
    for (const s of this.servers) {
      s.closeAllConnections();
      await new Promise<void>((r) => s.close(() => r()));
    }
  }
}

export function meshPolicy(
  destinations: DestinationPolicySpec[],
  security: { mtls?: MtlsMode; authorization?: AuthzRuleSpec[] } = {},
): MeshPolicySpec {
  return {
    name: 'test',
    dataPlane: { mode: 'sidecar' },
    destinations,
    security: { ...(security.mtls && { mtls: security.mtls }), authorization: security.authorization ?? [] },
    canaries: [],
  };
}

export interface SidecarOptions {
  service?: string;
  instance?: string;
  policies: MeshPolicySpec[];
  endpoints: Record<string, EndpointRecord[]>;
  services?: { name: string; versions: string[] }[];
  appPort?: number;
  tls?: TlsMaterial;
  connectTimeoutMs?: number;
}

/** A started in-process sidecar on free ports, its access log in a temporary folder. */
export async function startSidecar(
  o: SidecarOptions,
): Promise<{ sidecar: Sidecar; dir: string; cleanup(): Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), 'meshdojo-sidecar-'));
  const config: SidecarConfig = {
    runId: 'test',
    service: o.service ?? 'productpage',
    instance: o.instance ?? 'productpage-v1-0',
    version: 'v1',
    namespace: 'default',
    listen: { inbound: 0, outbound: 0, admin: 0 },
    appPort: o.appPort ?? 9,
    policies: o.policies,
    services: o.services ?? [{ name: 'reviews', versions: ['v1'] }],
    endpoints: o.endpoints,
    ...(o.tls && { tls: o.tls }),
    ...(o.connectTimeoutMs !== undefined && { connectTimeoutMs: o.connectTimeoutMs }),
    accessLog: join(dir, 'access.jsonl'),
    epochMs: Date.now(),
  };
  const sidecar = new Sidecar(config);
  await sidecar.start();
  return {
    sidecar,
    dir,
    cleanup: async () => {
      await sidecar.stop(2000);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface Answer {
  status: number;
  cause: string | undefined;
  body: string;
  headers: http.IncomingHttpHeaders;
}

/** A call through a sidecar's outbound port; `cancelAfterMs` destroys it (the answer is then null). */
export function call(
  port: number,
  host: string,
  path: string,
  headers: Record<string, string> = {},
  cancelAfterMs?: number,
): Promise<Answer | null> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: '127.0.0.1', port, path, headers: { host, ...headers }, agent: false },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            cause: res.headers['x-meshdojo-cause'] as string | undefined,
            body,
            headers: res.headers,
          }),
        );
      },
    );
    req.on('error', (e) => (cancelAfterMs !== undefined ? resolve(null) : reject(e)));
    if (cancelAfterMs !== undefined)
      setTimeout(() => {
        req.destroy();
        resolve(null);
      }, cancelAfterMs);
    req.end();
  });
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
