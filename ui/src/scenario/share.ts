/**
 * A shareable URL: the scenario's documents and seed in the fragment (no server involved).
 * base64url of UTF-8 JSON; a shipped topology is referred to by id instead of its text.
 */
export interface SharedScenario {
  topology: { id?: string; text?: string };
  policies: string[];
  chaos: string[];
  seed: number;
  durationMs?: number;
}

function toBase64Url(s: string): string {
  const bytes = new TextEncoder().encode(s);
  let bin = '';
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function fromBase64Url(s: string): string {
  const bin = atob(s.replace(/-/g, '+').replace(/_/g, '/'));
  return new TextDecoder().decode(Uint8Array.from(bin, (c) => c.charCodeAt(0)));
}

export function encodeShare(s: SharedScenario): string {
  return `s=${toBase64Url(JSON.stringify(s))}`;
}

/** The shared scenario in a URL fragment, or null (with no fragment or a damaged one). */
export function decodeShare(hash: string): SharedScenario | null {
  const m = /(?:^#?|&)s=([A-Za-z0-9_-]+)/.exec(hash);
  if (!m) return null;
  try {
    const v = JSON.parse(fromBase64Url(m[1])) as SharedScenario;
    if (typeof v.seed !== 'number' || !Array.isArray(v.policies) || !Array.isArray(v.chaos)) return null;
    return v;
  } catch {
    return null;
  }
}
