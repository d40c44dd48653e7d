/**
 * Listen and upstream addresses. Toxiproxy takes any Go `net.Listen` address; meshdojo binds
 * loopback only (the project's network rule), so a wildcard host (`""`, `0.0.0.0`, `::`) binds
 * 127.0.0.1 and any other non-loopback host is refused. Upstreams are dialled on loopback only.
 */
import { ApiError } from './errors.ts';

export interface HostPort {
  host: string;
  port: number;
}

const WILDCARD = new Set(['', '0.0.0.0', '::']);

function split(addr: string): { host: string; port: string } | null {
  const i = addr.lastIndexOf(':');
  if (i < 0) return null;
  let host = addr.slice(0, i);
  if (host.startsWith('[') && host.endsWith(']')) host = host.slice(1, -1);
  return { host, port: addr.slice(i + 1) };
}

export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

/**
 * Resolves a listen address as Go's net.ResolveTCPAddr would, within the loopback rule. `op` is
 * the prefix of Go's message: `listen tcp: ` when binding, nothing when an update resolves it.
 */
export function resolveListen(addr: string, op = 'listen tcp: '): HostPort {
  if (addr === '') addr = ':0';
  const parts = split(addr);
  if (!parts) throw new ApiError(500, `${op}address ${addr}: missing port in address`);
  const port = parts.port === '' ? 0 : Number(parts.port);
  if (!/^\d*$/.test(parts.port) || !Number.isInteger(port) || port > 65535)
    throw new ApiError(500, `${op}address ${addr}: invalid port`);
  const host = WILDCARD.has(parts.host) || parts.host === 'localhost' ? '127.0.0.1' : parts.host;
  if (!isLoopback(host))
    throw new ApiError(500, `listen tcp ${addr}: meshdojo's fault proxy binds loopback addresses only`);
  return { host, port };
}

export function formatAddress({ host, port }: HostPort): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/** An upstream to dial, or null when it is not a loopback host:port (the client is then closed). */
export function parseUpstream(addr: string): HostPort | null {
  const parts = split(addr);
  if (!parts || !/^\d+$/.test(parts.port)) return null;
  const port = Number(parts.port);
  if (port < 1 || port > 65535 || !isLoopback(parts.host)) return null;
  return { host: parts.host === 'localhost' ? '127.0.0.1' : parts.host, port };
}
