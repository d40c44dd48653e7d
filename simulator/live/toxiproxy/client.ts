/**
 * Our one way to reach a fault proxy: toxiproxy-node-client, against a real Toxiproxy when
 * TOXIPROXY_URL is set, otherwise against meshdojo's own server started on 127.0.0.1. The client's
 * quirks are handled here: it never populates an empty list (a real server answers `null` and the
 * client throws), and toxics are listed through its raw HTTP client (it has no method for that).
 */
import { Toxiproxy, type Proxy } from 'toxiproxy-node-client';
import { isLoopback } from './address.ts';
import { startFaultProxyServer, type FaultProxyServer } from './server.ts';

export interface ToxicJson {
  name: string;
  type: string;
  stream: string;
  toxicity: number;
  attributes: Record<string, number>;
}

export interface FaultProxyClient {
  toxiproxy: Toxiproxy;
  url: string;
  /** `real` when TOXIPROXY_URL named a server; `meshdojo` when ours was started. */
  kind: 'real' | 'meshdojo';
  ensureProxies(list: { name: string; listen: string; upstream: string }[]): Promise<Proxy[]>;
  listToxics(proxy: string): Promise<ToxicJson[]>;
  close(): Promise<void>;
}

/** Checks TOXIPROXY_URL: http, a loopback host (the project's network rule), no trailing slash. */
export function parseToxiproxyUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new Error(`TOXIPROXY_URL: expected an http URL such as http://127.0.0.1:8474, got '${raw}'`);
  }
  if (url.protocol !== 'http:') throw new Error(`TOXIPROXY_URL: expected http://, got '${raw}'`);
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (!isLoopback(host))
    throw new Error(`TOXIPROXY_URL: meshdojo talks to loopback hosts only, got '${host}'`);
  return `${url.protocol}//${url.host}`;
}

export async function openFaultProxy(env: NodeJS.ProcessEnv = process.env): Promise<FaultProxyClient> {
  let local: FaultProxyServer | null = null;
  let url: string;
  if (env.TOXIPROXY_URL) {
    url = parseToxiproxyUrl(env.TOXIPROXY_URL);
  } else {
    local = await startFaultProxyServer({ port: 0 });
    url = local.url;
  }
  const toxiproxy = new Toxiproxy(url);
  try {
    await toxiproxy.getVersion();
  } catch (err) {
    await local?.close();
    throw new Error(`no Toxiproxy answers at ${url} (TOXIPROXY_URL): ${(err as Error).message}`);
  }
  return {
    toxiproxy,
    url,
    kind: local ? 'meshdojo' : 'real',
    async ensureProxies(list) {
      if (list.length === 0) return [];
      const byName = await toxiproxy.populate(list);
      return list.map((p) => byName[p.name]);
    },
    async listToxics(proxy) {
      const res = await toxiproxy
        .getApi()
        .get<ToxicJson[]>(`${url}/proxies/${encodeURIComponent(proxy)}/toxics`);
      return res.data;
    },
    close: async () => {
      await local?.close();
    },
  };
}
