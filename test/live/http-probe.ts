/** Loopback HTTP probes for the backend tests: a free port, one GET classified, waiting for an answer. */
import http from 'node:http';
import net from 'node:net';

export async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

/** GET path on 127.0.0.1:port within `ms`: the body, 'refused', 'hang', or the error code. */
export function get(port: number, ms: number, path = '/'): Promise<string> {
  return new Promise((resolve) => {
    const req = http.get({ host: '127.0.0.1', port, path, timeout: ms, agent: false }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve(body));
      res.on('error', () => resolve('reset'));
    });
    req.on('timeout', () => {
      req.destroy();
      resolve('hang');
    });
    req.on('error', (e: NodeJS.ErrnoException) =>
      resolve(e.code === 'ECONNREFUSED' ? 'refused' : (e.code ?? 'error')),
    );
  });
}

/** Whether a TCP connection to 127.0.0.1:port is accepted within `ms` (a paused container's is). */
export function tcpAccepts(port: number, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    const timer = setTimeout(() => (s.destroy(), resolve(false)), ms);
    s.once('connect', () => (clearTimeout(timer), s.destroy(), resolve(true)));
    s.once('error', () => (clearTimeout(timer), resolve(false)));
  });
}

/** Polls until a GET answers with a body starting `ok` or `withinMs` passes; the last result. */
export async function answers(port: number, withinMs: number): Promise<string> {
  const end = Date.now() + withinMs;
  for (;;) {
    const r = await get(port, 1000);
    if (r.startsWith('ok') || Date.now() > end) return r;
    await new Promise((x) => setTimeout(x, 150));
  }
}
