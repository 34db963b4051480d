import { describe, expect, it } from 'vitest';
import { MemorySeenRequests } from '../../adapters/slack/seen-requests.js';
import { FakeClock } from '../support/fake-clock.js';

describe('the in-memory record of requests already acted on', () => {
  it('answers a repeat within the retention, forgets it after', async () => {
    const clock = new FakeClock();
    const seen = new MemorySeenRequests(clock, { retentionMs: 600_000, maxKeys: 100 });
    expect(await seen.claim('a')).toBe(true);
    clock.advance(599_999);
    expect(await seen.claim('a')).toBe(false);
    expect(await seen.claim('b')).toBe(true);
    clock.advance(1);
    // `a` has expired (600 s after its first sight), `b` has not.
    expect(await seen.claim('b')).toBe(false);
    expect(seen.size).toBe(1);
    expect(await seen.claim('a')).toBe(true);
  });

  it('stays within its bound, forgetting the oldest first', async () => {
    const seen = new MemorySeenRequests(new FakeClock(), { retentionMs: 600_000, maxKeys: 3 });
    for (const key of ['a', 'b', 'c', 'd']) expect(await seen.claim(key)).toBe(true);
    expect(seen.size).toBe(3);
    expect(await seen.claim('d')).toBe(false);
    expect(await seen.claim('b')).toBe(false);
    expect(await seen.claim('a')).toBe(true);
  });
});
