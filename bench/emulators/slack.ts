import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  LimitBook,
  SLACK_METHOD_LIMITS,
  SLACK_POST_MESSAGE_PER_CHANNEL,
  slackDmOf,
  slackWorkspacePostMessage,
  type Limit,
} from '../../test/support/platform-limits.js';
import type { CommandReplies } from '../../test/support/slack-requests.js';
import { arrivalDelayMs, fields, json, listenLoopback, readText } from './http.js';
import type { EventKind, Ledger } from './ledger.js';

export interface SlackEmulatorOptions {
  /**
   * The workspace ceiling of `chat.postMessage`, messages per second (one second of it as burst),
   * as Herald's own workspace bucket is set. Slack publishes no number: the bench picks one.
   */
  postMessagePerSecond: number;
  /** The emulator's clock, ms (default: the monotonic clock): tests drive the tiers with it. */
  now?: () => number;
  /** See {@link LimitBook}: how long after a 429 a request still counts as on its way. */
  inFlightGraceMs?: number;
}

/** Slack's message headlines (adapters/slack/views/message.ts) back to event kinds. */
function parseSlackText(text: string): { incident: number; kind: EventKind } | null {
  const m = /^\[([^\]]+)\] #(\d+) /.exec(text);
  if (!m?.[1] || !m[2]) return null;
  const tag = m[1];
  const kind: EventKind | null = /^SEV\d$/.test(tag)
    ? 'subscribed'
    : tag === 'Status update'
      ? 'update'
      : tag === 'Resolved'
        ? 'resolved'
        : tag.startsWith('Reminder')
          ? 'reminder'
          : null;
  return kind ? { incident: Number(m[2]), kind } : null;
}

/** Every method the emulator answers (its limit from the shared table, or chat.postMessage's). */
const ANSWERED = new Set([...Object.keys(SLACK_METHOD_LIMITS), 'chat.postMessage']);

/**
 * The Slack Web API methods Herald calls, on loopback, limited as Slack documents them
 * (test/support/platform-limits.ts): each method by its tier; `chat.postMessage` about one a second
 * per channel plus the workspace ceiling the bench sets. Past any limit: 429 with `Retry-After`; a
 * request sent while a `Retry-After` for its key still runs is counted as a violation. A
 * `chat.postMessage` to a user id posts into the app's DM with that user, as Slack does, with no
 * `conversations.open` needed. Command replies are kept so the bench can read them: posts to a
 * `response_url`, and messages put in a command's ack (`commandReplies`).
 */
export class SlackEmulator {
  readonly replies: Array<{ id: string; text: string; at: number; via: 'ack' | 'response_url' }> =
    [];
  /** DM channels that exist: opened by `conversations.open` or a first post to a user id. */
  readonly dms = new Set<string>();
  /** Calls per method, refused ones included. */
  readonly calls: Record<string, number> = {};
  /** Requests whose body never arrived whole (the client went away mid-request). */
  aborted = 0;
  /**
   * What Slack would have objected to, by its error or warning code: a JSON body without a bearer
   * token (`not_authed`) or that does not parse (`invalid_json`) is refused as Slack refuses it;
   * one without `charset=utf-8` goes through with Slack's `missing_charset` warning.
   */
  readonly objections: Record<string, number> = {};
  private readonly book: LimitBook;
  private readonly workspace: Limit;
  private readonly waiters = new Set<() => void>();
  private closeServer: () => Promise<void> = () => Promise.resolve();
  url = '';

  constructor(
    private readonly ledger: Ledger,
    readonly options: SlackEmulatorOptions,
  ) {
    this.book = new LimitBook({
      ...(options.now ? { now: options.now } : {}),
      ...(options.inFlightGraceMs !== undefined
        ? { inFlightGraceMs: options.inFlightGraceMs }
        : {}),
    });
    this.workspace = slackWorkspacePostMessage(options.postMessagePerSecond);
  }

  async start(): Promise<this> {
    const { url, close } = await listenLoopback(
      (req, res) => this.handle(req, res),
      () => (this.aborted += 1),
    );
    this.url = url;
    this.closeServer = close;
    return this;
  }

  get apiUrl(): string {
    return `${this.url}/api/`;
  }

  responseUrl = (id: string): string => `${this.url}/respond/${id}`;

  /** Where signed commands' replies land (`SlackRequests`); a prefix keeps two senders apart. */
  commandReplies = (prefix = ''): CommandReplies => ({
    url: (id) => this.responseUrl(`${prefix}${id}`),
    answered: (id, message) =>
      this.replied(`${prefix}${id}`, typeof message.text === 'string' ? message.text : '', 'ack'),
  });

  private replied(id: string, text: string, via: 'ack' | 'response_url'): void {
    this.replies.push({ id, text, at: Date.now(), via });
    for (const w of [...this.waiters]) w();
    this.waiters.clear();
  }

