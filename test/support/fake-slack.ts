import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  LimitBook,
  SLACK_METHOD_LIMITS,
  SLACK_POST_MESSAGE_PER_CHANNEL,
  slackDmOf,
  slackWorkspacePostMessage,
  type BucketLimit,
  type Limit,
} from './platform-limits.js';
import { readSpec, specsAvailable } from './specs.js';
import type { CommandReplies } from './slack-requests.js';

/** One Web API call as the fake received it. */
export interface SlackCall {
  method: string;
  args: Record<string, unknown>;
  /** Refused with 429 because the method's tier was spent. */
  limited?: boolean;
}

/** A method's limit as Slack applies it: `perMinute` on average, bursts of up to `burst`. */
export type SlackTier = Pick<BucketLimit, 'perMinute' | 'burst'>;

/**
 * Slack's documented tiers, each method under the tier its reference page gives: the table shared
 * with the bench's emulator (test/support/platform-limits.ts). `chat.postMessage` is limited per
 * channel (about one a second, short bursts) under its own entry here, and per workspace only when
 * a test sets `postMessagePerSecond` (Slack publishes no workspace number).
 */
export const SLACK_TIERS: Readonly<Record<string, SlackTier>> = {
  ...SLACK_METHOD_LIMITS,
  'chat.postMessage': SLACK_POST_MESSAGE_PER_CHANNEL,
};

export interface FakeSlackOptions {
  /**
   * The fake's time in ms, for its rate limits and `Retry-After` windows: by default the process's
   * monotonic clock; a test that drives Herald's clock passes the same one.
   */
  now?: () => number;
  /**
   * Replaces the limits of some methods (`null`: none); every other method keeps Slack's.
   * `chat.postMessage`'s entry is its per-channel limit.
   */
  tiers?: Readonly<Record<string, SlackTier | null>>;
  /** A workspace ceiling for `chat.postMessage`, messages per second (default: none). */
  postMessagePerSecond?: number;
}

/** A request that arrived while a `Retry-After` the fake had answered for its method still ran. */
export interface EarlyRetry {
  method: string;
  /** How much of the window was left, ms on the fake's clock. */
  earlyByMs: number;
}

export interface SlackUserFixture {
  id: string;
  name: string;
  email?: string;
  guest?: boolean;
  bot?: boolean;
  deleted?: boolean;
}

type Failure = { status: 429; retryAfter: number } | { status: 500 } | { error: string };

/** Random faults on `chat.postMessage`; a faulted call is never delivered. */
export interface FaultPlan {
  /** Share of calls that fail, 0..1. */
  rate: number;
  kinds: ReadonlyArray<'429' | '5xx' | 'timeout' | 'drop'>;
  /** How long a `timeout` fault holds the request before closing it unanswered. */
  holdMs?: number;
  /** Seed for a repeatable run. */
  seed?: number;
}

/** A small seeded PRNG (mulberry32): the same seed gives the same faults. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface SpecParameter {
  name: string;
  in: string;
  required?: boolean;
  type?: string;
}

interface Spec {
  paths: Record<string, Record<string, { parameters?: SpecParameter[] }>>;
}

/** Arguments a JSON body carries as JSON structures, where a form carries them as JSON text. */
const STRUCTURED = new Set(['blocks', 'attachments', 'metadata', 'view']);

/** What the form spec calls a string or a boolean, checked against a JSON body's own types. */
function jsonTypeProblem(p: SpecParameter, value: unknown): string | null {
  if (value === undefined) return null;
  if (STRUCTURED.has(p.name)) {
    return typeof value === 'string' || typeof value === 'object'
      ? null
      : `${p.name} is a ${typeof value}`;
  }
  const expected =
    p.type === 'boolean'
      ? 'boolean'
      : p.type === 'integer' || p.type === 'number'
        ? 'number'
        : 'string';
  return typeof value === expected
    ? null
    : `${p.name} should be a ${expected}, not a ${typeof value}`;
}

