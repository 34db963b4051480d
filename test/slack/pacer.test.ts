import { WebAPIRateLimitedError } from '@slack/web-api/dist/errors.js';
import { describe, expect, it } from 'vitest';
import { NOT_NEEDED, SLACK_PACE, SlackPacer } from '../../adapters/slack/pacer.js';
import { FakeClock } from '../support/fake-clock.js';
import { SLACK_TIERS } from '../support/fake-slack.js';

/** Lets every settled promise run its continuations. */
const flush = () => new Promise<void>((resolve) => setImmediate(resolve));

/** A pacer on a fake clock, and a log of when (fake ms since start) each call was sent. */
function setup() {
  const clock = new FakeClock(0);
  const pacer = new SlackPacer(clock);
  const sent: Array<{ method: string; id: string; at: number }> = [];
  const send = (
    method: string,
    id: string,
    answer: () => Promise<string> = () => Promise.resolve(id),
  ) =>
    pacer.call(method, () => {
      sent.push({ method, id, at: clock.now() });
      return answer();
    });
  /** Advances the clock in small steps, letting the pacer act between them. */
  const run = async (ms: number, step = 10) => {
    for (let t = 0; t < ms; t += step) {
      clock.advance(step);
      await flush();
    }
  };
  return { clock, pacer, sent, send, run };
}

describe('the Slack pacer', () => {
  it('stays under every tier the emulator enforces, with a margin', () => {
    for (const [method, pace] of Object.entries(SLACK_PACE)) {
      const tier = SLACK_TIERS[method];
      expect(tier, method).toBeDefined();
      expect(pace.perMinute, method).toBeLessThan(tier!.perMinute);
      expect(pace.burst, method).toBeLessThan(tier!.burst);
    }
  });

  it('sends a burst at once, then one call per token (users.info: 90 a minute)', async () => {
    const { sent, send, run } = setup();
    const calls = Array.from({ length: 13 }, (_, i) => send('users.info', `U${i}`));
    await flush();
    expect(sent).toHaveLength(10);
    await run(2_000);
    await Promise.all(calls);
    // The 11th, 12th and 13th a token's time (60 000 / 90 ≈ 667 ms) apart.
    expect(sent.slice(10).map((s) => Math.ceil(s.at / 10) * 10)).toEqual([670, 1340, 2000]);
  });

  it('a 429 pauses the method until Retry-After, then sends the call again; other methods go on', async () => {
    const { sent, send, run } = setup();
    let refuse = true;
    const limited = send('users.list', 'page', () => {
      if (!refuse) return Promise.resolve('page');
      refuse = false;
      return Promise.reject(new WebAPIRateLimitedError(3));
    });
    await flush();
    // Sent after the 429 came back: it waits for the pause too.
    const queued = send('users.list', 'next');
    const other = send('users.info', 'U1');
    await flush();
    expect(await other).toBe('U1');
    await run(2_990);
    // Nothing of users.list was sent while the pause held.
    expect(sent.filter((s) => s.method === 'users.list').map((s) => s.at)).toEqual([0]);
    await run(20);
    expect(await limited).toBe('page');
    // The refused call at the end of the pause, the next a token later (60 000 / 18 ms): no burst.
    await run(3_400);
    expect(await queued).toBe('next');
    const list = sent.filter((s) => s.method === 'users.list');
    expect(list.map((s) => [s.id, Math.ceil(s.at / 10) * 10])).toEqual([
      ['page', 0],
      ['page', 3_000],
      ['next', 6_340],
    ]);
  });

  it('any other error is the caller’s, at once', async () => {
    const { send } = setup();
    await expect(
      send('users.info', 'U1', () => Promise.reject(new Error('socket hang up'))),
    ).rejects.toThrow('socket hang up');
  });

  it('urgent calls go before calls that are not, and a call no longer needed is not sent', async () => {
    const { clock, pacer, sent, run } = setup();
    const call = (id: string, opts: Parameters<SlackPacer['call']>[2] = {}) =>
      pacer.call(
        'users.list',
        () => {
          sent.push({ method: 'users.list', id, at: clock.now() });
          return Promise.resolve(id);
        },
        opts,
      );
    // Spend the burst (three for users.list), then queue.
    await Promise.all([call('a'), call('b'), call('c')]);
    let wanted = true;
    const later = call('later');
    const dropped = call('dropped', { stillNeeded: () => wanted });
    const urgent = call('urgent', { urgent: true });
    wanted = false;
    await run(10_000, 100);
    expect(await dropped).toBe(NOT_NEEDED);
    await Promise.all([later, urgent]);
    expect(sent.map((s) => s.id)).toEqual(['a', 'b', 'c', 'urgent', 'later']);
  });
});
