/**
 * The upstream transport: one keep-alive `http.Agent` per endpoint address (Envoy's per-host
 * connection pool), over TLS 1.3 with this workload's certificate when mTLS is on. The peer is
 * authenticated by the SPIFFE id its certificate carries (the destination service's), not by a
 * host name. New certificates (`PUT /certs`) make new agents; the old ones close when idle.
 */
import http from 'node:http';
import https from 'node:https';
import type { PeerCertificate } from 'node:tls';
import type { TlsMaterial } from '../contract.ts';
import { spiffeIdOf, spiffeUri } from '../mtls/identity.ts';

/** How long a retired agent keeps its sockets (in-flight tries on them finish first). */
const RETIRED_AGENT_MS = 30_000;

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
    if (!tls) return new http.Agent(common);
    const m = this.tlsMaterial!;
    const expected = spiffeUri(this.namespace, service);
    return new https.Agent({
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
