/**
 * Mesh state at a moment, folded from the run's events: breaker state per edge (the worst of the
 * callers' proxies), ejected and down instances, active faults.
 */
import type { RunEvent } from '../../../simulator/telemetry/types.ts';

export interface MeshState {
  /** `from->to` → closed | open | half-open (edges with a breaker only). */
  breakers: Map<string, string>;
  ejected: Set<string>;
  down: Set<string>;
  activeFaults: Set<string>;
}

const RANK: Record<string, number> = { closed: 0, 'half-open': 1, open: 2 };

/** The service of an instance name `svc-version-r` (the longest service name that prefixes it). */
export function serviceOfInstance(instance: string, services: readonly string[]): string | undefined {
  let best: string | undefined;
  for (const s of services) if (instance.startsWith(s + '-') && (!best || s.length > best.length)) best = s;
  return best;
}

/** Breaker events say `caller-instance → destination`. */
export function breakerEdge(subject: string, services: readonly string[]): string | undefined {
  const [caller, dest] = subject.split(' → ');
  if (!dest) return undefined;
  const from = serviceOfInstance(caller.trim(), services) ?? caller.trim();
  return `${from}->${dest.trim()}`;
}

export function meshStateAt(
  events: readonly RunEvent[],
  tMs: number,
  services: readonly string[],
  breakerEdges: readonly string[] = [],
): MeshState {
  const perProxy = new Map<string, { edge: string; state: string }>();
  // An instance is ejected while any caller's proxy holds it ejected.
  const ejections = new Map<string, number>();
  const down = new Set<string>();
  const activeFaults = new Set<string>();
  for (const e of events) {
    if (e.t > tMs) break;
    switch (e.kind) {
      case 'breaker': {
        const edge = breakerEdge(e.subject, services);
        if (edge && e.state) perProxy.set(e.subject, { edge, state: e.state });
        break;
      }
      case 'ejection': {
        const m = /^ejected (\S+?):/.exec(e.reason);
        if (m && e.state !== 'refused') ejections.set(m[1], (ejections.get(m[1]) ?? 0) + 1);
        break;
      }
      case 'unejection': {
        const m = /^un-ejected (\S+?):/.exec(e.reason);
        if (m) ejections.set(m[1], (ejections.get(m[1]) ?? 1) - 1);
        break;
      }
      case 'instance-down':
        down.add(e.subject);
        break;
      case 'instance-up':
        down.delete(e.subject);
        break;
      case 'fault-start':
        activeFaults.add(e.subject);
        break;
      case 'fault-end':
        activeFaults.delete(e.subject);
        break;
    }
  }
  const ejected = new Set([...ejections].filter(([, n]) => n > 0).map(([k]) => k));
  const breakers = new Map<string, string>();
  for (const key of breakerEdges) breakers.set(key, 'closed');
  for (const { edge, state } of perProxy.values()) {
    const cur = breakers.get(edge);
    if (cur === undefined || (RANK[state] ?? 0) > (RANK[cur] ?? 0)) breakers.set(edge, state);
  }
  return { breakers, ejected, down, activeFaults };
}
