/**
 * The one outcome classifier of the mesh core. How a try ended is told once, as numbers
 * (`TRY_*` kind, HTTP status, upstream cause), and every consumer reads the same verdict:
 *
 *   classifyTry(kind, status) →  CLASS_SUCCESS   status < 500 answered by the upstream
 *                                CLASS_5XX       a 5xx other than 502/503/504
 *                                CLASS_GATEWAY   502/503/504, or a local-origin failure
 *                                                (connect failure 503, reset 503, per-try timeout 504)
 *                                CLASS_IGNORED   a local overflow (says nothing about the host)
 *
 * - breaker: CLASS_SUCCESS → success, CLASS_5XX / CLASS_GATEWAY → failure;
 * - outlier detector: consecutive 5xx (5XX and GATEWAY), consecutive gateway errors (GATEWAY),
 *   success rate (SUCCESS counts as ok), IGNORED ignored (Envoy's non-split mode);
 * - retries: `RetryPolicy.matchesTry(kind, status)`;
 * - metrics and the access log: `tryCause` / `tryStatus` and the Envoy flags below.
 */
import {
  CAUSE_BREAKER_OPEN,
  CAUSE_BUDGET,
  CAUSE_CONNECT_FAILURE,
  CAUSE_FAULT_ABORT,
  CAUSE_MTLS,
  CAUSE_NO_HEALTHY,
  CAUSE_NO_ROUTE,
  CAUSE_NONE,
  CAUSE_PER_TRY_TIMEOUT,
  CAUSE_POOL_OVERFLOW,
  CAUSE_RESET,
  CAUSE_ROUTE_TIMEOUT,
  CAUSE_TIMEOUT,
} from '../model/causes.ts';

/** How one try ended, as the caller-side proxy sees it. */
export const TRY_RESPONSE = 0;
export const TRY_CONNECT_FAILURE = 1;
export const TRY_RESET = 2;
export const TRY_PER_TRY_TIMEOUT = 3;
/** A local circuit-breaker overflow (UO) reported for a try: never retried, ignored by detectors. */
export const TRY_OVERFLOW = 4;
export type TryKind = 0 | 1 | 2 | 3 | 4;

export const CLASS_SUCCESS = 0;
export const CLASS_5XX = 1;
export const CLASS_GATEWAY = 2;
export const CLASS_IGNORED = 3;
export type TryClass = 0 | 1 | 2 | 3;

/** The verdict every consumer shares. */
export function classifyTry(kind: number, status: number): TryClass {
  switch (kind) {
    case TRY_RESPONSE:
      if (status >= 500 && status <= 599) return status >= 502 && status <= 504 ? CLASS_GATEWAY : CLASS_5XX;
      return CLASS_SUCCESS;
    case TRY_OVERFLOW:
      return CLASS_IGNORED;
    default:
      return CLASS_GATEWAY; // connect failure and reset: 503; per-try timeout: 504
  }
}

/** The status a try stands for (local-origin failures are mapped as Envoy maps them). */
export function tryStatus(kind: number, status: number): number {
  switch (kind) {
    case TRY_RESPONSE:
      return status;
    case TRY_PER_TRY_TIMEOUT:
      return 504;
    default:
      return 503;
  }
}

/** The cause of a try: the upstream's own for a response, the local-origin one otherwise. */
export function tryCause(kind: number, upstreamCause: number): number {
  switch (kind) {
    case TRY_RESPONSE:
      return upstreamCause;
    case TRY_CONNECT_FAILURE:
      return CAUSE_CONNECT_FAILURE;
    case TRY_RESET:
      return CAUSE_RESET;
    case TRY_PER_TRY_TIMEOUT:
      return CAUSE_PER_TRY_TIMEOUT;
    default:
      return CAUSE_POOL_OVERFLOW;
  }
}

/** A try whose answer the exchange hands to the caller as a success (and that ends the exchange). */
export function tryOk(kind: number, status: number, upstreamCause: number): boolean {
  return kind === TRY_RESPONSE && status < 500 && upstreamCause === CAUSE_NONE;
}

// ───────────────────────── Envoy response flags ─────────────────────────

export const FLAG_UH = 1;
export const FLAG_UT = 2;
export const FLAG_LR = 4;
export const FLAG_UF = 8;
export const FLAG_UC = 16;
export const FLAG_UO = 32;
export const FLAG_NR = 64;
export const FLAG_DI = 128;
export const FLAG_FI = 256;
export const FLAG_DC = 512;
export const FLAG_URX = 1024;

/** In the order Envoy prints them (`%RESPONSE_FLAGS%`, enum order of `CoreResponseFlag`). */
const FLAG_NAMES: ReadonlyArray<readonly [number, string]> = [
  [FLAG_UH, 'UH'],
  [FLAG_UT, 'UT'],
  [FLAG_LR, 'LR'],
  [FLAG_UF, 'UF'],
  [FLAG_UC, 'UC'],
  [FLAG_UO, 'UO'],
  [FLAG_NR, 'NR'],
  [FLAG_DI, 'DI'],
  [FLAG_FI, 'FI'],
  [FLAG_DC, 'DC'],
  [FLAG_URX, 'URX'],
];

const flagText = new Map<number, string>();

/** `UF,URX`, or `-` for none. Cached per combination (a handful exist). */
export function flagsText(bits: number): string {
  let s = flagText.get(bits);
  if (s === undefined) {
    const parts: string[] = [];
    for (const [bit, name] of FLAG_NAMES) if (bits & bit) parts.push(name);
    s = parts.length ? parts.join(',') : '-';
    flagText.set(bits, s);
  }
  return s;
}

/** The Envoy flag bits a cause carries by itself (CAUSE_NONE and upstream answers: none). */
export function flagBitsOfCause(cause: number): number {
  switch (cause) {
    case CAUSE_TIMEOUT:
      return FLAG_DC;
    case CAUSE_ROUTE_TIMEOUT:
    case CAUSE_PER_TRY_TIMEOUT:
      return FLAG_UT;
    case CAUSE_POOL_OVERFLOW:
    case CAUSE_BREAKER_OPEN:
    case CAUSE_BUDGET:
      return FLAG_UO;
    case CAUSE_NO_HEALTHY:
      return FLAG_UH;
    case CAUSE_CONNECT_FAILURE:
    case CAUSE_MTLS:
      return FLAG_UF;
    case CAUSE_RESET:
      return FLAG_UC;
    case CAUSE_FAULT_ABORT:
      return FLAG_FI;
    case CAUSE_NO_ROUTE:
      return FLAG_NR;
    default:
      return 0;
  }
}

export function flagsOfCause(cause: number): string {
  return flagsText(flagBitsOfCause(cause));
}
