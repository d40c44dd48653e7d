/**
 * Reading a sidecar's configuration (the `SidecarConfig` JSON of live/contract.ts) and the bodies
 * of the admin API, with errors that name the file, the field and what was expected.
 */
import { readFileSync } from 'node:fs';
import type { MeshPolicySpec } from '../../model/types.ts';
import type { EndpointRecord, EndpointTable, SidecarConfig, TlsMaterial } from '../contract.ts';

export class ConfigError extends Error {}

type Json = Record<string, unknown>;

function fail(where: string, field: string, expected: string, got: unknown): never {
  const shown = got === undefined ? 'nothing' : JSON.stringify(got)?.slice(0, 60);
  throw new ConfigError(`${where}: field ${field}: expected ${expected}, got ${shown}`);
}

function obj(v: unknown, where: string, field: string): Json {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) fail(where, field, 'an object', v);
  return v as Json;
}
function str(o: Json, k: string, where: string, prefix = ''): string {
  const v = o[k];
  if (typeof v !== 'string' || v === '') fail(where, prefix + k, 'a non-empty string', v);
  return v;
}
function port(o: Json, k: string, where: string, prefix = ''): number {
  const v = o[k];
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > 65535)
    fail(where, prefix + k, 'a port number 1–65535', v);
  return v;
}

function positiveMs(o: Json, k: string, where: string): number {
  const v = o[k];
  if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) fail(where, k, 'a positive number of ms', v);
  return v;
}

export function parseEndpoints(v: unknown, where: string, field = 'endpoints'): EndpointTable {
  const t = obj(v, where, field);
  const out: EndpointTable = {};
  for (const [service, list] of Object.entries(t)) {
    if (!Array.isArray(list)) fail(where, `${field}.${service}`, 'an array of endpoints', list);
    out[service] = list.map((e, i): EndpointRecord => {
      const f = `${field}.${service}[${i}]`;
      const r = obj(e, where, f);
      const address = str(r, 'address', where, `${f}.`);
      if (!/^127\.0\.0\.1:\d{1,5}$/.test(address)) fail(where, `${f}.address`, '127.0.0.1:<port>', address);
      if (typeof r.ready !== 'boolean') fail(where, `${f}.ready`, 'true or false', r.ready);
      return {
        key: str(r, 'key', where, `${f}.`),
        service: typeof r.service === 'string' ? r.service : service,
        version: typeof r.version === 'string' ? r.version : '',
        address,
        ready: r.ready,
        ...(r.plaintext === true && { plaintext: true }),
      };
    });
  }
  return out;
}

export function parseTls(v: unknown, where: string, field = 'tls'): TlsMaterial {
  const t = obj(v, where, field);
  const pem = (k: string, label: string): string => {
    const s = str(t, k, where, `${field}.`);
    if (!s.includes(`-----BEGIN ${label}`)) fail(where, `${field}.${k}`, `a PEM ${label}`, s.slice(0, 30));
    return s;
  };
  return {
    caCert: pem('caCert', 'CERTIFICATE'),
    cert: pem('cert', 'CERTIFICATE'),
    key: pem('key', 'PRIVATE KEY'),
  };
}

/** MeshPolicySpec[] as normalised by the model's loader (checked for shape, not re-validated). */
export function parsePolicies(v: unknown, where: string, field = 'policies'): MeshPolicySpec[] {
  if (!Array.isArray(v)) fail(where, field, 'an array of MeshPolicy specs', v);
  v.forEach((p, i) => {
    const o = obj(p, where, `${field}[${i}]`);
    if (!Array.isArray(o.destinations))
      fail(where, `${field}[${i}].destinations`, 'an array', o.destinations);
    const sec = obj(o.security, where, `${field}[${i}].security`);
    if (!Array.isArray(sec.authorization))
      fail(where, `${field}[${i}].security.authorization`, 'an array', sec.authorization);
    obj(o.dataPlane, where, `${field}[${i}].dataPlane`);
    if (!Array.isArray(o.canaries)) fail(where, `${field}[${i}].canaries`, 'an array', o.canaries);
  });
  return v as MeshPolicySpec[];
}

export function parseConfig(v: unknown, where: string): SidecarConfig {
  const c = obj(v, where, '(top level)');
  const listen = obj(c.listen, where, 'listen');
  const services = c.services;
  if (!Array.isArray(services)) fail(where, 'services', 'an array of { name, versions }', services);
  services.forEach((s, i) => {
    const o = obj(s, where, `services[${i}]`);
    str(o, 'name', where, `services[${i}].`);
    if (!Array.isArray(o.versions))
      fail(where, `services[${i}].versions`, 'an array of version names', o.versions);
  });
  if (typeof c.epochMs !== 'number') fail(where, 'epochMs', 'a number (epoch ms)', c.epochMs);
  return {
    runId: str(c, 'runId', where),
    service: str(c, 'service', where),
    instance: str(c, 'instance', where),
    version: str(c, 'version', where),
    namespace: str(c, 'namespace', where),
    listen: {
      inbound: port(listen, 'inbound', where, 'listen.'),
      outbound: port(listen, 'outbound', where, 'listen.'),
      admin: port(listen, 'admin', where, 'listen.'),
    },
    appPort: port(c, 'appPort', where),
    policies: parsePolicies(c.policies, where),
    services: services as SidecarConfig['services'],
    endpoints: parseEndpoints(c.endpoints, where),
    ...(c.tls !== undefined && { tls: parseTls(c.tls, where) }),
    ...(c.connectTimeoutMs !== undefined && { connectTimeoutMs: positiveMs(c, 'connectTimeoutMs', where) }),
    accessLog: str(c, 'accessLog', where),
    epochMs: c.epochMs,
  };
}

export function readConfig(path: string): SidecarConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new ConfigError(`${path}: cannot read the sidecar configuration (${(e as Error).message})`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new ConfigError(`${path}: not JSON (${(e as Error).message})`);
  }
  return parseConfig(json, path);
}
