import { describe, expect, it } from 'vitest';
import { ConnectionPool, ENVOY_POOL_DEFAULTS } from '../../simulator/mesh/pool.ts';

describe('ConnectionPool', () => {
  it('go while active < min(maxConnections, maxRequests), then pending, then overflow', () => {
    const pool = new ConnectionPool<string>({
      maxConnections: 3,
      maxRequests: 2,
      maxPendingRequests: 2,
      maxRetries: 3,
    });
    const got = ['a', 'b', 'c', 'd', 'e', 'f'].map((x) => pool.admit(x));
    expect(got).toEqual(['go', 'go', 'queued', 'queued', 'overflow', 'overflow']);
    expect([pool.active, pool.pending, pool.overflows]).toEqual([2, 2, 2]);
  });

  it('release hands the slot to the oldest pending request (FIFO), then frees it', () => {
    const pool = new ConnectionPool<string>({
      maxConnections: 1,
      maxRequests: 1024,
      maxPendingRequests: 3,
      maxRetries: 3,
    });
    expect(pool.admit('a')).toBe('go');
    expect(pool.admit('b')).toBe('queued');
    expect(pool.admit('c')).toBe('queued');
    expect(pool.admit('d')).toBe('queued');
    expect(pool.admit('e')).toBe('overflow');
    expect(pool.release()).toBe('b');
    expect([pool.active, pool.pending]).toEqual([1, 2]);
    expect(pool.admit('f')).toBe('queued');
    expect(pool.release()).toBe('c');
    expect(pool.release()).toBe('d');
    expect(pool.release()).toBe('f');
    expect(pool.release()).toBeUndefined();
    expect([pool.active, pool.pending, pool.overflows]).toEqual([0, 0, 1]);
    expect(pool.admit('g')).toBe('go');
  });

  it('removePending drops a timed-out request anywhere in the queue, keeping FIFO order', () => {
    const pool = new ConnectionPool<number>({
      maxConnections: 1,
      maxRequests: 1,
      maxPendingRequests: 100,
      maxRetries: 3,
    });
    pool.admit(0);
    for (let i = 1; i <= 40; i++) expect(pool.admit(i)).toBe('queued'); // grows the ring past 16 and 32
    for (let i = 1; i <= 30; i++) expect(pool.release()).toBe(i); // the head moves to slot 30 of 64
    for (let i = 41; i <= 70; i++) pool.admit(i); // 40 pending: the ring wraps around
    expect(pool.pending).toBe(40);
    expect(pool.removePending(31)).toBe(true); // the head
    expect(pool.removePending(50)).toBe(true); // the middle
    expect(pool.removePending(66)).toBe(true); // after the wrap
    expect(pool.removePending(70)).toBe(true); // the tail
    expect(pool.removePending(50)).toBe(false);
    expect(pool.removePending(5)).toBe(false); // already started
    const order: number[] = [];
    for (let x = pool.release(); x !== undefined; x = pool.release()) order.push(x);
    const expected: number[] = [];
    for (let i = 32; i <= 69; i++) if (i !== 50 && i !== 66) expected.push(i);
    expect(order).toEqual(expected);
    expect([pool.active, pool.pending]).toEqual([0, 0]);
  });

  it('with maxPendingRequests 0 every request beyond the limit overflows', () => {
    const pool = new ConnectionPool<string>({
      maxConnections: 2,
      maxRequests: 2,
      maxPendingRequests: 0,
      maxRetries: 3,
    });
    expect(['a', 'b', 'c'].map((x) => pool.admit(x))).toEqual(['go', 'go', 'overflow']);
  });

  it('retries gauge: at most maxRetries concurrent retries (Envoy default 3)', () => {
    const pool = new ConnectionPool<string>();
    expect(pool.maxRetries).toBe(ENVOY_POOL_DEFAULTS.maxRetries);
    expect([pool.tryStartRetry(), pool.tryStartRetry(), pool.tryStartRetry(), pool.tryStartRetry()]).toEqual([
      true,
      true,
      true,
      false,
    ]);
    expect([pool.retries, pool.retryOverflows]).toEqual([3, 1]);
    pool.endRetry();
    expect(pool.tryStartRetry()).toBe(true);
    expect(pool.retries).toBe(3);
  });
});
