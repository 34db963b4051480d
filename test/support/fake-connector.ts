import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { adaptiveCardErrors } from './adaptive-card-schema.js';

/** A Teams user as the connector's member lookup returns them. */
export interface FakeMember {
  /** Teams user id (`29:…`); what `activity.from.id` carries. */
  id: string;
  aadObjectId: string;
  name: string;
  email?: string | null;
  userPrincipalName?: string | null;
  tenantId?: string;
}

/** One activity the bot posted. */
export interface RecordedActivity {
  conversationId: string;
  /** `{activityId}` of `/activities/{activityId}` (a reply or a proactive send), else null. */
  replyToId: string | null;
  /** The id the fake answered with. */
  id: string;
  activity: Record<string, unknown> & {
    type?: string;
    text?: string;
    summary?: string;
    attachments?: Array<{ contentType?: string; content?: unknown }>;
  };
}

/** A `POST /v3/conversations` (1:1 creation). */
export interface RecordedConversation {
  id: string;
  parameters: Record<string, unknown>;
}

/** Every request, in order, with the status the fake answered: for counting sends and retries. */
export interface RecordedRequest {
  method: string;
  /** From `/v3/` on: the service URL's own path is dropped. */
  path: string;
  /** The service URL's path before `/v3/` (`/` for the fake's own URL, `/amer/`…). */
  prefix: string;
  /** The conversation of a send (`POST …/activities`), else null. */
  sendTo: string | null;
  status: number;
  authorization: string | null;
}

/** A canned failure for the next sends to one conversation. */
export interface Failure {
  status: number;
  /** `error.code` of the body; by status: 403 MessageWritesBlocked, 404 ConversationNotFound. */
  code?: string;
  /** `Retry-After` header value (seconds or an HTTP date). */
  retryAfter?: string;
}

const DEFAULT_CODE: Record<number, string> = {
  403: 'MessageWritesBlocked',
  404: 'ConversationNotFound',
  429: 'Throttled',
  500: 'ServiceError',
  502: 'BadGateway',
  503: 'ServiceUnavailable',
};

const CARD = 'application/vnd.microsoft.card.adaptive';
const ACTIVITIES = /^\/v3\/conversations\/([^/]+)\/activities(?:\/([^/]+))?\/?$/;
const MEMBER = /^\/v3\/conversations\/([^/]+)\/members\/([^/]+)\/?$/;

/**
 * A fake Bot Framework connector (the `serviceUrl` of Teams activities) on 127.0.0.1: records what
 * the bot posts, answers member look-ups from a registry, fails sends on request, and checks every
 * Adaptive Card attachment against the official 1.5 schema (`cardErrors`, which tests assert empty).
 */
export class FakeConnector {
  readonly activities: RecordedActivity[] = [];
  readonly conversations: RecordedConversation[] = [];
  readonly requests: RecordedRequest[] = [];
  /** Schema violations of posted cards, prefixed with the conversation id. */
  readonly cardErrors: string[] = [];
  /** How many cards were checked against the schema (0 when the specs folder is missing). */
  cardsChecked = 0;
  private readonly members = new Map<string, FakeMember>();
  private readonly failures = new Map<string, Failure[]>();
  private nextId = 1;
  private port = 0;
  private readonly server: Server = createServer((req, res) => {
    this.handle(req, res).catch((err: unknown) => {
      // A bug in the fake (or a schema that will not compile) must fail the test, not hang it.
      this.cardErrors.push(`fake connector: ${(err as Error).message}`);
      if (!res.headersSent) res.writeHead(500).end();
    });
  });

  private constructor() {}

  /** Base URL with a trailing slash, as Bot Framework service URLs are: the activities' `serviceUrl`. */
  get url(): string {
    return `http://127.0.0.1:${this.port}/`;
  }

  /** Starts a fake connector on a free loopback port. */
  static async start(): Promise<FakeConnector> {
    const fake = new FakeConnector();
    await new Promise<void>((resolve) => fake.server.listen(0, '127.0.0.1', resolve));
    fake.port = (fake.server.address() as AddressInfo).port;
    return fake;
  }

  /** Registers a user for `GET /v3/conversations/{id}/members/{userId}` (by `id` or AAD id). */
  addMember(member: FakeMember): FakeMember {
    this.members.set(member.id, member);
    this.members.set(member.aadObjectId, member);
    return member;
  }

  /** Answers the next `count` sends to `conversationId` with `failure` instead of recording them. */
  failNext(conversationId: string, count: number, failure: Failure): void {
    const queue = this.failures.get(conversationId) ?? [];
    for (let i = 0; i < count; i += 1) queue.push(failure);
    this.failures.set(conversationId, queue);
  }

