/**
 * Acceptance 3 of the live data-plane issue: real mTLS between sidecars on 127.0.0.1, with
 * certificates from a local CA made for the test (SPIFFE URI SANs). Under `strict` a plain-text
 * call is refused; an allowed identity is accepted; a denied one gets 403; an expired or wrong-CA
 * certificate (or none) fails with its reason in the access log and `/stats`; certificates rotate
 * through `PUT /certs` without a restart; `permissive` accepts plain text.
 */
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import { X509Certificate } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EndpointRecord, TlsMaterial } from '../../simulator/live/contract.ts';
import { LocalCa } from '../../simulator/live/mtls/ca.ts';
import type { Sidecar } from '../../simulator/live/sidecar/sidecar.ts';
import type { MeshPolicySpec } from '../../simulator/model/types.ts';
import { call, meshPolicy, sleep, startSidecar } from '../helpers/live-sidecar.ts';

const SERVICES = ['productpage', 'details', 'reviews'].map((name) => ({ name, versions: ['v1'] }));
const policy = (mtls: 'strict' | 'permissive'): MeshPolicySpec =>
  meshPolicy([{ service: 'reviews', retries: { attempts: 0 } }], {
    mtls,
    authorization: [{ to: 'reviews', allow: [{ from: 'productpage' }], deny: [] }],
  });

let ca: LocalCa;
let otherCa: LocalCa;
let app: http.Server;
let reviews: Awaited<ReturnType<typeof startSidecar>>;
const started: Awaited<ReturnType<typeof startSidecar>>[] = [];

async function caller(service: string, tls: TlsMaterial): Promise<Sidecar> {
  const s = await startSidecar({
    service,
    instance: `${service}-v1-0`,
    policies: [policy('strict')],
    services: SERVICES,
    tls,
    endpoints: { reviews: [reviewsEndpoint()] },
  });
  started.push(s);
  return s.sidecar;
}

function reviewsEndpoint(): EndpointRecord {
  return {
    key: 'reviews-v1-0',
    service: 'reviews',
    version: 'v1',
    address: `127.0.0.1:${reviews.sidecar.ports.inbound}`,
    ready: true,
  };
}

const inboundRecord = (id: string) => reviews.sidecar.log.lastRecords().find((r) => r.request_id === id);
const stats = async (sc: Sidecar) =>
  (await (await fetch(`http://127.0.0.1:${sc.ports.admin}/stats`)).json()) as {
    mtls: { mode: string; rotations: number; refusals: Record<string, number> };
  };

beforeAll(async () => {
  ca = await LocalCa.create();
  otherCa = await LocalCa.create('another CA');
  app = http.createServer((req, res) => res.end(`app saw ${req.headers['x-meshdojo-source'] ?? '-'}`));
  await new Promise<void>((r) => app.listen(0, '127.0.0.1', () => r()));
  reviews = await startSidecar({
    service: 'reviews',
    instance: 'reviews-v1-0',
    policies: [policy('strict')],
    services: SERVICES,
    appPort: (app.address() as { port: number }).port,
    tls: await ca.issue({ namespace: 'default', service: 'reviews' }),
    endpoints: {},
  });
});

afterAll(async () => {
  for (const s of started) await s.cleanup();
  await reviews.cleanup();
  app.closeAllConnections();
  await new Promise<void>((r) => app.close(() => r()));
});

