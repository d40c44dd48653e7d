/**
 * Request bodies decoded as Toxiproxy's Go server decodes them (encoding/json over defaults): keys
 * match case-insensitively, `null` keeps the default, unknown keys are ignored, and a value of the
 * wrong JSON type is a 400 whose message has Go's wording.
 */
import { badBody } from './errors.ts';
import type { Attributes } from './toxics.ts';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type JsonObject = { [k: string]: Json };

export function parseBody(text: string): Json {
  if (text.trim() === '') throw badBody('EOF');
  try {
    return JSON.parse(text) as Json;
  } catch (err) {
    const msg = (err as Error).message;
    throw badBody(
      /end of JSON|Unterminated|Unexpected end/i.test(msg) ? 'unexpected EOF' : `invalid JSON: ${msg}`,
    );
  }
}

function jsonKind(v: Json): string {
  if (Array.isArray(v)) return 'array';
  if (v === null) return 'null';
  return typeof v === 'object' ? 'object' : typeof v === 'boolean' ? 'bool' : typeof v;
}

function mismatch(v: Json, where: string, goType: string): Error {
  const kind = jsonKind(v) === 'number' && !Number.isInteger(v) ? `number ${String(v)}` : jsonKind(v);
  return badBody(`json: cannot unmarshal ${kind} into Go struct field ${where} of type ${goType}`);
}

/** The value of `key` in `obj`: an exact match first, then Go's case-insensitive one. */
function field(obj: JsonObject, key: string): Json | undefined {
  if (Object.hasOwn(obj, key)) return obj[key];
  const k = Object.keys(obj).find((x) => x.toLowerCase() === key);
  return k === undefined ? undefined : obj[k];
}

export function asObject(v: Json, goType: string): JsonObject {
  if (v === null) return {};
  if (typeof v !== 'object' || Array.isArray(v))
    throw badBody(`json: cannot unmarshal ${jsonKind(v)} into Go value of type ${goType}`);
  return v;
}

export function str(obj: JsonObject, key: string, where: string, dflt: string): string {
  const v = field(obj, key);
  if (v === undefined || v === null) return dflt;
  if (typeof v !== 'string') throw mismatch(v, `${where}.${key}`, 'string');
  return v;
}

export function bool(obj: JsonObject, key: string, where: string, dflt: boolean): boolean {
  const v = field(obj, key);
  if (v === undefined || v === null) return dflt;
  if (typeof v !== 'boolean') throw mismatch(v, `${where}.${key}`, 'bool');
  return v;
}

export function float(obj: JsonObject, key: string, where: string, dflt: number): number {
  const v = field(obj, key);
  if (v === undefined || v === null) return dflt;
  if (typeof v !== 'number') throw mismatch(v, `${where}.${key}`, 'float32');
  return float32(v);
}

/** The float32 nearest to `v`, written as Go writes a float32: the shortest decimal that rounds back. */
function float32(v: number): number {
  const f = Math.fround(v);
  for (let p = 1; p < 10; p++) {
    const c = Number(f.toPrecision(p));
    if (Math.fround(c) === f) return c;
  }
  return f;
}

export function has(obj: JsonObject, key: string): boolean {
  return field(obj, key) !== undefined;
}

/** A toxic's attributes decoded over `current` (zero defaults on create, the present values on update). */
export function attributes(
  obj: JsonObject,
  goName: string,
  types: Record<string, 'int' | 'int64'>,
  current: Attributes,
): Attributes {
  const out: Attributes = { ...current };
  const raw = field(obj, 'attributes');
  if (raw === undefined || raw === null) return out;
  if (typeof raw !== 'object' || Array.isArray(raw))
    throw mismatch(raw, `${goName}.attributes`, `toxics.${goName}`);
  for (const [key, goType] of Object.entries(types)) {
    const v = field(raw, key);
    if (v === undefined || v === null) continue;
    if (typeof v !== 'number' || !Number.isSafeInteger(v))
      throw mismatch(v, `${goName}.attributes.${key}`, goType);
    out[key] = v;
  }
  return out;
}

export type { Json, JsonObject };