  /** Activities recorded in one conversation, in order. */
  sentTo(conversationId: string): RecordedActivity[] {
    return this.activities.filter((a) => a.conversationId === conversationId);
  }

  /** Adaptive Card contents posted to one conversation, in order. */
  cardsIn(conversationId: string): Array<Record<string, unknown>> {
    return this.sentTo(conversationId).flatMap((a) =>
      (a.activity.attachments ?? [])
        .filter((att) => att.contentType === CARD)
        .map((att) => att.content as Record<string, unknown>),
    );
  }

  /** Send attempts (recorded or failed) to one conversation. */
  sendAttempts(conversationId: string): RecordedRequest[] {
    return this.requests.filter((r) => r.sendTo === conversationId);
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = route(req);
    const method = req.method ?? 'GET';
    let body: Record<string, unknown> = {};
    try {
      const raw = await readBody(req);
      body = raw ? (JSON.parse(raw) as Record<string, unknown>) : {};
    } catch {
      return this.answer(req, res, 400, { error: { code: 'BadSyntax', message: 'invalid JSON' } });
    }

    const sends = ACTIVITIES.exec(path);
    if (method === 'POST' && sends?.[1]) {
      const conversationId = decodeURIComponent(sends[1]);
      const failure = this.failures.get(conversationId)?.shift();
      if (failure) {
        const code = failure.code ?? DEFAULT_CODE[failure.status] ?? 'Error';
        const headers: Record<string, string> =
          failure.retryAfter !== undefined ? { 'retry-after': failure.retryAfter } : {};
        return this.answer(req, res, failure.status, { error: { code, message: code } }, headers);
      }
      const id = `activity-${this.nextId++}`;
      this.record(conversationId, sends[2] ? decodeURIComponent(sends[2]) : null, id, body);
      return this.answer(req, res, 200, { id });
    }

    if (method === 'POST' && /^\/v3\/conversations\/?$/.test(path)) {
      const id = `a:conversation-${this.nextId++}`;
      this.conversations.push({ id, parameters: body });
      const activity = body.activity as Record<string, unknown> | undefined;
      if (activity) this.record(id, null, `activity-${this.nextId++}`, activity);
      return this.answer(req, res, 201, { id, serviceUrl: this.url });
    }

    const lookup = MEMBER.exec(path);
    if (method === 'GET' && lookup?.[2]) {
      const member = this.members.get(decodeURIComponent(lookup[2]));
      if (!member) {
        return this.answer(req, res, 404, {
          error: { code: 'MemberNotFoundInConversation', message: 'The member was not found.' },
        });
      }
      return this.answer(req, res, 200, {
        id: member.id,
        aadObjectId: member.aadObjectId,
        name: member.name,
        givenName: member.name.split(' ')[0],
        email: member.email ?? undefined,
        userPrincipalName: member.userPrincipalName ?? member.email ?? undefined,
        tenantId: member.tenantId,
        userRole: 'user',
      });
    }

    return this.answer(req, res, 404, {
      error: { code: 'NotFound', message: `${method} ${path}` },
    });
  }

  private record(
    conversationId: string,
    replyToId: string | null,
    id: string,
    activity: RecordedActivity['activity'],
  ): void {
    this.activities.push({ conversationId, replyToId, id, activity });
    for (const att of activity.attachments ?? []) {
      if (att.contentType !== CARD) continue;
      const errors = adaptiveCardErrors(att.content);
      if (errors === null) continue;
      this.cardsChecked += 1;
      this.cardErrors.push(...errors.map((e) => `${conversationId}: ${e}`));
    }
  }

  private answer(
    req: IncomingMessage,
    res: ServerResponse,
    status: number,
    body: unknown,
    headers: Record<string, string> = {},
  ): void {
    const method = req.method ?? 'GET';
    const path = route(req);
    const send = method === 'POST' ? ACTIVITIES.exec(path)?.[1] : undefined;
    const full = new URL(req.url ?? '/', 'http://fake').pathname;
    this.requests.push({
      method,
      path,
      prefix: full.slice(0, full.length - path.length + 1),
      sendTo: send ? decodeURIComponent(send) : null,
      status,
      authorization: req.headers.authorization ?? null,
    });
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(JSON.stringify(body));
  }
}

/**
 * The connector route, whatever prefix the service URL has: Teams' are regional
 * (`https://smba.trafficmanager.net/amer/`), so tests can give users `${fake.url}amer/`.
 */
function route(req: IncomingMessage): string {
  const path = new URL(req.url ?? '/', 'http://fake').pathname;
  const v3 = path.indexOf('/v3/');
  return v3 === -1 ? path : path.slice(v3);
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}