/** Block Kit limits checked on every message, modal and home view Herald sends. */
const LIMITS = {
  messageBlocks: 50,
  viewBlocks: 100,
  sectionText: 3000,
  header: 150,
  viewTitle: 24,
  button: 75,
  metadata: 3000,
  fields: 10,
  fieldText: 2000,
};

function checkBlocks(blocks: unknown, max: number, where: string, problems: string[]): void {
  if (blocks === undefined) return;
  if (!Array.isArray(blocks)) return void problems.push(`${where}: blocks is not an array`);
  if (blocks.length > max) problems.push(`${where}: ${blocks.length} blocks > ${max}`);
  const ids = new Set<string>();
  for (const [i, b] of (blocks as Array<Record<string, any>>).entries()) {
    const at = `${where}.blocks[${i}]`;
    if (typeof b.type !== 'string') problems.push(`${at}: no type`);
    if (b.block_id !== undefined) {
      if (ids.has(b.block_id)) problems.push(`${at}: duplicate block_id ${b.block_id}`);
      ids.add(b.block_id);
      if (String(b.block_id).length > 255) problems.push(`${at}: block_id too long`);
    }
    const text = (t: any, max: number, label: string) => {
      if (t === undefined) return;
      if (!t || (t.type !== 'plain_text' && t.type !== 'mrkdwn'))
        problems.push(`${at}.${label}: bad text object`);
      else if (typeof t.text !== 'string' || t.text.length === 0)
        problems.push(`${at}.${label}: empty text`);
      else if (t.text.length > max)
        problems.push(`${at}.${label}: ${t.text.length} chars > ${max}`);
    };
    if (b.type === 'header') {
      text(b.text, LIMITS.header, 'text');
      if (b.text?.type !== 'plain_text') problems.push(`${at}: header text must be plain_text`);
    }
    if (b.type === 'section') {
      text(b.text, LIMITS.sectionText, 'text');
      if (!b.text && !b.fields) problems.push(`${at}: section needs text or fields`);
      if (b.fields) {
        if (b.fields.length > LIMITS.fields) problems.push(`${at}: too many fields`);
        for (const f of b.fields) text(f, LIMITS.fieldText, 'field');
      }
    }
    if (b.type === 'input') {
      text(b.label, 2000, 'label');
      if (b.label?.type !== 'plain_text') problems.push(`${at}: input label must be plain_text`);
      if (!b.element?.type) problems.push(`${at}: input without element`);
    }
    if (b.type === 'actions' || b.type === 'context') {
      if (!Array.isArray(b.elements) || b.elements.length === 0)
        problems.push(`${at}: no elements`);
      for (const e of b.elements ?? []) {
        if (e.type === 'button') text(e.text, LIMITS.button, 'button');
        if (b.type === 'context') text(e, 3000, 'element');
      }
    }
  }
}

function checkView(view: any, where: string, problems: string[]): void {
  if (!view || typeof view !== 'object') return void problems.push(`${where}: view missing`);
  if (view.type !== 'modal' && view.type !== 'home')
    problems.push(`${where}: view.type ${view.type}`);
  if (view.type === 'modal') {
    if (view.title?.type !== 'plain_text' || view.title.text.length > LIMITS.viewTitle)
      problems.push(`${where}: bad title`);
    const hasInput = (view.blocks ?? []).some((b: any) => b.type === 'input');
    if (hasInput && !view.submit) problems.push(`${where}: inputs without a submit button`);
    for (const k of ['submit', 'close']) {
      if (view[k] && (view[k].type !== 'plain_text' || view[k].text.length > 24))
        problems.push(`${where}: bad ${k}`);
    }
  }
  if (view.private_metadata && String(view.private_metadata).length > LIMITS.metadata)
    problems.push(`${where}: private_metadata too long`);
  checkBlocks(view.blocks, LIMITS.viewBlocks, where, problems);
}

