/** The dialects, detection order, and the defaults each product fills in (docs/policies.md, product defaults). */
import type { DialectImporter } from '../context.ts';
import type { NeutralPolicyDoc } from '../neutral.ts';
import type { DefaultNote } from '../report.ts';
import { appmesh } from './appmesh.ts';
import { consul } from './consul.ts';
import { istio } from './istio.ts';
import { kuma } from './kuma.ts';
import { linkerd } from './linkerd.ts';
import { smi } from './smi.ts';
import { traefik } from './traefik.ts';

export const DIALECTS: readonly DialectImporter[] = [istio, linkerd, kuma, consul, appmesh, traefik, smi];

export function dialectNamed(name: string): DialectImporter | undefined {
  return DIALECTS.find((d) => d.name === name);
}

/** Kubernetes kinds read only for the inventory of services and versions. */
export const INVENTORY_KINDS: readonly [string, string][] = [
  ['', 'Service'],
  ['', 'ServiceAccount'],
  ['', 'Namespace'],
  ['', 'ConfigMap'],
  ['apps', 'Deployment'],
];

/** What each product does when a destination leaves a field out (policies.md "Product defaults", mesh-semantics §2). */
const PRODUCT: Record<
  string,
  { retries: string; timeout: string; pool: string; lb: string; panic: string; mtls: string; source: string }
> = {
  istio: {
    retries: '2 retries on connect-failure, refused-stream, unavailable, cancelled',
    timeout: 'none',
    pool: '2^32−1 (no limit)',
    lb: 'least-request',
    panic: '0 %',
    mtls: 'permissive',
    source: 'Istio ≥ 1.24 (istio.io reference; mesh-semantics §2.1)',
  },
  linkerd: {
    retries: 'none',
    timeout: 'none',
    pool: 'none (no circuit-breaker thresholds)',
    lb: 'least-request (≈ peak EWMA)',
    panic: '0 %',
    mtls: 'permissive (automatic mTLS between meshed pods)',
    source: 'Linkerd 2.16+ (linkerd.io reference: retries, timeouts)',
  },
  kuma: {
    retries: '5 retries on gateway-error, connect-failure, refused-stream, 16 s per try',
    timeout: '15 s',
    pool: '1024 / 1024 / 1024 / 3',
    lb: 'round-robin',
    panic: '50 %',
    mtls: 'disable (Mesh without mtls)',
    source: 'Kuma 2.x default policies (kumahq/kuma pkg/defaults/mesh)',
  },
  consul: {
    retries: 'none',
    timeout: '15 s (Envoy)',
    pool: '1024 / 1024 / 1024 / 3',
    lb: 'round-robin',
    panic: '50 %',
    mtls: 'strict',
    source: 'Consul 1.16+ (hashicorp/consul agent/xds)',
  },
  appmesh: {
    retries: '2 retries on 503, unavailable, connect-failure, refused-stream',
    timeout: '15 s',
    pool: '1024 / 1024 / 1024 / 3 (assumed Envoy)',
    lb: 'round-robin',
    panic: '50 % (assumed)',
    mtls: 'disable',
    source: 'App Mesh user guide "Envoy defaults set by App Mesh"',
  },
  'traefik-mesh': {
    retries: 'none',
    timeout: 'none',
    pool: 'none',
    lb: 'round-robin',
    panic: '0 %',
    mtls: 'none: Traefik Mesh has no mTLS',
    source: 'Traefik Mesh v1.4 (traefik/mesh docs/content/configuration.md)',
  },
};

/** The defaults the product fills in for the fields the neutral document leaves out. */
export function productDefaults(d: DialectImporter, doc: NeutralPolicyDoc): DefaultNote[] {
  const key = doc.spec.defaults ?? d.product.defaults;
  const p = PRODUCT[key];
  if (!p) return [];
  const out: DefaultNote[] = [];
  const note = (field: string, value: string) => out.push({ field, value, product: key, source: p.source });
  for (const dest of doc.spec.destinations ?? []) {
    const at = `destinations[${dest.service}]`;
    if (!dest.retries) note(`${at}.retries`, p.retries);
    if (dest.timeout === undefined && !(dest.routes ?? []).some((r) => r.timeout !== undefined))
      note(`${at}.timeout`, p.timeout);
    if (!dest.connectionPool) note(`${at}.connectionPool`, p.pool);
    if (!dest.loadBalancer) note(`${at}.loadBalancer`, p.lb);
    if (dest.outlierDetection && dest.outlierDetection.minHealthPercent === undefined)
      note(`${at}.outlierDetection.minHealthPercent`, p.panic);
  }
  if (!doc.spec.security?.mtls) note('security.mtls', p.mtls);
  note('every other destination', `retries ${p.retries}; timeout ${p.timeout}; pool ${p.pool}; ${p.lb}`);
  return out;
}