  /** The first reply to the command of this response id, in its ack or at its `response_url`. */
  async reply(id: string, timeoutMs = 30_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.replies.find((r) => r.id === id);
      if (found) return found.text;
      if (Date.now() > deadline) throw new Error(`no reply to command ${id} in ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 100);
        this.waiters.add(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  stop(): Promise<void> {
    return this.closeServer();
  }

  /** The limits one call is judged by, each under its key. */
  private limitsOf(method: string, args: Record<string, string>) {
    if (method === 'chat.postMessage') {
      return [
        {
          key: `chat.postMessage ${slackDmOf(args.channel ?? '')}`,
          limit: SLACK_POST_MESSAGE_PER_CHANNEL,
        },
        { key: 'chat.postMessage workspace', limit: this.workspace },
      ];
    }
    const limit = SLACK_METHOD_LIMITS[method];
    return limit ? [{ key: method, limit }] : [];
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const raw = await readText(req);
    const isJson = (req.headers['content-type'] ?? '').includes('application/json');
    let args: Record<string, string>;
    try {
      args = fields(req, raw);
    } catch {
      return this.object(res, 'invalid_json');
    }
    if (path.startsWith('/respond/')) {
      this.replied(path.slice(9), args.text ?? '', 'response_url');
      return json(res, 200, { ok: true });
    }
    const method = path.replace(/^\/api\//, '');
    if (!ANSWERED.has(method)) return json(res, 200, { ok: false, error: 'unknown_method' });
    // The token: a bearer header, or in a form (never in a JSON body).
    const bearer = (req.headers.authorization ?? '').startsWith('Bearer ');
    if (!bearer && (isJson || !args.token)) return this.object(res, 'not_authed');
    const warning =
      isJson && !/;\s*charset=utf-8\s*(;|$)/i.test(req.headers['content-type'] ?? '')
        ? 'missing_charset'
        : null;
    if (warning) this.objections[warning] = (this.objections[warning] ?? 0) + 1;
    this.calls[method] = (this.calls[method] ?? 0) + 1;
    // How late it was read: on the real clock only (a test's own clock has no delays).
    const late = this.options.now ? 0 : arrivalDelayMs(req);
    const verdict = this.book.check(this.limitsOf(method, args), late);
    if (verdict.violation) this.ledger.violate(`slack ${method}`);
    if (!verdict.admitted) {
      this.ledger.refuse(`slack ${method} 429`);
      return json(
        res,
        429,
        { ok: false, error: 'ratelimited' },
        { 'retry-after': String(verdict.retryAfterS) },
      );
    }
    const answer = this.answer(method, args);
    json(res, 200, warning ? { ...(answer as object), warning } : answer);
  }

  /** Refuses a call as Slack does (HTTP 200, `ok: false`), counting it. */
  private object(res: ServerResponse, error: string): void {
    this.objections[error] = (this.objections[error] ?? 0) + 1;
    json(res, 200, { ok: false, error });
  }

  private userObject(id: string) {
    // Every user is a full member (a responder under RESPONDER_POLICY=members).
    return {
      id,
      team_id: 'T1',
      name: id.toLowerCase(),
      real_name: `Bench ${id}`,
      deleted: false,
      is_bot: false,
      is_restricted: false,
      profile: { email: `${id.toLowerCase()}@corp.example`, display_name: `Bench ${id}` },
    };
  }

  private answer(method: string, args: Record<string, string>): unknown {
    switch (method) {
      case 'auth.test':
        return { ok: true, team: 'Bench', team_id: 'T1', user: 'herald', user_id: 'UHERALD' };
      case 'users.info':
        return { ok: true, user: this.userObject(args.user ?? '') };
      case 'users.lookupByEmail': {
        const local = /^(u[a-z0-9]+)@corp\.example$/i.exec(args.email ?? '')?.[1];
        return local
          ? { ok: true, user: this.userObject(local.toUpperCase()) }
          : { ok: false, error: 'users_not_found' };
      }
      case 'users.list':
        // The bench's workspace lists nobody: Herald meets its people through the seed.
        return { ok: true, members: [], response_metadata: { next_cursor: '' } };
      case 'conversations.open': {
        const dm = slackDmOf(args.users ?? '');
        this.dms.add(dm);
        return { ok: true, channel: { id: dm } };
      }
      case 'chat.postMessage': {
        const channel = slackDmOf(args.channel ?? '');
        // A user id posts into the app's DM with them, opening it the first time.
        this.dms.add(channel);
        const event = parseSlackText(args.text ?? '');
        const recipient = channel.replace(/^D/, '');
        if (event) this.ledger.record({ channel: 'slack', recipient, ...event });
        else this.ledger.unparsed += 1;
        return { ok: true, channel, ts: `${Date.now() / 1000}` };
      }
      case 'chat.postEphemeral':
        return { ok: true, message_ts: `${Date.now() / 1000}` };
      default:
        // views.*: the view back with an id.
        return { ok: true, view: { id: 'VBENCH', hash: 'h' } };
    }
  }
}
