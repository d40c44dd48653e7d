/** Which program a live sidecar runs: the pre-built bundle only when current, TypeScript otherwise. */
import { describe, expect, it } from 'vitest';
import { nodeArgs } from '../../simulator/live/backend/process.ts';
import { SIDECAR_BUNDLE, SIDECAR_SOURCE, sidecarEntry } from '../../simulator/live/run/entries.ts';

describe('live program entries', () => {
  it('MESHDOJO_NO_BUNDLE=1 runs the TypeScript entry through tsx', () => {
    const e = sidecarEntry({ MESHDOJO_NO_BUNDLE: '1' });
    expect(e).toBe(SIDECAR_SOURCE);
    expect(nodeArgs(e)).toEqual(['--import', 'tsx', SIDECAR_SOURCE]);
  });

  it('a bundle runs under plain node', () => {
    expect(nodeArgs(SIDECAR_BUNDLE)).toEqual([SIDECAR_BUNDLE]);
    expect([SIDECAR_BUNDLE, SIDECAR_SOURCE]).toContain(sidecarEntry({}));
  });
});
