/**
 * The load on the wall clock: the simulator's LoadGenerator (open-model arrival rates, VUs,
 * stages, header shares) driven through a LoadTarget whose clock is real and whose `send` is an
 * HTTP request to the entry. Client retries (a user pressing reload after `backoff`) and the
 * client timeout are the load profile's. Bounded: no arrival after the run's end, at most
 * `maxRequests` requests, and requests still open at the end are cancelled.
 */
import http from 'node:http';
import https from 'node:https';
import { SeededRng } from '../../engine/rng.ts';
import type { LoadProfileSpec } from '../../model/types.ts';
import { headerSets, LoadGenerator, type LoadTarget } from '../../sim/load.ts';
import { splitEndpointName } from '../../sim/world.ts';
import { HEADERS, type TlsMaterial } from '../contract.ts';
import { STUB_HEADERS } from '../stub/config.ts';

/** One entry request as the load saw it (all of its client tries). */
export interface ClientRecord {
  /** ms since the run's t = 0: first send, and the end of the last try. */
  t: number;
  duration: number;
  to: string;
  status: number;
  cause: string | null;
  degraded: boolean;
  tries: number;
  tryCauses: string[];
}

export interface EntryTarget {
  service: string;
  endpoint: string;
  weight: number;
}

export interface LoadRunnerOptions {
  load: LoadProfileSpec;
  targets: EntryTarget[];
  /** The entry service's address(es) now: `127.0.0.1:port` (read at each send: instances come and go). */
  addresses: (service: string) => string[];
  seed: number;
  durationMs: number;
  /** ms since t = 0 (the run's clock). */
  now: () => number;
  runId: string;
  maxRequests: number;
  onRecord: (r: ClientRecord) => void;
  /** An entry request was sent (its first try): arrivals count even when no answer comes. */
  onSend?: (t: number, to: string) => void;
  /** Called once when `maxRequests` is reached (a run past its request bound). */
  onBound?: () => void;
  /**
   * With mTLS on, the load runner plays the ingress gateway: it calls the meshed entry services
   * (`tls.services`) over TLS 1.3 with the gateway's workload certificate, as the simulator's
   * entry requests carry the gateway's identity (so `strict` does not refuse them).
   */
  tls?: { material: TlsMaterial; services: ReadonlySet<string> };
}

export class LoadRunner {
  private readonly agent = new http.Agent({ keepAlive: true, maxSockets: Infinity });
  private readonly tlsAgent: https.Agent | null;
  private readonly timers = new Set<ReturnType<typeof setTimeout>>();
  private readonly open = new Set<http.ClientRequest>();
  private readonly mixRng: SeededRng;
  private readonly hdrSets: Record<string, string>[];
  private readonly rr = new Map<string, number>();
  private stopped = false;
  private n = 0;
  sent = 0;
  completed = 0;

  constructor(private readonly o: LoadRunnerOptions) {
    this.mixRng = new SeededRng(`live-load:${o.seed}/mix`);
    this.hdrSets = headerSets(o.load);
    const m = o.tls?.material;
    this.tlsAgent = m
      ? new https.Agent({
          keepAlive: true,
          maxSockets: Infinity,
          ca: m.caCert,
          cert: m.cert,
          key: m.key,
          minVersion: 'TLSv1.3',
          // The peer is named by its SPIFFE URI, not a host name; the CA check still applies.
          checkServerIdentity: () => undefined,
        })
      : null;
  }

  start(): void {
    const target: LoadTarget = {
      send: (hdr, _sample, done) => this.request(hdr, done),
      at: (time, fn) => {
        if (this.stopped) return;
        const t = setTimeout(
          () => {
            this.timers.delete(t);
            if (!this.stopped) fn();
          },
          Math.max(0, time - this.o.now()),
        );
        this.timers.add(t);
      },
      now: () => this.o.now(),
    };
    new LoadGenerator(this.o.load, target, new SeededRng(`live-load:${this.o.seed}`), this.o.durationMs, {
      traces: 0,
      accessLogs: 0,
    }).start();
  }

