/**
 * Toxiproxy's HTTP API (api.go of Shopify/toxiproxy 2.12): routes, status codes, error bodies and
 * its quirks (POST and PATCH both update, toxics answer 200 on create, errors are JSON sent as
 * text/plain, a browser User-Agent gets 403). Requests are handled one at a time, in arrival order,
 * as the Go server's collection lock orders them.
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Rng } from '../../engine/types.ts';
import { resolveListen, formatAddress } from './address.ts';
import { asObject, attributes, bool, float, has, parseBody, str, type Json } from './decode.ts';
import { ApiError, badBody, notFound } from './errors.ts';
import { FaultProxy, toxicJson, type Direction, type ToxicRecord } from './proxy.ts';
import { toxicType } from './toxics.ts';

export const TOXIPROXY_API_VERSION = '2.12.0';

interface Reply {
  status: number;
  body?: unknown;
  /** Populate's errors are application/json with the proxies processed so far. */
  jsonError?: boolean;
}

type Handler = (params: string[], body: string) => Promise<Reply> | Reply;

export class ToxiproxyApi {
  readonly proxies = new Map<string, FaultProxy>();
  private queue: Promise<unknown> = Promise.resolve();
  private readonly routes: { pattern: RegExp; methods: Record<string, Handler> }[];

  constructor(private readonly rng: Rng) {
    const update: Handler = ([p], b) => this.updateProxy(p, b);
    const updateToxic: Handler = ([p, t], b) => this.updateToxic(p, t, b);
    this.routes = [
      { pattern: /^\/version$/, methods: { GET: () => ({ status: 200 }) } },
      { pattern: /^\/reset$/, methods: { POST: () => this.reset() } },
      { pattern: /^\/populate$/, methods: { POST: (_, b) => this.populate(b) } },
      {
        pattern: /^\/proxies$/,
        methods: { GET: () => ({ status: 200, body: this.listJson() }), POST: (_, b) => this.createProxy(b) },
      },
      {
        pattern: /^\/proxies\/([^/]+)$/,
        methods: {
          GET: ([p]) => ({ status: 200, body: this.proxy(p) }),
          POST: update,
          PATCH: update,
          DELETE: ([p]) => this.deleteProxy(p),
        },
      },
      {
        pattern: /^\/proxies\/([^/]+)\/toxics$/,
        methods: {
          GET: ([p]) => ({ status: 200, body: this.toxicList(this.proxy(p)).map(toxicJson) }),
          POST: ([p], b) => this.createToxic(p, b),
        },
      },
      {
        pattern: /^\/proxies\/([^/]+)\/toxics\/([^/]+)$/,
        methods: {
          GET: ([p, t]) => ({ status: 200, body: toxicJson(this.toxic(this.proxy(p), t)) }),
          POST: updateToxic,
          PATCH: updateToxic,
          DELETE: ([p, t]) => this.deleteToxic(p, t),
        },
      },
    ];
  }

