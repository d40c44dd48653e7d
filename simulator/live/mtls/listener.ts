/**
 * One port that speaks both plain HTTP and HTTPS (mTLS), told apart by the first byte a client
 * sends (0x16: a TLS handshake record), as Istio's permissive mode does. Whether plain text is
 * acceptable is the authorizer's call (strict refuses it), made per request with the reason
 * logged, rather than a silent reset here.
 *
 * The TLS side asks every client for a certificate but does not reject a bad one at the
 * handshake (`rejectUnauthorized: false`): Node would drop the client with a bare ECONNRESET and
 * the reason would be lost. The request handler reads `socket.authorized` / `authorizationError`
 * instead and answers with the reason. `setTls` rotates the certificate without a restart.
 */
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import type { TlsMaterial } from '../contract.ts';

type Handler = (req: http.IncomingMessage, res: http.ServerResponse) => void;

/** A client that sends nothing for this long is closed. */
const FIRST_BYTE_TIMEOUT_MS = 10_000;

export class DualListener {
  private readonly server: net.Server;
  private readonly plain: http.Server;
  private secure: https.Server | null = null;
  private readonly sockets = new Set<net.Socket>();

  constructor(
    private readonly handler: Handler,
    tls: TlsMaterial | undefined,
  ) {
    this.plain = http.createServer({ keepAliveTimeout: 30_000 }, handler);
    if (tls) this.setTls(tls);
    this.server = net.createServer((socket) => this.dispatch(socket));
  }

  private dispatch(socket: net.Socket): void {
    this.sockets.add(socket);
    socket.once('close', () => this.sockets.delete(socket));
    socket.setTimeout(FIRST_BYTE_TIMEOUT_MS, () => socket.destroy());
    socket.once('data', (chunk: Buffer) => {
      socket.setTimeout(0);
      socket.pause();
      socket.unshift(chunk);
      // TLS reads what was unshifted itself (initRead in Node's _tls_wrap); plain HTTP needs a resume.
      if (chunk[0] === 0x16 && this.secure !== null) this.secure.emit('connection', socket);
      else {
        this.plain.emit('connection', socket);
        socket.resume();
      }
    });
  }

  /** Install or rotate the workload certificate (new handshakes use it; open connections keep theirs). */
  setTls(tls: TlsMaterial): void {
    const opts = {
      ca: tls.caCert,
      cert: tls.cert,
      key: tls.key,
      minVersion: 'TLSv1.3' as const,
      requestCert: true,
      rejectUnauthorized: false,
    };
    if (this.secure === null) {
      this.secure = https.createServer({ ...opts, keepAliveTimeout: 30_000 }, this.handler);
      this.secure.on('tlsClientError', () => undefined);
    } else this.secure.setSecureContext(opts);
  }

  listen(port: number): Promise<void> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, '127.0.0.1', () => {
        this.server.off('error', reject);
        resolve();
      });
    });
  }

  get port(): number {
    const a = this.server.address();
    return typeof a === 'object' && a !== null ? a.port : 0;
  }

  /** Stop accepting; close idle connections now and the rest once their answer is out. */
  close(): Promise<void> {
    this.plain.closeIdleConnections();
    this.secure?.closeIdleConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  /** Close every connection at once (after the drain). */
  destroyAll(): void {
    for (const s of this.sockets) s.destroy();
  }
}