describe('mTLS between live sidecars', () => {
  it('refuses a plain-text call under strict, with the reason logged', async () => {
    const a = await call(reviews.sidecar.ports.inbound, 'reviews', '/', { 'x-request-id': 'plain-1' });
    expect(a).toMatchObject({ status: 503, cause: 'mtls' });
    await sleep(20);
    expect(inboundRecord('plain-1')).toMatchObject({
      direction: 'inbound',
      response_code: 503,
      cause: 'mtls',
      response_flags: 'UF',
      detail: 'plaintext under strict mTLS',
    });
  });

  it('accepts an allowed identity over TLS 1.3 and denies another with 403', async () => {
    const pp = await caller('productpage', await ca.issue({ namespace: 'default', service: 'productpage' }));
    const ok = await call(pp.ports.outbound, 'reviews', '/', { 'x-request-id': 'allowed-1' });
    expect(ok).toMatchObject({ status: 200, body: 'app saw productpage' });
    await sleep(20);
    expect(inboundRecord('allowed-1')).toMatchObject({
      from: 'productpage',
      response_code: 200,
      cause: null,
    });

    const details = await caller('details', await ca.issue({ namespace: 'default', service: 'details' }));
    const denied = await call(details.ports.outbound, 'reviews', '/', { 'x-request-id': 'denied-1' });
    expect(denied).toMatchObject({ status: 403, cause: 'denied', body: 'RBAC: access denied' });
    await sleep(20);
    expect(inboundRecord('denied-1')).toMatchObject({
      from: 'details',
      response_code: 403,
      cause: 'denied',
      detail: 'default-deny',
    });
    const outbound = details.log.lastRecords().find((r) => r.request_id === 'denied-1');
    expect(outbound).toMatchObject({ direction: 'outbound', response_code: 403, cause: 'denied' });

    // The protocol really is TLS 1.3 with the workload certificate of reviews.
    const proto = await new Promise<{ protocol: string | null; san: string | undefined }>(
      (resolve, reject) => {
        const req = https.request(
          {
            host: '127.0.0.1',
            port: reviews.sidecar.ports.inbound,
            path: '/',
            ca: ca.caCert,
            checkServerIdentity: () => undefined,
            agent: false,
          },
          (res) => {
            const s = res.socket as import('node:tls').TLSSocket;
            resolve({ protocol: s.getProtocol(), san: s.getPeerCertificate().subjectaltname });
            res.resume();
          },
        );
        req.on('error', reject);
        req.end();
      },
    );
    expect(proto).toEqual({ protocol: 'TLSv1.3', san: 'URI:spiffe://cluster.local/ns/default/sa/reviews' });
  });

  it('refuses an expired certificate and one from another CA, saying which, then accepts a rotated one', async () => {
    const hourAgo = new Date(Date.now() - 3600_000);
    const expired = await ca.issue({
      namespace: 'default',
      service: 'productpage',
      notBefore: new Date(hourAgo.getTime() - 3600_000),
      notAfter: hourAgo,
    });
    const pp = await caller('productpage', expired);
    const a = await call(pp.ports.outbound, 'reviews', '/', { 'x-request-id': 'expired-1' });
    expect(a).toMatchObject({ status: 503, cause: 'mtls' });
    await sleep(20);
    expect(inboundRecord('expired-1')).toMatchObject({ cause: 'mtls', detail: 'expired (CERT_HAS_EXPIRED)' });

    // A certificate of another CA (the caller still trusts reviews' CA).
    const foreign = {
      ...(await otherCa.issue({ namespace: 'default', service: 'productpage' })),
      caCert: ca.caCert,
    };
    const pp2 = await caller('productpage', foreign);
    expect(await call(pp2.ports.outbound, 'reviews', '/', { 'x-request-id': 'foreign-1' })).toMatchObject({
      status: 503,
      cause: 'mtls',
    });
    await sleep(20);
    expect(inboundRecord('foreign-1')?.detail).toMatch(
      /^wrong CA \((UNABLE_TO_VERIFY_LEAF_SIGNATURE|UNABLE_TO_GET_ISSUER_CERT)\)$/,
    );

    // A caller that trusts only another CA refuses reviews' certificate itself: reported on its side.
    const pp3 = await caller(
      'productpage',
      await otherCa.issue({ namespace: 'default', service: 'productpage' }),
    );
    expect(await call(pp3.ports.outbound, 'reviews', '/', { 'x-request-id': 'client-side-1' })).toMatchObject(
      {
        status: 503,
        cause: 'connect-failure',
      },
    );
    await sleep(20);
    const rec = pp3.log.lastRecords().find((r) => r.request_id === 'client-side-1');
    expect(rec).toMatchObject({ response_flags: 'UF', cause: 'connect-failure' });
    expect(rec?.detail).toMatch(/^wrong CA \(/);
    expect((await stats(pp3)).mtls.refusals).toEqual({ 'wrong CA': 1 });

    const s = await stats(reviews.sidecar);
    expect(s.mtls.refusals.expired).toBeGreaterThanOrEqual(1);
    expect(s.mtls.refusals['wrong CA']).toBeGreaterThanOrEqual(1);

    // Rotation without a restart: the expired caller gets a fresh certificate.
    const put = await fetch(`http://127.0.0.1:${pp.ports.admin}/certs`, {
      method: 'PUT',
      body: JSON.stringify(await ca.issue({ namespace: 'default', service: 'productpage' })),
    });
    expect(put.status).toBe(200);
    expect(await call(pp.ports.outbound, 'reviews', '/', { 'x-request-id': 'rotated-1' })).toMatchObject({
      status: 200,
    });
  });

  it('reports a TLS client without a certificate as "no certificate"', async () => {
    const status = await new Promise<{ status: number; cause: string | undefined }>((resolve, reject) => {
      const req = https.request(
        {
          host: '127.0.0.1',
          port: reviews.sidecar.ports.inbound,
          path: '/',
          headers: { 'x-request-id': 'nocert-1' },
          ca: ca.caCert,
          checkServerIdentity: () => undefined,
          agent: false,
        },
        (res) => {
          res.resume();
          resolve({
            status: res.statusCode ?? 0,
            cause: res.headers['x-meshdojo-cause'] as string | undefined,
          });
        },
      );
      req.on('error', reject);
      req.end();
    });
    expect(status).toEqual({ status: 503, cause: 'mtls' });
    await sleep(20);
    expect(inboundRecord('nocert-1')?.detail).toMatch(/^no certificate/);
  });

  it('a peer that takes the TCP connection but never answers the handshake is a connect failure, reason "handshake timeout"', async () => {
    // What a stopped (SIGSTOP) sidecar does, and what the dual listener did when it lost the
    // ClientHello: accept, then say nothing. The try must fail with its reason, not hang.
    const held: net.Socket[] = [];
    const mute = net.createServer((s) => held.push(s));
    await new Promise<void>((r) => mute.listen(0, '127.0.0.1', () => r()));
    try {
      const s = await startSidecar({
        service: 'productpage',
        instance: 'productpage-v1-1',
        policies: [policy('strict')],
        services: SERVICES,
        tls: await ca.issue({ namespace: 'default', service: 'productpage' }),
        connectTimeoutMs: 300,
        endpoints: {
          reviews: [
            {
              key: 'reviews-mute',
              service: 'reviews',
              version: 'v1',
              address: `127.0.0.1:${(mute.address() as { port: number }).port}`,
              ready: true,
            },
          ],
        },
      });
      started.push(s);
      const a = await call(s.sidecar.ports.outbound, 'reviews', '/', { 'x-request-id': 'mute-1' });
      expect(a).toMatchObject({ status: 503, cause: 'connect-failure' });
      await sleep(20);
      const rec = s.sidecar.log.lastRecords().find((r) => r.request_id === 'mute-1');
      expect(rec).toMatchObject({
        response_flags: 'UF',
        detail: 'handshake timeout (ERR_TLS_HANDSHAKE_TIMEOUT)',
      });
      expect(held.length).toBeGreaterThanOrEqual(1);
    } finally {
      for (const h of held) h.destroy();
      await new Promise<void>((r) => mute.close(() => r()));
    }
  });

  it('rotates the server certificate through PUT /certs: new connections see the new one', async () => {
    const before = await peerSerial();
    const fresh = await ca.issue({ namespace: 'default', service: 'reviews' });
    const put = await fetch(`http://127.0.0.1:${reviews.sidecar.ports.admin}/certs`, {
      method: 'PUT',
      body: JSON.stringify(fresh),
    });
    expect(put.status).toBe(200);
    const after = await peerSerial();
    expect(after).not.toBe(before);
    expect(after).toBe(new X509Certificate(fresh.cert).serialNumber);
    expect((await stats(reviews.sidecar)).mtls.rotations).toBe(1);
    const pp = await caller('productpage', await ca.issue({ namespace: 'default', service: 'productpage' }));
    expect(await call(pp.ports.outbound, 'reviews', '/', { 'x-request-id': 'after-rotation' })).toMatchObject(
      { status: 200 },
    );
  });

  it('accepts plain text under permissive (a policy swap, no restart)', async () => {
    const put = await fetch(`http://127.0.0.1:${reviews.sidecar.ports.admin}/policy`, {
      method: 'PUT',
      body: JSON.stringify([meshPolicy([], { mtls: 'permissive' })]),
    });
    expect(put.status).toBe(200);
    expect((await stats(reviews.sidecar)).mtls.mode).toBe('permissive');
    expect(
      await call(reviews.sidecar.ports.inbound, 'reviews', '/', { 'x-request-id': 'plain-2' }),
    ).toMatchObject({
      status: 200,
    });
  });
});

function peerSerial(): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = https.request(
      {
        host: '127.0.0.1',
        port: reviews.sidecar.ports.inbound,
        path: '/',
        ca: ca.caCert,
        checkServerIdentity: () => undefined,
        agent: false,
      },
      (res) => {
        resolve((res.socket as import('node:tls').TLSSocket).getPeerCertificate().serialNumber);
        res.resume();
      },
    );
    req.on('error', reject);
    req.end();
  });
}
