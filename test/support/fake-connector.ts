import { createSign, generateKeyPairSync, type JsonWebKey, type KeyObject } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import type { BotFrameworkEndpoints } from '../../adapters/teams/create-adapter.js';
import { adaptiveCardErrors } from './adaptive-card-schema.js';
import { readSpec, specsAvailable } from './specs.js';
import {
  LimitBook,
  TEAMS_CREATE_PER_THREAD,
  TEAMS_MEMBERS_PER_THREAD,
  TEAMS_PER_TENANT,
  TEAMS_SEND_PER_THREAD,
  type Limit,
  type Violation,
} from './platform-limits.js';

export interface FakeConnectorOptions {
  /**
   * The fake's time in ms, for Teams' rate limits and `Retry-After` windows: by default the
   * process's monotonic clock; a test that drives Herald's clock passes the same one.
   */
  now?: () => number;
  /** `false` turns Teams' rate limits off (for a test about something else that needs a flood). */
  limits?: boolean;
  /** How long after a 429 a request still counts as on its way (see {@link LimitBook}). */
  inFlightGraceMs?: number;
}

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

/** How the next send to a conversation goes wrong without an answer. */
export type Drop = 'reset' | 'hang';

/** What the token issuer does with a request for its metadata or keys. */
export type IssuerState = 'up' | 'unreachable' | 'failing';

const CARD = 'application/vnd.microsoft.card.adaptive';
const OPENID = '/v1/.well-known/openidconfiguration';
const KEYS = '/v1/.well-known/keys';
const KEY_ID = 'fake-connector-key';
const base64url = (data: string | Buffer) => Buffer.from(data).toString('base64url');
const ACTIVITIES = /^\/v3\/conversations\/([^/]+)\/activities(?:\/([^/]+))?\/?$/;
const MEMBER = /^\/v3\/conversations\/([^/]+)\/members\/([^/]+)\/?$/;

/**
 * A fake Bot Framework connector (the `serviceUrl` of Teams activities) on 127.0.0.1: records what
 * the bot posts, answers member look-ups from a registry, fails sends on request, limits sends,
 * 1:1 creation and member look-ups as Teams documents it (test/support/platform-limits.ts: 429
 * with `Retry-After` past any, requests sent into one recorded in `earlyRetries`), and checks every
 * Adaptive Card attachment against the official 1.5 schema (`cardErrors`, which tests assert empty).
 * It is also the channel's token issuer: it signs the bearer tokens Teams would put on activities
 * (`token`) and serves the OpenID metadata and keys the bot checks them with (`botFramework`).
 */
export class FakeConnector {
  readonly activities: RecordedActivity[] = [];
  readonly conversations: RecordedConversation[] = [];
  readonly requests: RecordedRequest[] = [];
  /** Schema violations of posted cards, prefixed with the conversation id. */
  readonly cardErrors: string[] = [];
  /** How many cards were checked against the schema (0 when the specs folder is missing). */
  cardsChecked = 0;
  /** `unreachable` drops the connection (as with no route to it), `failing` answers 503. */
  issuer: IssuerState = 'up';
  /** 429s answered because a Teams limit was spent: which operation, and its `Retry-After`. */
  readonly limited: Array<{ operation: Operation; retryAfter: number }> = [];
  /**
   * Requests that arrived while a `Retry-After` the fake had answered for their limit still ran
   * (injected or from the limits): a caller that honours 429s leaves this empty.
   */
  readonly earlyRetries: Array<Violation & { operation: Operation }> = [];
  /** Requests whose body never arrived whole (the client went away mid-request). */
  aborted = 0;
  /** TCP connections accepted: a client that keeps connections alive opens few. */
  connections = 0;
  /** TCP connections open now, idle or in use. */
  get openConnections(): number {
    return this.sockets.size;
  }
  private readonly sockets = new Set<Socket>();
  /**
   * Activities the connector refused (400) as its schema does: `type` missing or not an activity
   * type, a field of the wrong type. Prefixed with the conversation id; tests assert it empty.
   */
  readonly activityErrors: string[] = [];
  /**
   * The bearer tokens the connector takes, when the bot authenticates: a send with any other (or
   * none) gets the connector's 401. Null (the default) takes any or none, as with authentication off.
   */
  acceptedTokens: Set<string> | null = null;
  private readonly book: LimitBook;
  private readonly limitsOn: boolean;
  private readonly signingKey: KeyObject;
  private readonly publicJwk: JsonWebKey;
  private readonly members = new Map<string, FakeMember>();
  private readonly failures = new Map<string, Failure[]>();
  private readonly drops = new Map<string, Drop[]>();
  /** Each conversation's tenant, as its activities gave it. */
  private readonly tenants = new Map<string, string>();
  private nextId = 1;
  private port = 0;
  private readonly server: Server = createServer((req, res) => {
    this.handle(req, res).catch((err: unknown) => {
      // The client went away mid-request: nobody is left to answer, and the fake is fine.
      if (req.destroyed) {
        this.aborted += 1;
        res.destroy();
        return;
      }
      // A bug in the fake (or a schema that will not compile) must fail the test, not hang it.
      this.cardErrors.push(`fake connector: ${(err as Error).message}`);
      if (!res.headersSent) res.writeHead(500).end();
    });
  });

