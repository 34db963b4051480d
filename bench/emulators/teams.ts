import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  LimitBook,
  TEAMS_CREATE_PER_THREAD,
  TEAMS_MEMBERS_PER_THREAD,
  TEAMS_PER_TENANT,
  TEAMS_SEND_PER_THREAD,
  TEAMS_TENANT_PER_SECOND,
  type Limit,
} from '../../test/support/platform-limits.js';
import { arrivalDelayMs, json, listenLoopback, readText } from './http.js';
import type { EventKind, Ledger } from './ledger.js';

/** Bot Framework's documented limits for a bot, as the bench states its ceilings. */
export const TEAMS_LIMITS = {
  perConversation: TEAMS_SEND_PER_THREAD.windows[0]!.max,
  perTenant: TEAMS_TENANT_PER_SECOND,
} as const;

const ACTIVITIES = /\/v3\/conversations\/([^/]+)\/activities(?:\/[^/]+)?\/?$/;
const CONVERSATIONS = /\/v3\/conversations\/?$/;
const MEMBER = /\/v3\/conversations\/([^/]+)\/members(?:\/([^/]+))?\/?$/;

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
  tenantId?: string;
  members?: Array<{ id?: string }>;
  activity?: ActivityBody;
}

export interface TeamsEmulatorOptions {
  /** The emulator's clock, ms (default: the monotonic clock): tests drive the windows with it. */
  now?: () => number;
  /** See {@link LimitBook}: how long after a 429 a request still counts as on its way. */
  inFlightGraceMs?: number;
  /** See {@link LimitBook}: how late the emulator may read an arrival on a busy machine. */
  arrivalJitterMs?: number | (() => number);
}

/**
 * A Bot Framework connector (the `serviceUrl` of the stored conversation references) on loopback,
 * limited as Teams documents it (test/support/platform-limits.ts): sends to a conversation and
 * conversation creation 7 in 1 s, 8 in 2 s, 60 in 30 s and 1800 in an hour per thread; member
 * look-ups twice that; every request 30 a second per tenant. Past any: 429 with `Retry-After`; a
 * request sent while a `Retry-After` for its key still runs counts as a violation. The tenant comes
 * from the activity, or from the registry the bench filled when seeding.
 */
export class TeamsEmulator {
  /** Requests whose body never arrived whole (the client went away mid-request). */
  aborted = 0;
  /** 1:1 conversations created (`POST /v3/conversations`). */
  created = 0;
  /** Every 429 this emulator answered: which keys had no room, and when (performance.now()). */
  readonly refusals: Array<{
    what: string;
    at: number;
    refusedBy: Array<{ key: string; waitMs: number }>;
  }> = [];
  private readonly book: LimitBook;
  /** How late a request was read, ms: on the real clock only (a test's own clock has no delays). */
  private readonly readLate: (req: IncomingMessage) => number;
  private readonly tenantOf = new Map<string, string>();
  private closeServer: () => Promise<void> = () => Promise.resolve();
  url = '';

  constructor(
    private readonly ledger: Ledger,
    options: TeamsEmulatorOptions = {},
  ) {
    this.book = new LimitBook(options);
    this.readLate = options.now ? () => 0 : arrivalDelayMs;
  }

  async start(): Promise<this> {
    const { url, close } = await listenLoopback(
      (req, res) => this.handle(req, res),
      () => (this.aborted += 1),
    );
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

  /** Judges one request; answers the 429 itself and returns false when it is refused. */
  private admitted(
    req: IncomingMessage,
    res: ServerResponse,
    what: string,
    limits: Array<{ key: string; limit: Limit }>,
  ): boolean {
    const verdict = this.book.check(limits, this.readLate(req));
    if (verdict.violation) this.ledger.violate(`teams ${what}`);
    if (verdict.admitted) return true;
    this.ledger.refuse(`teams ${what} 429`);
    this.refusals.push({ what, at: Math.round(performance.now()), refusedBy: verdict.refusedBy });
    json(
      res,
      429,
      { error: { code: 'Throttled', message: 'Too many requests' } },
      { 'retry-after': String(verdict.retryAfterS) },
    );
    return false;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const raw = await readText(req);
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    let body: ActivityBody;
    try {
      body = JSON.parse(raw || '{}') as ActivityBody;
    } catch {
      return json(res, 400, { error: { code: 'BadSyntax', message: 'invalid JSON' } });
    }
    const tenantOf = (conversationId: string) =>
      body.conversation?.tenantId ??
      body.channelData?.tenant?.id ??
      body.tenantId ??
      this.tenantOf.get(conversationId) ??
      'unknown';
    const tenant = (t: string) => ({ key: `tenant ${t}`, limit: TEAMS_PER_TENANT });

    const send = req.method === 'POST' ? ACTIVITIES.exec(path) : null;
    if (send?.[1]) {
      const conversationId = decodeURIComponent(send[1]);
      const limits = [
        { key: `send ${conversationId}`, limit: TEAMS_SEND_PER_THREAD },
        tenant(tenantOf(conversationId)),
      ];
      if (!this.admitted(req, res, 'send', limits)) return;
      const event = parseTeamsText(body.summary ?? body.text ?? '');
      if (event) this.ledger.record({ channel: 'teams', recipient: conversationId, ...event });
      else this.ledger.unparsed += 1;
      return json(res, 200, { id: `activity-${Date.now()}` });
    }
    if (req.method === 'POST' && CONVERSATIONS.test(path)) {
      const member = body.members?.[0]?.id ?? '';
      const t = tenantOf('');
      const limits = [{ key: `create ${t} ${member}`, limit: TEAMS_CREATE_PER_THREAD }, tenant(t)];
      if (!this.admitted(req, res, 'create', limits)) return;
      this.created += 1;
      return json(res, 201, { id: `a:created-${member}`, serviceUrl: this.url });
    }
    const lookup = req.method === 'GET' ? MEMBER.exec(path) : null;
    if (lookup?.[1]) {
      const conversationId = decodeURIComponent(lookup[1]);
      const limits = [
        { key: `members ${conversationId}`, limit: TEAMS_MEMBERS_PER_THREAD },
        tenant(tenantOf(conversationId)),
      ];
      if (!this.admitted(req, res, 'members', limits)) return;
      return json(res, 404, {
        error: { code: 'MemberNotFoundInConversation', message: 'The member was not found.' },
      });
    }
    return json(res, 404, { error: { code: 'NotFound', message: path } });
  }
}
