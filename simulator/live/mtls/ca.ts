/**
 * A local certificate authority made at the start of a live run: it issues every workload a
 * short-lived certificate whose only name is its SPIFFE id (URI SAN
 * `spiffe://cluster.local/ns/<ns>/sa/<service>`), as Istio's CA does. ECDSA P-256, built with
 * `@peculiar/x509` (no hand-written ASN.1). Tests also use it to make the bad certificates
 * (expired, from another CA) whose refusal must be reported with its reason.
 */
import 'reflect-metadata';
import { webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import type { TlsMaterial } from '../contract.ts';
import { spiffeUri } from './identity.ts';

x509.cryptoProvider.set(webcrypto as unknown as Crypto);

const ALG = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
/** Istio's default workload certificate lifetime. */
export const DEFAULT_LEAF_TTL_MS = 24 * 3600_000;
const CA_TTL_MS = 7 * 24 * 3600_000;

export interface IssueOptions {
  namespace: string;
  service: string;
  /** Default: one minute ago (tolerates small clock differences). */
  notBefore?: Date;
  /** Default: notBefore + DEFAULT_LEAF_TTL_MS. */
  notAfter?: Date;
}

let serial = 1;
function nextSerial(): string {
  return (serial++).toString(16).padStart(2, '0');
}

async function pemKey(key: CryptoKey): Promise<string> {
  const der = await webcrypto.subtle.exportKey('pkcs8', key as unknown as webcrypto.CryptoKey);
  return x509.PemConverter.encode(der, 'PRIVATE KEY');
}

export class LocalCa {
  private constructor(
    private readonly cert: x509.X509Certificate,
    private readonly keys: CryptoKeyPair,
    /** The CA certificate, PEM. */
    readonly caCert: string,
  ) {}

  /** A fresh CA (a new key pair: certificates of another `LocalCa` do not verify against it). */
  static async create(name = 'meshdojo local CA'): Promise<LocalCa> {
    const keys = (await webcrypto.subtle.generateKey(ALG, true, [
      'sign',
      'verify',
    ])) as unknown as CryptoKeyPair;
    const now = Date.now();
    const cert = await x509.X509CertificateGenerator.createSelfSigned({
      serialNumber: nextSerial(),
      name: `CN=${name}, O=meshdojo`,
      notBefore: new Date(now - 60_000),
      notAfter: new Date(now + CA_TTL_MS),
      signingAlgorithm: ALG,
      keys,
      extensions: [
        new x509.BasicConstraintsExtension(true, 0, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
        await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
      ],
    });
    return new LocalCa(cert, keys, cert.toString('pem'));
  }

  /** A workload certificate and key for `service` in `namespace`, with this CA's certificate. */
  async issue(opts: IssueOptions): Promise<TlsMaterial> {
    const keys = (await webcrypto.subtle.generateKey(ALG, true, [
      'sign',
      'verify',
    ])) as unknown as CryptoKeyPair;
    const notBefore = opts.notBefore ?? new Date(Date.now() - 60_000);
    const notAfter = opts.notAfter ?? new Date(notBefore.getTime() + DEFAULT_LEAF_TTL_MS);
    const cert = await x509.X509CertificateGenerator.create({
      serialNumber: nextSerial(),
      subject: `O=meshdojo, OU=${opts.namespace}`,
      issuer: this.cert.subject,
      notBefore,
      notAfter,
      signingAlgorithm: ALG,
      publicKey: keys.publicKey,
      signingKey: this.keys.privateKey,
      extensions: [
        new x509.BasicConstraintsExtension(false, undefined, true),
        new x509.KeyUsagesExtension(
          x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment,
          true,
        ),
        new x509.ExtendedKeyUsageExtension([
          x509.ExtendedKeyUsage.serverAuth,
          x509.ExtendedKeyUsage.clientAuth,
        ]),
        new x509.SubjectAlternativeNameExtension([
          { type: 'url', value: spiffeUri(opts.namespace, opts.service) },
        ]),
        await x509.AuthorityKeyIdentifierExtension.create(this.cert),
      ],
    });
    return { caCert: this.caCert, cert: cert.toString('pem'), key: await pemKey(keys.privateKey) };
  }
}
