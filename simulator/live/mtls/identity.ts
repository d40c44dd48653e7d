/**
 * Workload identities over TLS: the SPIFFE id a certificate carries, and why a peer's certificate
 * was refused, in words a learner reads in the access log (`expired`, `wrong CA`, `no certificate`)
 * next to OpenSSL's code.
 */
import type { PeerCertificate, TLSSocket } from 'node:tls';

export const TRUST_DOMAIN = 'cluster.local';

export function spiffeUri(namespace: string, service: string): string {
  return `spiffe://${TRUST_DOMAIN}/ns/${namespace}/sa/${service}`;
}

/** The first `URI:spiffe://…` of a certificate's subjectAltName, or undefined. */
export function spiffeIdOf(cert: PeerCertificate | undefined): string | undefined {
  const san = cert?.subjectaltname;
  if (!san) return undefined;
  for (const part of san.split(', ')) if (part.startsWith('URI:spiffe://')) return part.slice(4);
  return undefined;
}

/** The service account of a SPIFFE id (`…/sa/reviews` → `reviews`). */
export function serviceOf(id: string): string {
  const i = id.lastIndexOf('/sa/');
  return i < 0 ? id : id.slice(i + 4);
}

export type TlsRefusal =
  | 'expired'
  | 'not yet valid'
  | 'wrong CA'
  | 'no certificate'
  | 'wrong identity'
  | 'handshake timeout'
  | 'invalid';

/** OpenSSL / Node verification codes → a refusal reason. */
export function refusalOfCode(code: string | undefined): TlsRefusal {
  switch (code) {
    case 'CERT_HAS_EXPIRED':
      return 'expired';
    case 'CERT_NOT_YET_VALID':
      return 'not yet valid';
    case 'UNABLE_TO_VERIFY_LEAF_SIGNATURE':
    case 'UNABLE_TO_GET_ISSUER_CERT':
    case 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY':
    case 'SELF_SIGNED_CERT_IN_CHAIN':
    case 'DEPTH_ZERO_SELF_SIGNED_CERT':
    case 'CERT_SIGNATURE_FAILURE':
      return 'wrong CA';
    case 'ERR_TLS_CERT_ALTNAME_INVALID':
      return 'wrong identity';
    case 'ERR_TLS_HANDSHAKE_TIMEOUT':
      return 'handshake timeout';
    case undefined:
    case '':
      return 'no certificate';
    default:
      return 'invalid';
  }
}

/** Why an accepted TLS socket's client certificate does not authenticate it (undefined: it does). */
export function clientRefusal(socket: TLSSocket): { reason: TlsRefusal; code: string } | undefined {
  if (socket.authorized) return undefined;
  const err = socket.authorizationError as unknown as string | Error | null | undefined;
  const code =
    typeof err === 'string' ? err : ((err as (Error & { code?: string }) | null)?.code ?? err?.message);
  const cert = socket.getPeerCertificate();
  if (!cert || Object.keys(cert).length === 0)
    return { reason: 'no certificate', code: code ?? 'NO_CERTIFICATE' };
  return { reason: refusalOfCode(code), code: code ?? 'UNKNOWN' };
}

/** Node's error codes of a failed TLS connection on the client side (a refusal), else undefined. */
export function clientSideRefusal(
  err: Error & { code?: string },
): { reason: TlsRefusal; code: string } | undefined {
  const code = err.code;
  if (code === undefined) return undefined;
  if (
    code.startsWith('ERR_SSL_') ||
    code.startsWith('ERR_TLS_') ||
    /^(CERT_|UNABLE_TO_|SELF_SIGNED|DEPTH_ZERO)/.test(code)
  )
    return { reason: refusalOfCode(code), code };
  return undefined;
}
