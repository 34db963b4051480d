import type { Activity, TurnContext } from 'botbuilder';
import { connectorRetryAfterMs, connectorStatus } from './connector-error.js';

/** Attempts of one reply: the first and two after waiting out a 429's `Retry-After`. */
const ATTEMPTS = 3;
/** A reply that would wait longer than this is given up: the person has moved on. */
const MAX_WAIT_MS = 10_000;

/**
 * Sends a reply in the turn's conversation. The connector client's own retries are stripped (the
 * delivery engine owns the retries of notifications), but a reply is not in the outbox: a person
 * who sends several messages in a row can take their conversation past Teams' per-conversation
 * limits (8 in 2 s), and the reply would be lost. So a 429 is waited out here, as its
 * `Retry-After` says, a bounded number of times; any other failure is thrown as before.
 */
export async function sendReply(
  turn: TurnContext,
  activity: Partial<Activity>,
  sleep: (ms: number) => Promise<void> = (ms) => new Promise((r) => setTimeout(r, ms)),
): Promise<void> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      await turn.sendActivity(activity);
      return;
    } catch (err) {
      const wait = connectorRetryAfterMs(err) ?? 1000;
      if (connectorStatus(err) !== 429 || attempt >= ATTEMPTS || wait > MAX_WAIT_MS) throw err;
      await sleep(wait);
    }
  }
}
