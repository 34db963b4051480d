import type { IncomingMessage, ServerResponse } from 'node:http';
import { json, listenLoopback, readText } from './http.js';
import type { EventKind, Ledger } from './ledger.js';
import { admit, KeyedBuckets, retryAfterSeconds } from './token-bucket.js';

/** Bot Framework's documented limits for a bot: per conversation and per tenant. */
export const TEAMS_LIMITS = { perConversation: 7, perTenant: 30 } as const;

const ACTIVITIES = /\/v3\/conversations\/([^/]+)\/activities(?:\/[^/]+)?\/?$/;

/** Teams' notification headlines (adapters/teams/notification-message.ts) back to event kinds. */
function parseTeamsText(text: string): { incident: number; kind: EventKind } | null {
  const patterns: Array<[RegExp, EventKind]> = [
    [/You are now following incident #(\d+)/, 'subscribed'],
    [/Update on incident #(\d+)/, 'update'],
    [/Incident #(\d+) is resolved/, 'resolved'],
    [/Reminder about incident #(\d+)/, 'reminder'],
  ];
  for (const [re, kind] of patterns) {
    const m = re.exec(text);
    if (m?.[1]) return { incident: Number(m[1]), kind };
  }
  return null;
}

interface ActivityBody {
  summary?: string;
  text?: string;
  conversation?: { tenantId?: string };
  channelData?: { tenant?: { id?: string } };
}

/**
 * A Bot Framework connector (the `serviceUrl` of the stored conversation references) on loopback:
 * accepts proactive sends, `POST /v3/conversations/{id}/activities`, within 7 messages per second
 * per conversation and 30 requests per second per tenant, and answers 429 with `Retry-After` past
 * either. The tenant comes from the activity, or from the registry the bench filled when seeding.
 */
export class TeamsEmulator {
  private readonly conversations = new KeyedBuckets(TEAMS_LIMITS.perConversation, 7);
  private readonly tenants = new KeyedBuckets(TEAMS_LIMITS.perTenant, TEAMS_LIMITS.perTenant);
  private readonly tenantOf = new Map<string, string>();
  private closeServer: () => Promise<void> = () => Promise.resolve();
  url = '';

  constructor(private readonly ledger: Ledger) {}

  async start(): Promise<this> {
    const { url, close } = await listenLoopback((req, res) => this.handle(req, res));
    this.url = `${url}/`;
    this.closeServer = close;
    return this;
  }

  /** Tells the connector which tenant a conversation belongs to. */
  register(conversationId: string, tenantId: string): void {
    this.tenantOf.set(conversationId, tenantId);
  }

  stop(): Promise<void> {
    return this.closeServer();
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const raw = await readText(req);
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const send = req.method === 'POST' ? ACTIVITIES.exec(path) : null;
    if (!send?.[1]) return json(res, 404, { error: { code: 'NotFound', message: path } });
    const conversationId = decodeURIComponent(send[1]);
    const activity = JSON.parse(raw || '{}') as ActivityBody;
    const tenant =
      activity.conversation?.tenantId ??
      activity.channelData?.tenant?.id ??
      this.tenantOf.get(conversationId) ??
      'unknown';
    const wait = admit([this.conversations.get(conversationId), this.tenants.get(tenant)]);
    if (wait > 0) {
      this.ledger.refuse('teams 429');
      return json(
        res,
        429,
        { error: { code: 'Throttled', message: 'Too many requests' } },
        { 'retry-after': retryAfterSeconds(wait) },
      );
    }
    const event = parseTeamsText(activity.summary ?? activity.text ?? '');
    if (event) this.ledger.record({ channel: 'teams', recipient: conversationId, ...event });
    else this.ledger.unparsed += 1;
    json(res, 200, { id: `activity-${Date.now()}` });
  }
}
