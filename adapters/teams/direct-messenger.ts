import type { CloudAdapter } from 'botbuilder';
import {
  DeliveryError,
  type DeliveryJob,
  type Messenger,
  type RateLimit,
} from '../../src/delivery/ports.js';
import { messageLink, type IncidentLinker } from '../../src/stakeholder-link.js';
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
  /**
   * Teams counts windows, not buckets: per conversation at most 7 sends in 1 s, 8 in 2 s, 60 in
   * 30 s and 1,800 in an hour; per tenant at most 30 requests in any one second. A bucket keeps
   * inside a window when its burst plus its rate times the window stays under the window's count.
   * Paced by the engine (97 % of the rate, half the burst), 0.5/s with a burst of 6 allows a
   * conversation 3.5 sends in 1 s, 4 in 2 s, 18 in 30 s and 1,749 in an hour. For the tenant, a
   * burst of 1 at 29.5/s spaces requests 35 ms apart: 30 span 1,013 ms, so a timer that fires up
   * to 13 ms late (a busy event loop) still cannot squeeze a 31st into one second, at 95.4 % of 30/s.
   */
  readonly limits: readonly RateLimit[] = [
    { name: 'conversation', ratePerSecond: 0.5, burst: 6, key: conversationKey },
    { name: 'tenant', ratePerSecond: 29.5, burst: 1, key: tenantKey },
  ];

  constructor(
    private readonly adapter: CloudAdapter,
    /** The bot's Microsoft App ID; '' when authentication is off (local development). */
    private readonly appId: string,
    /** The reader's personal link to an incident's page ("View incident" on the card). */
    private readonly incidentLink: IncidentLinker | null = null,
  ) {}

  async send(job: DeliveryJob): Promise<void> {
    const reference = parseReference(job.person.teamsConversationRef);
    if (!reference) {
      throw new DeliveryError('permanent', 'no Teams conversation reference (app not installed)', {
        unreachable: true,
      });
    }
    const message = notificationMessage(job.event.payload, messageLink(this.incidentLink, job));
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
