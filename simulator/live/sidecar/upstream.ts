/**
 * The upstream transport: one keep-alive `http.Agent` per endpoint address (Envoy's per-host
 * connection pool), over TLS 1.3 with this workload's certificate when mTLS is on. The peer is
 * authenticated by the SPIFFE id its certificate carries (the destination service's), not by a
 * host name. New certificates (`PUT /certs`) make new agents; the old ones close when idle.
 *
 * A new connection has `connectTimeoutMs` to be usable — TCP connected, and for TLS the handshake
 * done, as Envoy's `connect_timeout` counts it — or it is destroyed with a connect-failure, the
 * reason (`handshake timeout`) in the access log: a peer that accepts TCP but never answers the
 * handshake (a stopped process, a listener that lost the bytes) is a failed try, not a hang.
 */
import http from 'node:http';
import https from 'node:https';
import type { Socket } from 'node:net';
import type { PeerCertificate } from 'node:tls';
import type { TlsMaterial } from '../contract.ts';
import { spiffeIdOf, spiffeUri } from '../mtls/identity.ts';

/** How long a retired agent keeps its sockets (in-flight tries on them finish first). */
const RETIRED_AGENT_MS = 30_000;
/** Envoy's and Istio's default `connect_timeout`. */
export const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;

export interface UpstreamTarget {
  agent: http.Agent;
  host: string;
  port: number;
  tls: boolean;
}

export class UpstreamPool {
  private readonly targets = new Map<string, UpstreamTarget>();

  constructor(
    private readonly namespace: string,
    private tlsMaterial: TlsMaterial | undefined,
    /** Whether the mesh speaks mTLS (mode not `disable`) when there is TLS material. */
    private mtlsOn: boolean,
    private readonly connectTimeoutMs = DEFAULT_CONNECT_TIMEOUT_MS,
  ) {}

  /** The transport to `address` (`127.0.0.1:port`) of `service`; plain text when asked or without TLS. */
  target(address: string, service: string, plaintext: boolean): UpstreamTarget {
    const useTls = !plaintext && this.mtlsOn && this.tlsMaterial !== undefined;
    const key = useTls ? address : `plain ${address}`;
    let t = this.targets.get(key);
    if (t === undefined) {
      const i = address.lastIndexOf(':');
      const host = address.slice(0, i);
      const port = Number(address.slice(i + 1));
      t = { agent: this.makeAgent(service, useTls), host, port, tls: useTls };
      this.targets.set(key, t);
    }
    return t;
  }

  private makeAgent(service: string, tls: boolean): http.Agent {
    const common = {
      keepAlive: true,
      maxSockets: Infinity,
      maxFreeSockets: 256,
      scheduling: 'lifo' as const,
    };
    if (!tls) return withConnectTimeout(new http.Agent(common), this.connectTimeoutMs, false);
    const m = this.tlsMaterial!;
    const expected = spiffeUri(this.namespace, service);
    const agent = new https.Agent({
      ...common,
      ca: m.caCert,
      cert: m.cert,
      key: m.key,
      minVersion: 'TLSv1.3',
      checkServerIdentity: (_host: string, cert: PeerCertificate) => {
        const id = spiffeIdOf(cert);
        if (id === expected) return undefined;
        const e = new Error(`peer identity ${id ?? '(none)'} is not ${expected}`) as Error & { code: string };
        e.code = 'ERR_TLS_CERT_ALTNAME_INVALID';
        return e;
      },
    });
    return withConnectTimeout(agent, this.connectTimeoutMs, true);
  }

  /** New certificates or a new mTLS mode: later tries use new agents. */
  reconfigure(tls: TlsMaterial | undefined, mtlsOn: boolean): void {
    this.tlsMaterial = tls;
    this.mtlsOn = mtlsOn;
    const old = [...this.targets.values()];
    this.targets.clear();
    const t = setTimeout(() => {
      for (const o of old) o.agent.destroy();
    }, RETIRED_AGENT_MS);
    t.unref();
  }

  close(): void {
    for (const t of this.targets.values()) t.agent.destroy();
    this.targets.clear();
  }
}

/**
 * New connections of `agent` are destroyed when not usable within `ms` (connected; for TLS, the
 * handshake done). Only connection set-up pays for the timer, not each request.
 */
function withConnectTimeout<A extends http.Agent>(agent: A, ms: number, tls: boolean): A {
  const create = agent.createConnection.bind(agent) as (
    opts: http.ClientRequestArgs,
    cb?: (err: Error | null, s: Socket) => void,
  ) => Socket;
  const ready = tls ? 'secureConnect' : 'connect';
  agent.createConnection = (opts: http.ClientRequestArgs, cb?: (err: Error | null, s: Socket) => void) => {
    const socket = create(opts, cb);
    const timer = setTimeout(() => socket.destroy(connectTimeoutError(tls, ms)), ms);
    const clear = (): void => clearTimeout(timer);
    socket.once(ready, clear);
    socket.once('close', clear);
    return socket;
  };
  return agent;
}

function connectTimeoutError(tls: boolean, ms: number): Error {
  const e = new Error(
    tls ? `TLS handshake not done within ${ms} ms` : `not connected within ${ms} ms`,
  ) as Error & { code: string };
  e.code = tls ? 'ERR_TLS_HANDSHAKE_TIMEOUT' : 'ETIMEDOUT';
  return e;
}
