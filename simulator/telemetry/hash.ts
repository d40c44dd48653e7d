/**
 * Canonical JSON and the RunResult hash.
 *
 * `canonicalJson` is the byte-exact serialisation the hash is taken over:
 * - object keys sorted by UTF-16 code units (`Array.prototype.sort` default), at every depth;
 * - keys whose value is `undefined` (or a function/symbol) are left out, as `JSON.stringify` does;
 *   inside arrays they become `null`;
 * - numbers: safe integers are written exactly; other finite numbers are rounded to
 *   `digits` (default 6) significant digits with `Number.prototype.toPrecision` — which ECMAScript
 *   specifies exactly, so every engine rounds the same way — then written in the shortest form;
 *   `-0` → `0`; `NaN` and `±Infinity` → `null`;
 * - strings as `JSON.stringify` writes them; no whitespace.
 * The rounding absorbs last-bit differences of floating-point library functions between engines
 * (Math.exp/log/pow are not required to be correctly rounded), which is what keeps the hash of
 * the same run equal in Node, a worker thread and a browser.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js';

export interface CanonicalOptions {
  /** Significant digits of non-integer numbers (1..21). Default 6. */
  digits?: number;
}

/** The canonical text of one number. */
export function canonicalNumber(x: number, digits = 6): string {
  if (!Number.isFinite(x)) return 'null';
  if (x === 0) return '0'; // also -0
  if (Number.isSafeInteger(x)) return String(x);
  const r = Number(x.toPrecision(digits));
  return r === 0 ? '0' : String(r);
}

export function canonicalJson(value: unknown, options: CanonicalOptions = {}): string {
  const parts: string[] = [];
  const w = new Writer(options.digits ?? 6, (chunk) => {
    parts.push(chunk);
  });
  w.value(value, false);
  w.flush();
  return parts.join('');
}

/** Streams canonical JSON in chunks of ~64 KiB (so hashing a large result needs no big string). */
class Writer {
  private buf = '';
  constructor(
    private readonly digits: number,
    private readonly sink: (chunk: string) => void,
  ) {}

  private put(s: string): void {
    this.buf += s;
    if (this.buf.length >= 65536) this.flush();
  }

  flush(): void {
    if (this.buf.length > 0) {
      this.sink(this.buf);
      this.buf = '';
    }
  }

  /** Write `v`; returns false (writing nothing) when `v` is omitted as an object member. */
  value(v: unknown, inArray: boolean): boolean {
    switch (typeof v) {
      case 'number':
        this.put(canonicalNumber(v, this.digits));
        return true;
      case 'string':
        this.put(JSON.stringify(v));
        return true;
      case 'boolean':
        this.put(v ? 'true' : 'false');
        return true;
      case 'bigint':
        this.put(v.toString());
        return true;
      case 'undefined':
      case 'function':
      case 'symbol':
        if (inArray) this.put('null');
        return inArray;
      default:
        break;
    }
    if (v === null) {
      this.put('null');
      return true;
    }
    const obj = v as { toJSON?: () => unknown };
    if (typeof obj.toJSON === 'function') return this.value(obj.toJSON(), inArray);
    if (Array.isArray(v) || ArrayBuffer.isView(v)) {
      const arr = v as ArrayLike<unknown>;
      this.put('[');
      for (let i = 0; i < arr.length; i++) {
        if (i > 0) this.put(',');
        this.value(arr[i], true);
      }
      this.put(']');
      return true;
    }
    const rec = v as Record<string, unknown>;
    const keys = Object.keys(rec).sort();
    this.put('{');
    let first = true;
    for (const k of keys) {
      const m = rec[k];
      const t = typeof m;
      if (t === 'undefined' || t === 'function' || t === 'symbol') continue;
      this.put(first ? JSON.stringify(k) + ':' : ',' + JSON.stringify(k) + ':');
      this.value(m, false);
      first = false;
    }
    this.put('}');
    return true;
  }
}

/** sha256 (hex) of a string's UTF-8 bytes. */
export function sha256Hex(text: string): string {
  return bytesToHex(sha256(utf8ToBytes(text)));
}

/**
 * The hash of a RunResult: sha256 hex of the canonical JSON of the result without `hash`, `wall`
 * (the wall-clock facts) and `scenario` (a label: a sweep names its variants, a run does not, and
 * the same simulation must hash the same). Works on any object shaped like a RunResult.
 */
export function resultHash(result: object): string {
  const rest: Record<string, unknown> = { ...(result as Record<string, unknown>) };
  delete rest.hash;
  delete rest.wall;
  delete rest.scenario;
  const h = sha256.create();
  const w = new Writer(6, (chunk) => {
    h.update(utf8ToBytes(chunk));
  });
  w.value(rest, false);
  w.flush();
  return bytesToHex(h.digest());
}
