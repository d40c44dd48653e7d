/** Small loopback TCP peers for the fault-proxy tests: an echo server, a sender, a collector. */
import net from 'node:net';
import { performance } from 'node:perf_hooks';

export interface Peer {
  address: string;
  port: number;
  close(): Promise<void>;
}

export async function listen(onConn: (s: net.Socket) => void): Promise<Peer> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => undefined);
    onConn(s);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as net.AddressInfo).port;
  return {
    address: `127.0.0.1:${port}`,
    port,
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}

export const echoServer = () => listen((s) => s.pipe(s));

export function hostPort(listen: string): { host: string; port: number } {
  const i = listen.lastIndexOf(':');
  return { host: listen.slice(0, i).replace(/^\[|\]$/g, ''), port: Number(listen.slice(i + 1)) };
}

/** Connects; resolves the socket, or rejects with the connect error (ECONNREFUSED). */
export function connect(listenAddr: string): Promise<net.Socket> {
  const { host, port } = hostPort(listenAddr);
  return new Promise((resolve, reject) => {
    const s = net.connect(port, host);
    s.once('connect', () => resolve(s));
    s.once('error', reject);
  });
}

export interface Received {
  bytes: Buffer;
  /** Arrival time of each data event, relative to the start, and its size. */
  events: { t: number; n: number }[];
  /** How the stream ended: 'end' (FIN), 'reset' (ECONNRESET), 'timeout' (our bound). */
  how: 'end' | 'reset' | 'timeout' | 'error';
  endedAt: number;
}

/** Reads from `s` until it ends or `boundMs` passes (then destroys it). */
export function collect(s: net.Socket, boundMs: number, t0 = performance.now()): Promise<Received> {
  return new Promise((resolve) => {
    const parts: Buffer[] = [];
    const events: { t: number; n: number }[] = [];
    let done = false;
    const finish = (how: Received['how']) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      s.destroy();
      resolve({ bytes: Buffer.concat(parts), events, how, endedAt: performance.now() - t0 });
    };
    const timer = setTimeout(() => finish('timeout'), boundMs);
    s.on('data', (d: Buffer) => {
      parts.push(d);
      events.push({ t: performance.now() - t0, n: d.length });
    });
    s.on('end', () => finish('end'));
    s.on('close', () => finish('end'));
    s.on('error', (e: NodeJS.ErrnoException) => finish(e.code === 'ECONNRESET' ? 'reset' : 'error'));
  });
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
