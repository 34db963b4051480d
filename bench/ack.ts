import { SlackRequests, type CommandReplies } from '../test/support/slack-requests.js';

export interface AckSamples {
  /** Response times of the POST to `/slack/events`, ms. */
  herald: number[];
  bare: number[];
  /** Answers other than 200 (they are still timed). */
  errors: number;
}

/**
 * One signed `/incident list` and the time until its HTTP response (Bolt's `ack()`; Herald's
 * carries the answer) is read.
 */
async function timeOne(
  requests: SlackRequests,
  user: string,
): Promise<{ ms: number; ok: boolean }> {
  const t0 = performance.now();
  const { res } = await requests.command(user, '/incident', 'list');
  await res.arrayBuffer();
  return { ms: performance.now() - t0, ok: res.status === 200 };
}

/**
 * Command ack latency: `n` signed slash commands to Herald and the same to the bare Bolt app,
 * alternating which goes first, one at a time with `pauseMs` between pairs (a busy incident
 * channel, not a load test). `/incident list` makes Herald do its real work before the ack, which
 * carries the answer: the replay record and a query. Bare Bolt acks empty, so Herald is timed to
 * its answer and bare Bolt to its ack.
 */
export async function measureAcks(
  herald: SlackRequests,
  bare: SlackRequests,
  user: string,
  n: number,
  pauseMs: number,
): Promise<AckSamples> {
  const out: AckSamples = { herald: [], bare: [], errors: 0 };
  for (let i = 0; i < n; i += 1) {
    const order: Array<[SlackRequests, number[]]> = [
      [herald, out.herald],
      [bare, out.bare],
    ];
    if (i % 2 === 1) order.reverse();
    for (const [requests, samples] of order) {
      const { ms, ok } = await timeOne(requests, user);
      samples.push(ms);
      if (!ok) out.errors += 1;
    }
    await new Promise((resolve) => setTimeout(resolve, pauseMs));
  }
  return out;
}

/** Signed requests to one Bolt endpoint; replies go to the Slack emulator. */
export const requestsTo = (
  baseUrl: string,
  signingSecret: string,
  replies: CommandReplies,
): SlackRequests => new SlackRequests(`${baseUrl}/slack/events`, signingSecret, replies);
