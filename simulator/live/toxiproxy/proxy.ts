/**
 * One proxy (Toxiproxy's Proxy + ToxicCollection): a loopback listener, the connections it
 * accepted (each an upstream and a downstream Link), and its toxics per direction in the order
 * they were added.
 */
import net from 'node:net';
import type { Rng } from '../../engine/types.ts';
import { formatAddress, parseUpstream, resolveListen } from './address.ts';
import { ApiError } from './errors.ts';
import { Link, type ToxicSettings } from './link.ts';
import { now } from './stream.ts';

export type Direction = 'upstream' | 'downstream';

export interface ToxicRecord extends ToxicSettings {
  /** As sent by the client (Toxiproxy echoes it verbatim; parsed case-insensitively). */
  stream: string;
  direction: Direction;
}

/** Pause reading a socket when this much waits in its link; resume below LOW. */
const HIGH_WATER = 1 << 20;
const LOW_WATER = 1 << 18;

class Connection {
  readonly links: Record<Direction, Link>;
  private closed = 0;

  constructor(
    readonly client: net.Socket,
    readonly server: net.Socket,
    toxics: Record<Direction, readonly ToxicSettings[]>,
    rng: Rng,
    /** A reset_peer toxic existed at accept: every close is an RST (SO_LINGER 0). */
    private readonly lingerZero: boolean,
    private readonly onGone: () => void,
  ) {
    this.links = {
      upstream: this.wire(client, server, toxics.upstream, rng),
      downstream: this.wire(server, client, toxics.downstream, rng),
    };
    for (const s of [client, server])
      s.once('close', () => {
        if (++this.closed === 2) {
          this.links.upstream.stop();
          this.links.downstream.stop();
          this.onGone();
        }
      });
  }

  private wire(from: net.Socket, to: net.Socket, toxics: readonly ToxicSettings[], rng: Rng): Link {
    let eof = false;
    const link: Link = new Link(toxics, rng, {
      write: (data) => {
        if (!to.destroyed) to.write(data);
      },
      end: () => this.closeSocket(to),
      drained: () => {
        if (from.isPaused() && link.buffered() < LOW_WATER) from.resume();
      },
    });
    const ended = (): void => {
      if (eof) return;
      eof = true;
      link.sourceEnded();
    };
    from.on('data', (data: Buffer) => {
      link.source.push({ data, t: now() });
      if (link.buffered() > HIGH_WATER) from.pause();
    });
    from.on('end', ended);
    from.on('close', ended);
    from.on('error', () => undefined); // a reset peer: 'close' follows
    return link;
  }

  private closeSocket(s: net.Socket): void {
    if (s.destroyed) return;
    if (this.lingerZero) s.resetAndDestroy();
    else s.destroySoon();
  }

  destroy(): void {
    this.links.upstream.stop();
    this.links.downstream.stop();
    this.client.destroy();
    this.server.destroy();
  }
}

export class FaultProxy {
  enabled = false;
  readonly toxics: Record<Direction, ToxicRecord[]> = { upstream: [], downstream: [] };
  private server: net.Server | null = null;
  private readonly conns = new Set<Connection>();

  constructor(
    readonly name: string,
    public listen: string,
    public upstream: string,
    private readonly rng: Rng,
  ) {}

  /** Binds the listener; `listen` becomes the address actually bound. Throws ApiError 500. */
  async start(): Promise<void> {
    if (this.server) return;
    const addr = resolveListen(this.listen);
    const server = net.createServer({ allowHalfOpen: true }, (client) => this.accept(client));
    await new Promise<void>((resolve, reject) => {
      server.once('error', (err: NodeJS.ErrnoException) => {
        const why = err.code === 'EADDRINUSE' ? 'bind: address already in use' : err.message;
        reject(new ApiError(500, `listen tcp ${formatAddress(addr)}: ${why}`));
      });
      server.listen(addr.port, addr.host, () => resolve());
    });
    server.on('error', () => undefined);
    const bound = server.address() as net.AddressInfo;
    this.listen = formatAddress({ host: bound.address, port: bound.port });
    this.server = server;
    this.enabled = true;
  }

  /** Closes the listener and every connection: new connects are refused. */
  async stop(): Promise<void> {
    this.enabled = false;
    const server = this.server;
    this.server = null;
    for (const c of this.conns) c.destroy();
    this.conns.clear();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private accept(client: net.Socket): void {
    const target = parseUpstream(this.upstream);
    client.on('error', () => undefined);
    if (!target) {
      // Toxiproxy's client sees a successful connect, then EOF, when the dial fails.
      client.destroySoon();
      return;
    }
    const server = net.connect({ host: target.host, port: target.port, allowHalfOpen: true });
    server.setNoDelay(true);
    client.setNoDelay(true);
    const lingerZero = [...this.toxics.upstream, ...this.toxics.downstream].some(
      (t) => t.type === 'reset_peer',
    );
    const conn: Connection = new Connection(client, server, this.toxics, this.rng, lingerZero, () =>
      this.conns.delete(conn),
    );
    this.conns.add(conn);
  }

  findToxic(name: string): ToxicRecord | undefined {
    return (
      this.toxics.upstream.find((t) => t.name === name) ?? this.toxics.downstream.find((t) => t.name === name)
    );
  }

  addToxic(toxic: ToxicRecord): void {
    this.toxics[toxic.direction].push(toxic);
    for (const c of this.conns) c.links[toxic.direction].append(toxic);
  }

  /** The record was changed in place (attributes, toxicity): restart its stages. */
  toxicChanged(toxic: ToxicRecord): void {
    for (const c of this.conns) c.links[toxic.direction].update(toxic.name);
  }

  async removeToxic(toxic: ToxicRecord): Promise<void> {
    const list = this.toxics[toxic.direction];
    list.splice(list.indexOf(toxic), 1);
    await Promise.all([...this.conns].map((c) => c.links[toxic.direction].remove(toxic.name)));
  }

  toJSON(): object {
    return {
      name: this.name,
      listen: this.listen,
      upstream: this.upstream,
      enabled: this.enabled,
      toxics: [...this.toxics.upstream, ...this.toxics.downstream].map(toxicJson),
    };
  }
}

export function toxicJson(t: ToxicRecord): object {
  return { attributes: t.attributes, name: t.name, type: t.type, stream: t.stream, toxicity: t.toxicity };
}