  private pick(): EntryTarget {
    const ts = this.o.targets;
    if (ts.length === 1) return ts[0];
    const total = ts.reduce((s, x) => s + x.weight, 0);
    let u = this.mixRng.next() * total;
    for (const t of ts) if ((u -= t.weight) < 0) return t;
    return ts[ts.length - 1];
  }

  private request(hdr: number, done?: () => void): void {
    if (this.stopped) return;
    if (this.sent >= this.o.maxRequests) {
      if (this.sent === this.o.maxRequests) this.o.onBound?.();
      this.sent++;
      return;
    }
    this.sent++;
    const target = this.pick();
    const id = `${this.o.runId}-${++this.n}`;
    const t0 = this.o.now();
    const tryCauses: string[] = [];
    this.o.onSend?.(t0, target.service);
    const attempt = (tries: number): void => {
      this.once(target, hdr, id, (status, cause, degraded) => {
        const failed = cause !== null || status >= 500;
        if (failed && tries <= this.o.load.retries.attempts && !this.stopped) {
          tryCauses.push(cause ?? 'error-5xx');
          if (this.o.load.retries.backoff > 0)
            this.timer(this.o.load.retries.backoff, () => attempt(tries + 1));
          else attempt(tries + 1);
          return;
        }
        if (this.stopped) return;
        this.completed++;
        this.o.onRecord({
          t: t0,
          duration: this.o.now() - t0,
          to: target.service,
          status,
          cause: failed ? (cause ?? 'error-5xx') : null,
          degraded: !failed && degraded,
          tries,
          tryCauses,
        });
        done?.();
      });
    };
    attempt(1);
  }

  private timer(ms: number, fn: () => void): void {
    const t = setTimeout(() => {
      this.timers.delete(t);
      if (!this.stopped) fn();
    }, ms);
    this.timers.add(t);
  }

  private once(
    target: EntryTarget,
    hdr: number,
    id: string,
    end: (status: number, cause: string | null, degraded: boolean) => void,
  ): void {
    const addrs = this.o.addresses(target.service);
    if (addrs.length === 0) {
      end(0, 'connect-failure', false);
      return;
    }
    const k = (this.rr.get(target.service) ?? 0) % addrs.length;
    this.rr.set(target.service, k + 1);
    const port = Number(addrs[k].slice(addrs[k].lastIndexOf(':') + 1));
    const { method, path } = splitEndpointName(target.endpoint);
    let settled = false;
    const finish = (status: number, cause: string | null, degraded: boolean): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timeout);
      this.open.delete(req);
      end(status, cause, degraded);
    };
    const tls = this.tlsAgent !== null && this.o.tls!.services.has(target.service);
    const req = (tls ? https : http).request(
      {
        host: '127.0.0.1',
        port,
        method,
        path,
        agent: tls ? this.tlsAgent! : this.agent,
        headers: {
          ...this.hdrSets[hdr],
          host: target.service,
          [HEADERS.requestId]: id,
          [HEADERS.caller]: String(hdr),
          [STUB_HEADERS.source]: 'client',
          'user-agent': 'meshdojo-loadgen',
        },
      },
      (res) => {
        res.resume();
        res.on('end', () => {
          const status = res.statusCode ?? 0;
          const given = res.headers[STUB_HEADERS.cause];
          const cause = typeof given === 'string' && given ? given : status >= 500 ? 'error-5xx' : null;
          finish(status, cause, res.headers[STUB_HEADERS.degraded] === '1');
        });
        res.on('error', () => finish(0, 'reset', false));
      },
    );
    this.open.add(req);
    const timeout = setTimeout(() => {
      finish(0, 'timeout', false);
      req.destroy();
    }, this.o.load.timeout);
    req.on('error', (err: NodeJS.ErrnoException) =>
      finish(0, err.code === 'ECONNREFUSED' ? 'connect-failure' : 'reset', false),
    );
    req.end();
  }

  /** No new request; cancel those still open (they count as in flight at the end). */
  stop(): void {
    this.stopped = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    for (const r of this.open) r.destroy();
    this.open.clear();
    this.agent.destroy();
    this.tlsAgent?.destroy();
  }
}