  private constructor(opts: FakeConnectorOptions) {
    this.book = new LimitBook(opts);
    this.limitsOn = opts.limits ?? true;
    this.server.on('connection', (socket) => {
      this.connections += 1;
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
    // A malformed request or a socket reset mid-headers: a 400 if the socket still takes it.
    this.server.on('clientError', (_err, socket) => {
      if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
      else socket.destroy();
    });
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    this.signingKey = privateKey;
    this.publicJwk = publicKey.export({ format: 'jwk' });
  }

  /** Base URL with a trailing slash, as Bot Framework service URLs are: the activities' `serviceUrl`. */
  get url(): string {
    return `http://127.0.0.1:${this.port}/`;
  }

  /** The `iss` of the tokens this fake signs. */
  get tokenIssuer(): string {
    return `${this.url}issuer`;
  }

  /** The endpoints to give the Teams adapter so that it trusts this fake's tokens, and only them. */
  get botFramework(): BotFrameworkEndpoints {
    return {
      openIdMetadataUrl: `${this.url}${OPENID.slice(1)}`,
      tokenIssuer: this.tokenIssuer,
      // Outbound tokens: MSAL refuses a plain-http authority at once, so a reply fails fast and
      // without leaving the machine; the tests of inbound authentication do not need it to work.
      loginUrl: `${this.url}login`,
    };
  }

  /**
   * A bearer token as the Bot Framework signs it for an activity to the bot `appId`: RS256 with
   * this fake's key, `aud` the app id, `serviceurl` the activity's service URL. `overrides`
   * replaces claims (a wrong `aud`, an expired `exp`); `signWith: 'other-key'` forges the signature.
   */
  token(
    appId: string,
    overrides: Record<string, unknown> = {},
    opts: { signWith?: 'own-key' | 'other-key' } = {},
  ): string {
    const now = Math.floor(Date.now() / 1000);
    const header = base64url(JSON.stringify({ alg: 'RS256', typ: 'JWT', kid: KEY_ID }));
    const payload = base64url(
      JSON.stringify({
        iss: this.tokenIssuer,
        aud: appId,
        serviceurl: this.url,
        nbf: now - 60,
        iat: now - 60,
        exp: now + 3600,
        ...overrides,
      }),
    );
    const key =
      opts.signWith === 'other-key'
        ? generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey
        : this.signingKey;
    const signature = createSign('RSA-SHA256').update(`${header}.${payload}`).sign(key);
    return `${header}.${payload}.${base64url(signature)}`;
  }

  /** Starts a fake connector on a free loopback port. */
  static async start(opts: FakeConnectorOptions = {}): Promise<FakeConnector> {
    const fake = new FakeConnector(opts);
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

  /**
   * The next `count` sends to `conversationId` get no answer: `reset` closes the connection once the
   * request arrived, `hang` never answers (until the client gives up or the fake closes).
   */
  dropNext(conversationId: string, count: number, how: Drop): void {
    const queue = this.drops.get(conversationId) ?? [];
    for (let i = 0; i < count; i += 1) queue.push(how);
    this.drops.set(conversationId, queue);
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
    const raw = await readBody(req);
    try {
      body = raw ? (JSON.parse(raw) as Record<string, unknown>) : {};
    } catch {
      return this.answer(req, res, 400, { error: { code: 'BadSyntax', message: 'invalid JSON' } });
    }

    if (method === 'GET' && (path === OPENID || path === KEYS)) return this.issue(req, res, path);

    const sends = ACTIVITIES.exec(path);
    if (method === 'POST' && sends?.[1]) {
      const conversationId = decodeURIComponent(sends[1]);
      const key = `send ${conversationId}`;
      const limits = [
        { key, limit: TEAMS_SEND_PER_THREAD },
        this.tenantLimit(body, conversationId),
      ];
      if (this.refused(req, res, 'send', limits)) return;
      const drop = this.drops.get(conversationId)?.shift();
      if (drop === 'reset') {
        this.requests.push(recordedRequest(req, 0));
        req.socket.destroy();
        return;
      }
      if (drop === 'hang') {
        this.requests.push(recordedRequest(req, 0));
        return;
      }
      if (!this.authorized(req)) {
        return this.answer(req, res, 401, {
          message: 'Authorization has been denied for this request.',
        });
      }
      const invalid = activitySchemaErrors(body);
      if (invalid.length > 0) {
        this.activityErrors.push(...invalid.map((e) => `${conversationId}: ${e}`));
        return this.answer(req, res, 400, {
          error: { code: 'BadArgument', message: invalid.join('; ') },
        });
      }
      const failure = this.failures.get(conversationId)?.shift();
      if (failure) {
        if (failure.status === 429 && failure.retryAfter !== undefined) {
          this.book.openWindow(key, retryAfterSeconds(failure.retryAfter));
        }
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
      const member = (body.members as Array<{ id?: string }> | undefined)?.[0]?.id ?? '';
      const tenant = this.tenantLimit(body, '');
      const limits = [
        { key: `create ${tenant.key} ${member}`, limit: TEAMS_CREATE_PER_THREAD },
        tenant,
      ];
      if (this.refused(req, res, 'create', limits)) return;
      const id = `a:conversation-${this.nextId++}`;
      this.conversations.push({ id, parameters: body });
      const activity = body.activity as Record<string, unknown> | undefined;
      if (activity) this.record(id, null, `activity-${this.nextId++}`, activity);
      return this.answer(req, res, 201, { id, serviceUrl: this.url });
    }

    const lookup = MEMBER.exec(path);
    if (method === 'GET' && lookup?.[2]) {
      const conversationId = decodeURIComponent(lookup[1] ?? '');
      const member = this.members.get(decodeURIComponent(lookup[2]));
      const limits = [
        { key: `members ${conversationId}`, limit: TEAMS_MEMBERS_PER_THREAD },
        this.tenantLimit({ tenantId: member?.tenantId }, conversationId),
      ];
      if (this.refused(req, res, 'members', limits)) return;
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

  /**
   * The tenant a request counts against (Teams: 30 requests a second per app per tenant): from
   * the activity, the creation parameters, the member, or the conversation's earlier activities.
   */
  private tenantLimit(
    body: Record<string, unknown>,
    conversationId: string,
  ): { key: string; limit: Limit } {
    const b = body as {
      tenantId?: string;
      conversation?: { tenantId?: string };
      channelData?: { tenant?: { id?: string } };
    };
    const tenant =
      b.conversation?.tenantId ??
      b.channelData?.tenant?.id ??
      b.tenantId ??
      this.tenants.get(conversationId) ??
      'unknown';
    if (conversationId) this.tenants.set(conversationId, tenant);
    return { key: `tenant ${tenant}`, limit: TEAMS_PER_TENANT };
  }

  /** Whether a send carries a token the connector takes (any, or none, unless tokens are set). */
  private authorized(req: IncomingMessage): boolean {
    if (this.acceptedTokens === null) return true;
    const [scheme, token] = (req.headers.authorization ?? '').split(' ');
    return scheme === 'Bearer' && token !== undefined && this.acceptedTokens.has(token);
  }

  /**
   * Judges a request by Teams' limits; answers 429 with `Retry-After` (and returns true) past any.
   * A request inside a running `Retry-After` of one of its limits is recorded in `earlyRetries`.
   */
  private refused(
    req: IncomingMessage,
    res: ServerResponse,
    operation: Operation,
    limits: Array<{ key: string; limit: Limit }>,
  ): boolean {
    // Judged before the check, which opens a window of its own when it refuses.
    const early = this.book.violationOf(limits.map((l) => l.key));
    if (early) this.earlyRetries.push({ ...early, operation });
    const verdict = this.book.check(this.limitsOn ? limits : []);
    if (verdict.admitted) return false;
    this.limited.push({ operation, retryAfter: verdict.retryAfterS });
    this.answer(
      req,
      res,
      429,
      { error: { code: 'Throttled', message: 'Too many requests' } },
      { 'retry-after': String(verdict.retryAfterS) },
    );
    return true;
  }

  /** The token issuer's two documents: OpenID metadata pointing at the keys, and the keys. */
  private issue(req: IncomingMessage, res: ServerResponse, path: string): void {
    if (this.issuer === 'unreachable') {
      res.socket?.destroy();
      return;
    }
    if (this.issuer === 'failing') {
      return this.answer(req, res, 503, { error: { code: 'ServiceUnavailable', message: '' } });
    }
    if (path === OPENID) {
      return this.answer(req, res, 200, {
        issuer: this.tokenIssuer,
        jwks_uri: `${this.url}${KEYS.slice(1)}`,
        id_token_signing_alg_values_supported: ['RS256'],
      });
    }
    return this.answer(req, res, 200, {
      keys: [{ ...this.publicJwk, kid: KEY_ID, use: 'sig', endorsements: ['msteams'] }],
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
    this.requests.push(recordedRequest(req, status));
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(JSON.stringify(body));
  }
}

/** A request as `requests` keeps it; status 0 when it got no answer. */
function recordedRequest(req: IncomingMessage, status: number): RecordedRequest {
  const method = req.method ?? 'GET';
  const path = route(req);
  const send = method === 'POST' ? ACTIVITIES.exec(path)?.[1] : undefined;
  const full = new URL(req.url ?? '/', 'http://fake').pathname;
  return {
    method,
    path,
    prefix: full.slice(0, full.length - path.length + 1),
    sendTo: send ? decodeURIComponent(send) : null,
    status,
    authorization: req.headers.authorization ?? null,
  };
}

let activitySchema: ValidateFunction | undefined;

/**
 * What the connector's schema (the official Bot Framework Connector swagger, its `Activity`)
 * refuses in a posted activity, plus what every channel requires of one: a `type`. Empty when the
 * specs folder is missing (the card checks step aside the same way).
 */
export function activitySchemaErrors(activity: unknown): string[] {
  if (!specsAvailable) return [];
  if (!activitySchema) {
    const swagger = readSpec<{ definitions: Record<string, unknown> }>(
      'botframework-connector.swagger.json',
    );
    const ajv = new Ajv({ strict: false, allErrors: true });
    addFormats.default(ajv);
    activitySchema = ajv.compile({
      $ref: '#/definitions/Activity',
      definitions: swagger.definitions,
    });
  }
  const errors = activitySchema(activity)
    ? []
    : (activitySchema.errors ?? []).map(
        (e) => `${e.instancePath || '/'}: ${e.message ?? 'invalid'}`,
      );
  const type = (activity as { type?: unknown } | null)?.type;
  if (typeof type !== 'string' || type === '') errors.push('/type: an activity needs a type');
  return errors;
}

/** A Teams operation limited on its own: sends, 1:1 creation, member look-ups. */
export type Operation = 'send' | 'create' | 'members';

/** `Retry-After` as seconds: a number of seconds or an HTTP date (at least 1). */
function retryAfterSeconds(value: string | undefined): number {
  if (value === undefined) return 1;
  const seconds = /^\d+$/.test(value.trim())
    ? Number(value)
    : (Date.parse(value) - Date.now()) / 1000;
  return Math.max(1, Math.ceil(Number.isFinite(seconds) ? seconds : 1));
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
