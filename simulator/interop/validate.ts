/**
 * Cross-object checks in the manner of Kiali's validations, with stable codes. Each code has a
 * severity, an explanation and an example of the fix; findings carry file:line of the object.
 * The dialect importers raise the checks they can see while mapping (subsets, weights, hosts);
 * `crossChecks` runs the ones over the neutral result.
 */
import type { ImportContext } from './context.ts';
import type { Severity } from './report.ts';
import type { Resource } from './source.ts';

export interface FindingCode {
  code: string;
  severity: Severity;
  explanation: string;
  example: string;
}

/** The catalogue. KIA codes are Kiali's own numbers for the same check (kiali.io "Validations"). */
export const FINDING_CODES: readonly FindingCode[] = [
  {
    code: 'KIA1107',
    severity: 'error',
    explanation:
      'A route sends traffic to a subset that no DestinationRule defines: Envoy has no such cluster and answers 503.',
    example: 'DestinationRule reviews: subsets: [{ name: v2, labels: { version: v2 } }]',
  },
  {
    code: 'KIA0203',
    severity: 'warning',
    explanation:
      'A subset selects labels that no version (no pod) carries: traffic routed to it finds no endpoint (503 UH).',
    example: 'subsets: [{ name: v1, labels: { version: v1 } }] where the pods are labelled version: v1',
  },
  {
    code: 'KIA1104',
    severity: 'warning',
    explanation:
      'The weights of a split do not add up to 100. Istio and most meshes normalise (weight / Σ), Consul refuses it; the intent is often a typo.',
    example: 'route: [{ subset: v1, weight: 90 }, { subset: v3, weight: 10 }]',
  },
  {
    code: 'KIA0202',
    severity: 'warning',
    explanation:
      'A DestinationRule (or a resolver, a profile) is written for a host that is not a known service: it applies to nothing.',
    example: 'host: reviews (a Service that exists)',
  },
  {
    code: 'MDJ0101',
    severity: 'warning',
    explanation: 'A policy names a service the topology or the manifests do not define.',
    example: 'a Kubernetes Service or a topology service of that name',
  },
  {
    code: 'MDJ0102',
    severity: 'error',
    explanation: 'A split sends traffic to a version the service does not have.',
    example: 'split: { v1: 90, v3: 10 } where reviews has versions v1, v2, v3',
  },
];

export const codeInfo = (code: string): FindingCode | undefined => FINDING_CODES.find((c) => c.code === code);

/** Checks of the neutral result against the inventory (services and versions). */
export function crossChecks(ctx: ImportContext, resources: Resource[]): void {
  if (!ctx.inventory.known) return;
  const doc = ctx.policy.document('check', { defaults: 'none', profile: 'none' });
  const where = resources[0];
  if (!where) return;
  for (const d of doc.spec.destinations ?? []) {
    const versions = ctx.inventory.services.get(d.service);
    const at = { file: where.file, line: 1, column: 1, resource: `destinations[${d.service}]` };
    if (!versions) {
      ctx.report.findings.push({
        code: 'MDJ0101',
        severity: 'warning',
        ...at,
        path: 'service',
        message: `no service \`${d.service}\` is known; example: ${codeInfo('MDJ0101')!.example}`,
      });
      continue;
    }
    if (versions.size === 0) continue;
    (d.routes ?? []).forEach((r, i) => {
      for (const v of Object.keys(r.split))
        if (!versions.has(v))
          ctx.report.findings.push({
            code: 'MDJ0102',
            severity: 'error',
            ...at,
            path: `routes[${i}].split.${v}`,
            message: `\`${d.service}\` has no version \`${v}\` (versions: ${[...versions.keys()].join(', ')})`,
          });
    });
  }
}
