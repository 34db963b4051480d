import type { CloudAdapter } from 'botbuilder';
import {
  DeliveryError,
  type DeliveryJob,
  type Messenger,
  type RateLimit,
} from '../../src/delivery/ports.js';
import type { IncidentLinker } from '../../src/stakeholder-link.js';
import { BotToken } from './bot-token.js';
import { connectorDeliveryError, connectorStatus } from './connector-error.js';
import { ConnectorRest, CONNECTOR_TIMEOUT_MS } from './connector-rest.js';
import { ProactiveActivities } from './proactive-activity.js';

/** What only tests change. */
export interface DirectMessengerOptions {
  /** How long a send may wait for the connector's answer (default 15 s). */
  timeoutMs?: number;
}

/**
 * The tenant's window at the door: Teams' second and 10 ms. The engine releases its sends on
 * ticks (`DEFAULT_TICK_MS`, 515 ms), two of which span 1,030 ms, so a tick's sends find the places
 * of those two ticks before free again if these left within the 20 ms the two differ by (a tick's
 * 15 sends take 2–4 ms to leave when Teams sends alone). At 1,030 ms, two ticks exactly, those
 * places were still taken for as long as the earlier sends had taken to leave: whenever a tick's
 * sends left faster than those two ticks before, they were held, and went out a few at a time on
 * the door's 10 ms grid, later than their tick, so that their places freed late again a window on
 * (Teams alone at 28.6 sends a second: 45–50 wake-ups a second, against 35–43 at this window).
 * The 10 ms past Teams' second are a margin for arrivals a little closer together than their
 * departures; sends that leave on their tick have the 30 ms between two ticks and a second.
 */
export const TENANT_WINDOW_MS = 1_010;

/**
 * The limits a Teams send is paced by, keyed by its conversation and its tenant. Teams counts
 * windows, not buckets: per conversation at most 7 sends in 1 s, 8 in 2 s, 60 in 30 s and 1,800
 * in an hour; per tenant at most 30 requests in any one second. A bucket keeps inside a window
 * when its burst plus its rate times the window stays under the window's count.
 * Paced by the engine (97 % of the rate, half the burst), 0.5/s with a burst of 6 allows a
 * conversation 3.5 sends in 1 s, 4 in 2 s, 18 in 30 s and 1,749 in an hour. For the tenant, a
 * bucket of burst 1 at 29.5/s books turns 35 ms apart (95.4 % of 30/s), and the check as each
 * send leaves counts the tenant's actual departures as Teams does, in a window: at most 30 in
 * any {@link TENANT_WINDOW_MS}.
 */
export function teamsLimits(
  conversationOf: (job: DeliveryJob) => string,
  tenantOf: (job: DeliveryJob) => string,
): RateLimit[] {
  return [
    { name: 'conversation', ratePerSecond: 0.5, burst: 6, key: conversationOf },
    {
      name: 'tenant',
      ratePerSecond: 29.5,
      burst: 1,
      window: { ms: TENANT_WINDOW_MS, max: 30 },
      key: tenantOf,
    },
  ];
}

/**
 * Sends notifications as proactive 1:1 Teams messages, from the conversation reference stored when
 * the person installed the app: one `SendToConversation` call per message (connector-rest.ts),
 * with the bot's token from the adapter's own credentials (bot-token.ts). A message no longer
 * runs a botbuilder turn: the turn, its connector client and pipeline cost about a millisecond of
 * CPU per message. Failures come back classified for the delivery engine (the only layer that
 * retries), exactly as the SDK's were.
 */
export class TeamsDirectMessenger implements Messenger {
  readonly channel = 'teams' as const;
  readonly limits: readonly RateLimit[] = teamsLimits(
    (job) => this.activities.reference(job)?.conversation.id ?? `person:${job.person.id}`,
    // The tenant of the stored reference; without one, the service URL stands in for it.
    (job) => {
      const ref = this.activities.reference(job);
      return ref?.conversation.tenantId ?? ref?.serviceUrl ?? 'unknown';
    },
  );
  private readonly activities: ProactiveActivities;
  private readonly connector: ConnectorRest;
  private readonly tokens: BotToken;

  constructor(
    adapter: CloudAdapter,
    /** The bot's Microsoft App ID; '' when authentication is off (local development). */
    appId: string,
    /** The reader's personal link to an incident's page ("View incident" on the card). */
    incidentLink: IncidentLinker | null = null,
    options: DirectMessengerOptions = {},
  ) {
    this.activities = new ProactiveActivities(incidentLink);
    this.connector = new ConnectorRest(options.timeoutMs ?? CONNECTOR_TIMEOUT_MS);
    this.tokens = new BotToken(adapter, appId);
  }

  async send(job: DeliveryJob, wentOut?: () => void): Promise<void> {
    const message = this.activities.body(job);
    if (!message) {
      throw new DeliveryError('permanent', 'no Teams conversation reference (app not installed)', {
        unreachable: true,
      });
    }
    const { reference, body } = message;
    let token: string | null = null;
    try {
      // Before the call: token acquisition (MSAL, a few hundred ms when fetched rather than
      // cached: the request goes out that much later, and `wentOut` says when), a malformed
      // service URL.
      token = await this.tokens.token(reference);
      await this.connector.sendToConversation({
        serviceUrl: reference.serviceUrl,
        conversationId: reference.conversation.id,
        body,
        token,
        wentOut,
      });
    } catch (error) {
      if (token !== null && connectorStatus(error) === 401) this.tokens.refused();
      throw connectorDeliveryError(error);
    }
  }

  /** Closes the messenger's connections (tests, benches). */
  close(): void {
    this.connector.close();
  }
}
