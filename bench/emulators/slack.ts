import type { IncomingMessage, ServerResponse } from 'node:http';
import { fields, json, listenLoopback, readText } from './http.js';
import type { EventKind, Ledger } from './ledger.js';
import { admit, KeyedBuckets, retryAfterSeconds, TokenBucket } from './token-bucket.js';

export interface SlackEmulatorOptions {
  /**
   * The workspace ceiling of `chat.postMessage`, messages per second; the bucket holds as many
   * (one second of burst), as Herald's own workspace bucket does. Slack publishes no number.
   */
  postMessagePerSecond: number;
  /**
   * `conversations.open` per second. Slack files it under Tier 3 (50+ per minute); the bench
   * defaults to the `chat.postMessage` ceiling so the DM opening Herald does once per person does
   * not become the measured bottleneck (see BENCHMARKS.md for what the real tier would do).
   */
  openPerSecond?: number;
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

/**
 * The Slack Web API methods Herald calls, on loopback, with Slack's limits: a token bucket per
 * method for the workspace (429 + `Retry-After` past it) and about one message per second per DM
 * channel. `response_url` posts (`respond()`) are kept so the bench can read command replies.
 */
export class SlackEmulator {
  readonly replies: Array<{ id: string; text: string; at: number }> = [];
  private readonly methods: Record<string, TokenBucket>;
  private readonly perChannel = new KeyedBuckets(1, 3);
  private readonly waiters = new Set<() => void>();
  private closeServer: () => Promise<void> = () => Promise.resolve();
  url = '';

  constructor(
    private readonly ledger: Ledger,
    readonly options: SlackEmulatorOptions,
  ) {
    const post = options.postMessagePerSecond;
    const open = options.openPerSecond ?? post;
    this.methods = {
      'chat.postMessage': new TokenBucket(post, post),
      'conversations.open': new TokenBucket(open, open),
      // Tier 4 (100+ per minute) and a generous bucket for the one call Herald makes at start.
      'users.info': new TokenBucket(100 / 60, 20),
      'auth.test': new TokenBucket(100 / 60, 20),
    };
  }

  async start(): Promise<this> {
    const { url, close } = await listenLoopback((req, res) => this.handle(req, res));
    this.url = url;
    this.closeServer = close;
    return this;
  }

  get apiUrl(): string {
    return `${this.url}/api/`;
  }

  responseUrl = (id: string): string => `${this.url}/respond/${id}`;

  /** The first reply posted to `respond()` for this response id. */
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

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const args = fields(req, await readText(req));
    if (path.startsWith('/respond/')) {
      this.replies.push({ id: path.slice(9), text: args.text ?? '', at: Date.now() });
      for (const w of [...this.waiters]) w();
      this.waiters.clear();
      return json(res, 200, { ok: true });
    }
    const method = path.replace(/^\/api\//, '');
    const bucket = this.methods[method];
    if (!bucket) return json(res, 200, { ok: false, error: 'unknown_method' });
    const buckets = [bucket];
    if (method === 'chat.postMessage') buckets.push(this.perChannel.get(args.channel ?? ''));
    const wait = admit(buckets);
    if (wait > 0) {
      this.ledger.refuse(`slack ${method} 429`);
      return json(
        res,
        429,
        { ok: false, error: 'ratelimited' },
        { 'retry-after': retryAfterSeconds(wait) },
      );
    }
    json(res, 200, this.answer(method, args));
  }

  private answer(method: string, args: Record<string, string>): unknown {
    switch (method) {
      case 'auth.test':
        return { ok: true, team: 'Bench', team_id: 'T1', user: 'herald', user_id: 'UHERALD' };
      case 'users.info': {
        const id = args.user ?? '';
        // Every user is a full member (a responder under RESPONDER_POLICY=members).
        return {
          ok: true,
          user: {
            id,
            name: id.toLowerCase(),
            real_name: `Bench ${id}`,
            deleted: false,
            is_bot: false,
            is_restricted: false,
            profile: { email: `${id.toLowerCase()}@corp.example`, display_name: `Bench ${id}` },
          },
        };
      }
      case 'conversations.open':
        return { ok: true, channel: { id: `D${args.users ?? ''}` } };
      case 'chat.postMessage': {
        const channel = args.channel ?? '';
        const event = parseSlackText(args.text ?? '');
        // A DM is addressed to the user id (the app's DM with them) or, once opened, its D… id.
        const recipient = channel.startsWith('D') ? channel.slice(1) : channel;
        if (event) this.ledger.record({ channel: 'slack', recipient, ...event });
        else this.ledger.unparsed += 1;
        return { ok: true, channel, ts: `${Date.now() / 1000}` };
      }
      default:
        return { ok: true };
    }
  }
}