const decode = (v: unknown) => {
  if (typeof v !== 'string') return v;
  if (!/^[[{]/.test(v)) return v;
  try {
    return JSON.parse(v) as unknown;
  } catch {
    return v;
  }
};

interface Body {
  raw: string;
  args: Record<string, unknown>;
  /** Sent as `application/json`. */
  json: boolean;
  /** A JSON body that does not parse as an object: Slack answers `invalid_json`. */
  invalidJson: boolean;
}

async function readBody(req: IncomingMessage): Promise<Body> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  const raw = Buffer.concat(chunks).toString();
  if ((req.headers['content-type'] ?? '').includes('application/json')) {
    try {
      const args = raw ? (JSON.parse(raw) as unknown) : {};
      if (args && typeof args === 'object' && !Array.isArray(args))
        return { raw, args: args as Record<string, unknown>, json: true, invalidJson: false };
    } catch {
      // Answered below as Slack does.
    }
    return { raw, args: {}, json: true, invalidJson: true };
  }
  const args: Record<string, unknown> = {};
  for (const [k, v] of new URLSearchParams(raw)) args[k] = decode(v);
  return { raw, args, json: false, invalidJson: false };
}

/**
 * A fake Slack Web API on loopback. It records every call, answers the methods Herald uses, checks
 * each call against Slack's OpenAPI description (method exists, required arguments present) and
 * Block Kit limits, and can be told to fail. It limits each method by its tier as Slack does
 * ({@link SLACK_TIERS}: 429 with `Retry-After` past it; `chat.postMessage` per channel, a user id
 * being the app's DM with them, and per workspace when asked) and records any request sent while
 * a `Retry-After` it answered still runs (`earlyRetries`). Command replies land in `responses`:
 * posts to a `response_url`, and messages put in a command's ack (`commandReplies`). A JSON body
 * is held to Slack's JSON rules on top: the token as `Authorization: Bearer` only (`not_authed`
 * otherwise), `charset=utf-8` declared, each argument of the JSON type its form counterpart stands
 * for, and a body that parses (`invalid_json` otherwise).
 */
export class FakeSlack {
  readonly calls: SlackCall[] = [];
  readonly responses: Array<{
    id: string;
    body: Record<string, unknown>;
    via: 'ack' | 'response_url';
  }> = [];
  /** Conformance problems; tests assert it stays empty. */
  readonly problems: string[] = [];
  /** 429s answered because a method's tier was spent. */
  readonly limited: Array<{ method: string; retryAfter: number }> = [];
  /**
   * Requests that arrived while their method was still under a `Retry-After` the fake had sent
   * (injected or from a tier): a caller that honours 429s leaves this empty.
   */
  readonly earlyRetries: EarlyRetry[] = [];
  private readonly users = new Map<string, SlackUserFixture>();
  /** Requests whose body never arrived whole (the client went away mid-request). */
  aborted = 0;
  /** TCP connections accepted: a client that keeps its connections alive opens few. */
  connections = 0;
  private readonly tiers: Readonly<Record<string, SlackTier | null>>;
  private readonly workspacePostMessage: Limit | null;
  private readonly book: LimitBook;
  private readonly failures = new Map<string, Failure[]>();
  private readonly failuresFor = new Map<string, Failure>();
  private readonly holds = new Map<string, Array<{ gate: Promise<void>; open: () => void }>>();
  private server: Server | null = null;
  private readonly spec: Spec | null = specsAvailable
    ? readSpec<Spec>('slack-web-api.openapi.json')
    : null;
  private viewCount = 0;
  private faultPlan: (FaultPlan & { random: () => number }) | null = null;
  /** Faults injected so far, by kind. */
  readonly injected: Record<string, number> = {};
  url = '';

  constructor(opts: FakeSlackOptions = {}) {
    this.book = new LimitBook(opts.now ? { now: opts.now } : {});
    this.tiers = { ...SLACK_TIERS, ...opts.tiers };
    this.workspacePostMessage =
      opts.postMessagePerSecond !== undefined
        ? slackWorkspacePostMessage(opts.postMessagePerSecond)
        : null;
  }

  /** Injects random faults into `chat.postMessage` from now on (`null` stops them). */
  faults(plan: FaultPlan | null): void {
    this.faultPlan = plan ? { ...plan, random: prng(plan.seed ?? 1) } : null;
  }

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      const fault = this.pickFault(req);
      if (fault === 'drop') {
        req.socket.destroy();
        return;
      }
      if (fault === 'timeout') {
        setTimeout(() => req.socket.destroy(), this.faultPlan?.holdMs ?? 2000).unref();
        return;
      }
      if (fault) {
        const [status, headers] = fault === '429' ? [429, { 'retry-after': '1' }] : [503, {}];
        res.writeHead(status, { 'content-type': 'application/json', ...headers });
        res.end(
          JSON.stringify({
            ok: false,
            error: fault === '429' ? 'ratelimited' : 'service_unavailable',
          }),
        );
        return;
      }
      void this.handle(req).then(
        ({ status, body, headers }) => {
          res.writeHead(status, { 'content-type': 'application/json', ...headers });
          res.end(JSON.stringify(body));
        },
        (err: Error) => {
          // The client went away mid-request: nobody is left to answer.
          if (req.destroyed) {
            this.aborted += 1;
            res.destroy();
            return;
          }
          res.writeHead(500);
          res.end(err.message);
        },
      );
    });
    this.server.on('connection', () => (this.connections += 1));
    // A malformed request or a socket reset mid-headers: a 400 if the socket still takes it.
    this.server.on('clientError', (_err, socket) => {
      if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
      else socket.destroy();
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  /** The base Herald's `SLACK_API_URL` should point at. */
  get apiUrl(): string {
    return `${this.url}/api/`;
  }

  responseUrl(id: string): string {
    return `${this.url}/respond/${id}`;
  }

  /** Where signed commands' replies land (`SlackRequests`); a prefix keeps two senders apart. */
  commandReplies = (prefix = ''): CommandReplies => ({
    url: (id) => this.responseUrl(`${prefix}${id}`),
    answered: (id, body) => this.responses.push({ id: `${prefix}${id}`, body, via: 'ack' }),
  });

  /** Adds a user, or replaces one: what `users.info`, `users.list` answer from now on. */
  addUser(user: SlackUserFixture): void {
    this.users.set(user.id, user);
  }

  /** The user object Slack sends in `users.info` answers and `user_change` events. */
  userObject(id: string): Record<string, unknown> {
    const u = this.users.get(id);
    if (!u) throw new Error(`fake Slack: no user ${id}`);
    return {
      id: u.id,
      team_id: 'T1',
      name: u.name.toLowerCase(),
      real_name: u.name,
      deleted: u.deleted ?? false,
      is_bot: u.bot ?? false,
      is_restricted: u.guest ?? false,
      is_ultra_restricted: false,
      profile: { email: u.email, display_name: u.name, real_name: u.name },
    };
  }

  /**
   * The next call of `method` is recorded but not answered until the returned function is called:
   * Slack being slow, without a timer.
   */
  hold(method: string): () => void {
    let open!: () => void;
    const gate = new Promise<void>((resolve) => (open = resolve));
    this.holds.set(method, [...(this.holds.get(method) ?? []), { gate, open }]);
    return open;
  }

  /** The next `count` calls of `method` fail as given. */
  failNext(method: string, failure: Failure, count = 1): void {
    this.failures.set(method, [
      ...(this.failures.get(method) ?? []),
      ...Array<Failure>(count).fill(failure),
    ]);
  }

  /** Every `chat.postMessage` to this user's DM fails as given, until cleared. */
  failDmsTo(userId: string, failure: Failure | null): void {
    if (failure) this.failuresFor.set(userId, failure);
    else this.failuresFor.delete(userId);
  }

  private pickFault(req: IncomingMessage): FaultPlan['kinds'][number] | null {
    const plan = this.faultPlan;
    if (!plan || !req.url?.endsWith('/chat.postMessage')) return null;
    if (plan.random() >= plan.rate) return null;
    const kind = plan.kinds[Math.floor(plan.random() * plan.kinds.length)] ?? null;
    if (kind) this.injected[kind] = (this.injected[kind] ?? 0) + 1;
    return kind;
  }

  callsOf(method: string): SlackCall[] {
    return this.calls.filter((c) => c.method === method);
  }

  /** DMs posted, as { to: user id, text }. */
  dms(): Array<{ to: string; text: string; blocks: unknown }> {
    return this.callsOf('chat.postMessage').map((c) => ({
      to: String(c.args.channel).replace(/^D/, ''),
      text: String(c.args.text),
      blocks: c.args.blocks,
    }));
  }

  async stop(): Promise<void> {
    for (const held of this.holds.values()) for (const h of held) h.open();
    await new Promise<void>((resolve) =>
      this.server ? this.server.close(() => resolve()) : resolve(),
    );
  }

  private async handle(req: IncomingMessage): Promise<{
    status: number;
    body: unknown;
    headers?: Record<string, string>;
  }> {
    const body = await readBody(req);
    const { args } = body;
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    if (path.startsWith('/respond/')) {
      this.responses.push({ id: path.slice('/respond/'.length), body: args, via: 'response_url' });
      return { status: 200, body: { ok: true } };
    }
    const method = path.replace(/^\/api\//, '');
    const call: SlackCall = { method, args };
    this.calls.push(call);
    if (body.invalidJson) {
      this.problems.push(`${method}: body is not a JSON object`);
      return { status: 200, body: { ok: false, error: 'invalid_json' } };
    }
    const refusal = this.conform(method, body, req);
    if (refusal) return { status: 200, body: { ok: false, error: refusal } };
    // Limits are per method per workspace per app (the bot token stands for that pair here);
    // chat.postMessage's per channel (a user id is the app's DM with them) and per workspace.
    const token = req.headers.authorization ?? String(args.token);
    const dm = method === 'chat.postMessage' ? slackDmOf(String(args.channel)) : null;
    const key = [token, method, ...(dm ? [dm] : [])].join(' ');
    const limits: Array<{ key: string; limit: Limit }> = [];
    const tier = this.tiers[method];
    if (tier) limits.push({ key, limit: { kind: 'bucket', ...tier } });
    if (dm && this.workspacePostMessage) {
      limits.push({ key: `${token} ${method} workspace`, limit: this.workspacePostMessage });
    }
    const tooMany = (retryAfter: number) => ({
      status: 429,
      body: { ok: false, error: 'ratelimited' },
      headers: { 'retry-after': String(retryAfter) },
    });
    // Judged before the check, which opens a window of its own when it refuses. An injected 429
    // opened its window on the method's (or the DM's) own key.
    const early = this.book.violationOf([...new Set([key, ...limits.map((l) => l.key)])]);
    if (early) this.earlyRetries.push({ method, earlyByMs: early.earlyByMs });
    const verdict = this.book.check(limits);
    if (!verdict.admitted) {
      call.limited = true;
      this.limited.push({ method, retryAfter: verdict.retryAfterS });
      return tooMany(verdict.retryAfterS);
    }
    const held = this.holds.get(method)?.shift();
    if (held) await held.gate;
    const failure =
      this.failures.get(method)?.shift() ??
      (method === 'chat.postMessage'
        ? this.failuresFor.get(String(args.channel).replace(/^D/, 'U'))
        : undefined);
    if (failure) {
      if ('error' in failure) return { status: 200, body: { ok: false, error: failure.error } };
      if (failure.status === 429) {
        this.book.openWindow(key, failure.retryAfter);
        return tooMany(failure.retryAfter);
      }
      return { status: 500, body: { ok: false } };
    }
    return { status: 200, body: this.answer(method, args) };
  }

  /** Records what Slack would object to; returns the error Slack would answer, if it would. */
  private conform(method: string, body: Body, req: IncomingMessage): string | null {
    const { args } = body;
    const where = `${method}`;
    let refusal: string | null = null;
    const bearer = (req.headers.authorization ?? '').startsWith('Bearer ');
    // A JSON body cannot carry the token: only the header authenticates it.
    if (!bearer && (body.json || !args.token)) {
      this.problems.push(
        body.json ? `${where}: JSON without a bearer token` : `${where}: no token`,
      );
      refusal = 'not_authed';
    }
    if (body.json && !/;\s*charset=utf-8\s*(;|$)/i.test(req.headers['content-type'] ?? ''))
      this.problems.push(`${where}: JSON without charset=utf-8 (Slack warns missing_charset)`);
    if (this.spec) {
      const entry = this.spec.paths[`/${method}`];
      if (!entry) this.problems.push(`${where}: not a Slack Web API method`);
      else {
        const params = Object.values(entry).flatMap((op) => op.parameters ?? []);
        for (const p of params) {
          if (p.required && p.name !== 'token' && args[p.name] === undefined)
            this.problems.push(`${where}: missing required ${p.name}`);
          const typeProblem =
            body.json && p.name !== 'token' ? jsonTypeProblem(p, args[p.name]) : null;
          if (typeProblem) this.problems.push(`${where}: ${typeProblem}`);
        }
      }
    }
    if (method === 'chat.postMessage' || method === 'chat.postEphemeral') {
      if (!args.text && !args.blocks) this.problems.push(`${where}: neither text nor blocks`);
      if (args.blocks && !args.text) this.problems.push(`${where}: blocks without a text fallback`);
      checkBlocks(args.blocks, LIMITS.messageBlocks, where, this.problems);
    }
    if (method.startsWith('views.')) checkView(args.view, where, this.problems);
    return refusal;
  }

  private answer(method: string, args: Record<string, unknown>): unknown {
    switch (method) {
      case 'auth.test':
        return {
          ok: true,
          url: 'https://herald-test.slack.example/',
          team: 'Herald Test',
          user: 'herald',
          team_id: 'T1',
          user_id: 'UHERALD',
          bot_id: 'BHERALD',
        };
      case 'users.info': {
        const id = String(args.user);
        if (!this.users.has(id)) return { ok: false, error: 'user_not_found' };
        return { ok: true, user: this.userObject(id) };
      }
      case 'users.lookupByEmail': {
        const email = String(args.email).toLowerCase();
        const user = [...this.users.values()].find((u) => u.email?.toLowerCase() === email);
        if (!user) return { ok: false, error: 'users_not_found' };
        return { ok: true, user: this.userObject(user.id) };
      }
      case 'users.list': {
        // Cursor pagination as Slack does it: an opaque cursor, an empty one after the last page.
        const ids = [...this.users.keys()];
        const cursor = typeof args.cursor === 'string' && args.cursor ? args.cursor : null;
        const start = cursor === null ? 0 : Number(Buffer.from(cursor, 'base64url').toString());
        if (!Number.isInteger(start) || start < 0 || start > ids.length)
          return { ok: false, error: 'invalid_cursor' };
        const limit = Math.min(1000, Number(args.limit) > 0 ? Number(args.limit) : ids.length);
        const page = ids.slice(start, start + limit);
        const next = start + page.length;
        return {
          ok: true,
          members: page.map((id) => this.userObject(id)),
          cache_ts: Math.floor(Date.now() / 1000),
          response_metadata: {
            next_cursor: next < ids.length ? Buffer.from(String(next)).toString('base64url') : '',
          },
        };
      }
      case 'conversations.open':
        return { ok: true, channel: { id: `D${String(args.users)}` } };
      case 'chat.postMessage':
        // Posted to a user id, the message lands in the app's DM with them: Slack answers its id.
        return {
          ok: true,
          channel: slackDmOf(String(args.channel)),
          ts: `${Date.now() / 1000}`,
          message: { text: args.text },
        };
      case 'chat.postEphemeral':
        return { ok: true, message_ts: `${Date.now() / 1000}` };
      case 'views.open':
      case 'views.push':
      case 'views.update':
      case 'views.publish':
        this.viewCount += 1;
        return {
          ok: true,
          view: { id: `V${this.viewCount}`, hash: `h${this.viewCount}`, ...(args.view as object) },
        };
      default:
        return { ok: true };
    }
  }
}
