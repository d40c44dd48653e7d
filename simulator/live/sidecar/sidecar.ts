/**
 * One sidecar: the outbound listener (the app's calls through the mesh core), the inbound
 * listener (mTLS + authorization in front of the app), the admin API, the access log and the
 * counters, over one policy generation at a time. Usable in-process (tests, benchmarks) and as a
 * program (main.ts).
 */
import http from 'node:http';
import { SeededRng } from '../../engine/rng.ts';
import type { MeshEvent } from '../../mesh/types.ts';
import type { MeshPolicySpec } from '../../model/types.ts';
import type { EndpointTable, SidecarConfig, TlsMaterial } from '../contract.ts';
import { DualListener } from '../mtls/listener.ts';
import { WallClock } from '../wall-clock.ts';
import { AccessLogWriter } from './access-log.ts';
import { adminHandler } from './admin.ts';
import { ClusterSet } from './cluster-set.ts';
import { EndpointDirectory } from './endpoint-table.ts';
import { inboundHandler } from './inbound.ts';
import { SidecarMetrics } from './metrics.ts';
import { outboundHandler } from './outbound.ts';
import { UpstreamPool } from './upstream.ts';

const MAX_EVENTS = 100;

export class Sidecar {
  readonly clock = new WallClock();
  readonly endpoints = new EndpointDirectory();
  readonly metrics: SidecarMetrics;
  readonly log: AccessLogWriter;
  readonly upstream: UpstreamPool;
  /** Mesh events (breaker, ejection…) with their reasons, newest last. */
  readonly events: (MeshEvent & { t: number })[] = [];
  draining = false;
  /** Downstream requests (both listeners) not finished. */
  inFlight = 0;
  tls: TlsMaterial | undefined;
  certRotations = 0;
  private set: ClusterSet;
  private generation = 0;
  private readonly rng: SeededRng;
  private readonly outbound: http.Server;
  private readonly inbound: DualListener;
  private readonly admin: http.Server;
  private idleWaiters: (() => void)[] = [];

  constructor(readonly config: SidecarConfig) {
    this.metrics = new SidecarMetrics(config.instance, config.service);
    this.log = new AccessLogWriter(config.accessLog);
    this.rng = new SeededRng(config.instance);
    this.tls = config.tls;
    this.endpoints.apply(config.endpoints);
    this.set = this.makeSet(config.policies);
    this.upstream = new UpstreamPool(
      config.namespace,
      config.tls,
      this.set.mtls !== 'disable',
      config.connectTimeoutMs,
    );
    const common = {
      clock: this.clock,
      service: config.service,
      instance: config.instance,
      epochMs: config.epochMs,
      currentSet: () => this.set,
      metrics: this.metrics,
      log: this.log,
      isDraining: () => this.draining,
      callStarted: () => {
        this.inFlight++;
      },
      callEnded: () => this.callEnded(),
    };
    this.outbound = http.createServer(
      { keepAliveTimeout: 30_000 },
      outboundHandler({ ...common, endpoints: this.endpoints, upstream: this.upstream }),
    );
    this.inbound = new DualListener(inboundHandler({ ...common, appPort: config.appPort }), config.tls);
    this.admin = http.createServer(adminHandler(this));
  }

  private makeSet(policies: MeshPolicySpec[]): ClusterSet {
    return new ClusterSet({
      generation: ++this.generation,
      policies,
      services: this.config.services,
      endpoints: this.endpoints,
      clock: this.clock,
      rng: this.rng,
      instance: this.config.instance,
      sink: (now, e) => {
        if (this.events.length >= MAX_EVENTS) this.events.shift();
        this.events.push({ t: Math.round(now), ...e });
      },
    });
  }

  get policySet(): ClusterSet {
    return this.set;
  }

  async start(): Promise<void> {
    const l = this.config.listen;
    await Promise.all([
      listen(this.outbound, l.outbound),
      this.inbound.listen(l.inbound),
      listen(this.admin, l.admin),
    ]);
  }

  /** Ports actually bound (a config may ask for 0 in tests). */
  get ports(): { inbound: number; outbound: number; admin: number } {
    return { inbound: this.inbound.port, outbound: portOf(this.outbound), admin: portOf(this.admin) };
  }

  /** Swap the policy without a restart: exchanges in flight finish on the old clusters. */
  setPolicies(policies: MeshPolicySpec[]): void {
    const old = this.set;
    this.set = this.makeSet(policies);
    this.upstream.reconfigure(this.tls, this.set.mtls !== 'disable');
    old.retire();
  }

  setEndpoints(table: EndpointTable): void {
    this.endpoints.apply(table);
  }

  setCertificates(tls: TlsMaterial): void {
    this.tls = tls;
    this.inbound.setTls(tls);
    this.upstream.reconfigure(tls, this.set.mtls !== 'disable');
    this.certRotations++;
  }

  /** Stop taking new requests; resolves when the in-flight ones are over (or after `timeoutMs`). */
  drain(timeoutMs = 10_000): Promise<void> {
    this.draining = true;
    this.log.flush();
    if (this.inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const t = setTimeout(resolve, timeoutMs);
      this.idleWaiters.push(() => {
        clearTimeout(t);
        resolve();
      });
    });
  }

  private callEnded(): void {
    this.inFlight--;
    if (this.inFlight === 0 && this.idleWaiters.length) {
      const w = this.idleWaiters;
      this.idleWaiters = [];
      for (const f of w) f();
    }
  }

  /** Drain, then close every listener and connection, flush the access log, stop every timer. */
  async stop(drainMs = 10_000): Promise<void> {
    await this.drain(drainMs);
    this.outbound.closeIdleConnections();
    this.admin.closeIdleConnections();
    const closing = Promise.all([close(this.outbound), this.inbound.close(), close(this.admin)]);
    this.outbound.closeAllConnections();
    this.admin.closeAllConnections();
    this.inbound.destroyAll();
    await closing;
    this.set.stop();
    this.upstream.close();
    this.clock.close();
    await this.log.close();
  }
}

function listen(server: http.Server, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
}

function close(server: http.Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}

function portOf(server: http.Server): number {
  const a = server.address();
  return typeof a === 'object' && a !== null ? a.port : 0;
}
