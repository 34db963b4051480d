import type { CloudAdapter } from 'botbuilder';
import {
  DeliveryError,
  type DeliveryJob,
  type Messenger,
  type RateLimit,
} from '../../src/delivery/ports.js';
import { connectorDeliveryError } from './connector-error.js';
import { parseReference } from './conversation-ref.js';
import { notificationMessage } from './notification-message.js';

const conversationKey = (job: DeliveryJob): string =>
  parseReference(job.person.teamsConversationRef)?.conversation.id ?? `person:${job.person.id}`;

/** The tenant of the stored reference; without one, the service URL stands in for it. */
const tenantKey = (job: DeliveryJob): string => {
  const ref = parseReference(job.person.teamsConversationRef);
  return ref?.conversation.tenantId ?? ref?.serviceUrl ?? 'unknown';
};

/**
 * Sends notifications as proactive 1:1 Teams messages, from the conversation reference stored when
 * the person installed the app. Failures come back classified for the delivery engine (the only
 * layer that retries); the adapter's connector clients run without SDK retries.
 */
export class TeamsDirectMessenger implements Messenger {
  readonly channel = 'teams' as const;
  /** Teams: 7 messages per second per conversation, and about 30 requests per second per tenant. */
  readonly limits: readonly RateLimit[] = [
    { name: 'conversation', ratePerSecond: 7, burst: 7, key: conversationKey },
    { name: 'tenant', ratePerSecond: 30, burst: 30, key: tenantKey },
  ];

  constructor(
    private readonly adapter: CloudAdapter,
    /** The bot's Microsoft App ID; '' when authentication is off (local development). */
    private readonly appId: string,
  ) {}

  async send(job: DeliveryJob): Promise<void> {
    const reference = parseReference(job.person.teamsConversationRef);
    if (!reference) {
      throw new DeliveryError('permanent', 'no Teams conversation reference (app not installed)', {
        unreachable: true,
      });
    }
    const message = notificationMessage(job.event.payload);
    // The adapter's turn-error handler would swallow a failure thrown inside the turn: carry it out.
    let failure: { error: unknown } | null = null;
    try {
      await this.adapter.continueConversationAsync(this.appId, reference, async (turn) => {
        try {
          await turn.sendActivity(message);
        } catch (error) {
          failure = { error };
        }
      });
    } catch (error) {
      // Before the turn: token acquisition, a malformed reference.
      failure ??= { error };
    }
    if (failure) throw connectorDeliveryError(failure.error);
  }
}
