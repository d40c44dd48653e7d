/**
 * Traefik Mesh v1.4 (inactive since 2022): Service annotations `mesh.traefik.io/*` (legacy
 * `maesh.containo.us/*`) plus the SMI it accepts. No mTLS, no timeouts, no outlier detection,
 * no fault injection: reported as such. Semantics: traefik/mesh docs/content/configuration.md.
 */
import type { PathSegment } from '../../model/errors.ts';
import type { DialectImporter } from '../context.ts';
import { groupOf, type Resource } from '../source.ts';
import { num, obj } from './common.ts';
import { importSmi } from './smi.ts';

const annotationsOf = (r: Resource) => obj(obj(r.body.metadata).annotations);
const isTraefikKey = (k: string) => k.startsWith('mesh.traefik.io/') || k.startsWith('maesh.containo.us/');

export const traefik: DialectImporter = {
  name: 'traefik',
  product: { defaults: 'traefik-mesh', profile: 'traefik-mesh' },
  kindsHelp: 'Services annotated mesh.traefik.io/* and SMI TrafficSplit, HTTPRouteGroup, TrafficTarget',
  reads: (r) =>
    (r.apiVersion === 'v1' && r.kind === 'Service' && Object.keys(annotationsOf(r)).some(isTraefikKey)) ||
    ['split.smi-spec.io', 'specs.smi-spec.io', 'access.smi-spec.io'].includes(groupOf(r.apiVersion)),
  generic: (r) => r.apiVersion !== 'v1',
  import(resources, ctx) {
    for (const r of resources.filter((r) => r.kind === 'Service')) {
      const t = ctx.track(r);
      const a = annotationsOf(r);
      const d = ctx.policy.dest(r.name);
      const at = (k: string): PathSegment[] => ['metadata', 'annotations', k];
      for (const [k, v] of Object.entries(a)) {
        if (!isTraefikKey(k)) continue;
        const key = k.split('/')[1]!;
        if (key === 'retry-attempts') {
          const n = num(v);
          if (n === undefined || n < 1) t.invalid(at(k), 'expected a number of attempts ≥ 1');
          else {
            // Traefik counts attempts (1 = no retry), only for requests that never reached the backend
            d.retries = { attempts: n - 1, retryOn: ['connect-failure'], backoff: '1us' };
            t.approx(
              at(k),
              `retries.attempts = ${n} − 1 (Traefik counts attempts); retried only on connection errors, immediately`,
            );
          }
        } else if (key === 'circuit-breaker-expression') {
          const m =
            /NetworkErrorRatio\(\)\s*>\s*([\d.]+)|ResponseCodeRatio\(500,\s*600,\s*0,\s*600\)\s*>\s*([\d.]+)/.exec(
              String(v),
            );
          if (m) {
            d.circuitBreaker = {
              failureRate: { threshold: Number(m[1] ?? m[2]) * 100, window: '10s', minimumRequests: 1 },
              openFor: '10s',
            };
            t.approx(
              at(k),
              'a whole-service breaker on the failure ratio (Traefik: rolling window, fallback 10 s)',
            );
          } else
            t.unmapped(
              at(k),
              `expression \`${String(v)}\` is not modelled (only NetworkErrorRatio() > x and ResponseCodeRatio(500, 600, 0, 600) > x)`,
            );
        } else if (key === 'traffic-type') {
          if (v === 'http') t.mapped(at(k), 'HTTP');
          else t.unmapped(at(k), `traffic type \`${String(v)}\`: meshdojo models HTTP`);
        } else if (key === 'ratelimit-average' || key === 'ratelimit-burst')
          t.unmapped(at(k), 'rate limiting (requests per second) is not modelled');
        else if (key === 'scheme') t.mapped(at(k), 'HTTP');
        else t.unmapped(at(k), 'not a Traefik Mesh annotation meshdojo knows');
      }
      t.done(['spec', 'metadata']);
    }
    const first = resources[0];
    if (first)
      ctx.report.unmapped.push({
        file: first.file,
        ...first.at([]),
        resource: 'Traefik Mesh',
        path: '(mTLS, timeouts, outlier detection, faults)',
        note: 'Traefik Mesh has no mTLS, no timeouts, no outlier detection and no fault injection: not expressible',
      });
    importSmi(
      resources.filter((r) => r.kind !== 'Service'),
      ctx,
    );
  },
};