  /** The node:http request listener. */
  handle = (req: IncomingMessage, res: ServerResponse): void => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const run = this.queue.then(() => this.dispatch(req, body, res));
      this.queue = run.catch(() => undefined);
    });
  };

  private async dispatch(req: IncomingMessage, body: string, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0];
    const route = this.routes.find((r) => r.pattern.test(path));
    if (!route) {
      res.writeHead(404, {
        'Content-Type': 'text/plain; charset=utf-8',
        'X-Content-Type-Options': 'nosniff',
      });
      res.end('404 page not found\n');
      return;
    }
    const handler = route.methods[req.method ?? 'GET'];
    if (!handler) {
      res.writeHead(405).end();
      return;
    }
    res.setHeader('X-Toxiproxy-Request-Id', requestId());
    if ((req.headers['user-agent'] ?? '').startsWith('Mozilla/')) {
      res.writeHead(403, {
        'Content-Type': 'text/plain; charset=utf-8',
        'X-Content-Type-Options': 'nosniff',
      });
      res.end('User agent not allowed\n');
      return;
    }
    const params = route.pattern.exec(path)!.slice(1).map(decodeURIComponent);
    let reply: Reply;
    try {
      reply = path === '/version' ? { status: 200 } : await handler(params, body);
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      reply = { status: err.status, body: { error: err.message, status: err.status } };
      if (path !== '/populate') {
        res.writeHead(err.status, {
          'Content-Type': 'text/plain; charset=utf-8',
          'X-Content-Type-Options': 'nosniff',
        });
        res.end(JSON.stringify(reply.body) + '\n');
        return;
      }
      reply = { status: err.status, body: { ...(reply.body as object), proxies: null } };
    }
    if (path === '/version') {
      res.writeHead(200, { 'Content-Type': 'application/json;charset=utf-8' });
      res.end(`{"version": "${TOXIPROXY_API_VERSION}"}\n`);
    } else if (reply.body === undefined) {
      res.writeHead(reply.status).end();
    } else {
      res.writeHead(reply.status, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify(reply.body));
    }
  }

  // ───────────────────────── proxies ─────────────────────────

  private proxy(name: string): FaultProxy {
    const p = this.proxies.get(name);
    if (!p) throw notFound('proxy');
    return p;
  }

  private listJson(): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const name of [...this.proxies.keys()].sort()) out[name] = this.proxies.get(name)!.toJSON();
    return out;
  }

  private decodeProxy(v: Json, where: string) {
    const o = asObject(v, where === 'Proxy' ? 'toxiproxy.Proxy' : 'struct');
    return {
      name: str(o, 'name', where, ''),
      listen: str(o, 'listen', where, ''),
      upstream: str(o, 'upstream', where, ''),
      enabled: bool(o, 'enabled', where, true),
    };
  }

  private async createProxy(text: string): Promise<Reply> {
    const input = this.decodeProxy(parseBody(text), 'Proxy');
    if (!input.name) throw new ApiError(400, 'missing required field: name');
    if (!input.upstream) throw new ApiError(400, 'missing required field: upstream');
    if (this.proxies.has(input.name)) throw new ApiError(409, 'proxy already exists');
    const proxy = new FaultProxy(input.name, input.listen, input.upstream, this.rng);
    if (input.enabled) await proxy.start(); // a bind failure: 500, and nothing is added
    this.proxies.set(input.name, proxy);
    return { status: 201, body: proxy.toJSON() };
  }

  private async updateProxy(name: string, text: string): Promise<Reply> {
    const proxy = this.proxy(name);
    const o = asObject(parseBody(text), 'toxiproxy.Proxy');
    const listen = str(o, 'listen', 'Proxy', proxy.listen);
    const upstream = str(o, 'upstream', 'Proxy', proxy.upstream);
    const enabled = bool(o, 'enabled', 'Proxy', proxy.enabled);
    // Toxiproxy's Differs: the resolved listen against the stored one, the upstream as a string.
    const resolved = formatAddress(resolveListen(listen, ''));
    if (resolved !== proxy.listen || upstream !== proxy.upstream) {
      await proxy.stop();
      proxy.listen = listen;
      proxy.upstream = upstream;
    }
    if (enabled !== proxy.enabled) {
      if (enabled) await proxy.start();
      else await proxy.stop();
    }
    return { status: 200, body: proxy.toJSON() };
  }

  private async deleteProxy(name: string): Promise<Reply> {
    const proxy = this.proxy(name);
    this.proxies.delete(name);
    await proxy.stop();
    return { status: 204 };
  }

  private async populate(text: string): Promise<Reply> {
    const v = parseBody(text);
    if (!Array.isArray(v))
      throw badBody(
        `json: cannot unmarshal ${v === null ? 'null' : typeof v === 'object' ? 'object' : typeof v} into Go value of type []struct { Name string "json:\\"name\\""; Listen string "json:\\"listen\\""; Upstream string "json:\\"upstream\\""; Enabled *bool "json:\\"enabled\\"" }`,
      );
    const entries = v.map((e) => this.decodeProxy(e, 'struct'));
    entries.forEach((e, i) => {
      if (!e.name) throw new ApiError(400, `missing required field: name at proxy ${i + 1}`);
      if (!e.upstream) throw new ApiError(400, `missing required field: upstream at proxy ${i + 1}`);
    });
    const done: FaultProxy[] = [];
    for (const e of entries) {
      const existing = this.proxies.get(e.name);
      if (existing && existing.upstream === e.upstream && sameListen(existing.listen, e.listen)) {
        done.push(existing); // untouched: toxics and enabled state kept
        continue;
      }
      if (existing) {
        this.proxies.delete(e.name);
        await existing.stop();
      }
      const proxy = new FaultProxy(e.name, e.listen, e.upstream, this.rng);
      try {
        if (e.enabled) await proxy.start();
      } catch (err) {
        if (!(err instanceof ApiError)) throw err;
        return {
          status: err.status,
          body: { error: err.message, status: err.status, proxies: done.map((p) => p.toJSON()) },
        };
      }
      this.proxies.set(e.name, proxy);
      done.push(proxy);
    }
    // The real server answers `null` for an empty list; toxiproxy-node-client needs an array.
    return { status: 201, body: { proxies: done.map((p) => p.toJSON()) } };
  }

  private async reset(): Promise<Reply> {
    for (const name of [...this.proxies.keys()].sort()) {
      const proxy = this.proxies.get(name)!;
      if (!proxy.enabled) await proxy.start();
      for (const t of this.toxicList(proxy)) await proxy.removeToxic(t);
    }
    return { status: 204 };
  }

  // ───────────────────────── toxics ─────────────────────────

  private toxicList(proxy: FaultProxy): ToxicRecord[] {
    return [...proxy.toxics.upstream, ...proxy.toxics.downstream];
  }

  private toxic(proxy: FaultProxy, name: string): ToxicRecord {
    const t = proxy.findToxic(name);
    if (!t) throw notFound('toxic');
    return t;
  }

  private createToxic(proxyName: string, text: string): Reply {
    const proxy = this.proxy(proxyName);
    const o = asObject(parseBody(text), 'toxiproxy.ToxicWrapper');
    const where = 'ToxicWrapper';
    let name = str(o, 'name', where, '');
    const type = str(o, 'type', where, '');
    const stream = str(o, 'stream', where, 'downstream');
    const toxicity = float(o, 'toxicity', where, 1);
    const direction = stream.toLowerCase();
    if (direction !== 'upstream' && direction !== 'downstream')
      throw new ApiError(400, 'stream was invalid, can be either upstream or downstream');
    if (name === '') name = `${type}_${stream}`;
    const kind = toxicType(type);
    if (!kind) throw new ApiError(400, 'invalid toxic type');
    if (proxy.findToxic(name)) throw new ApiError(409, 'toxic already exists');
    const zero = Object.fromEntries(Object.keys(kind.attributes).map((k) => [k, 0]));
    const attrs = attributes(o, kind.goName, kind.attributes, zero);
    const record: ToxicRecord = {
      name,
      type,
      stream,
      direction: direction as Direction,
      toxicity,
      attributes: attrs,
    };
    proxy.addToxic(record);
    return { status: 200, body: toxicJson(record) };
  }

  private updateToxic(proxyName: string, toxicName: string, text: string): Reply {
    const proxy = this.proxy(proxyName);
    const record = this.toxic(proxy, toxicName);
    const o = asObject(parseBody(text), 'struct');
    const kind = toxicType(record.type)!;
    const attrs = attributes(o, kind.goName, kind.attributes, record.attributes);
    const toxicity = has(o, 'toxicity') ? float(o, 'toxicity', 'struct', record.toxicity) : record.toxicity;
    // In place: every connection's stage reads the same settings.
    for (const k of Object.keys(attrs)) record.attributes[k] = attrs[k];
    record.toxicity = toxicity;
    proxy.toxicChanged(record);
    return { status: 200, body: toxicJson(record) };
  }

  private async deleteToxic(proxyName: string, toxicName: string): Promise<Reply> {
    const proxy = this.proxy(proxyName);
    await proxy.removeToxic(this.toxic(proxy, toxicName));
    return { status: 204 };
  }

  async close(): Promise<void> {
    await this.queue;
    for (const p of this.proxies.values()) await p.stop();
    this.proxies.clear();
  }
}

function sameListen(stored: string, wanted: string): boolean {
  try {
    const r = resolveListen(wanted);
    return r.port !== 0 && formatAddress(r) === stored;
  } catch {
    return false;
  }
}

/** A 20-character id in xid's alphabet (base32hex, lower case). */
function requestId(): string {
  const alphabet = '0123456789abcdefghijklmnopqrstuv';
  return [...randomBytes(20)].map((b) => alphabet[b & 31]).join('');
}
