/**
 * Herald with the web door, the email door (against a real SMTP server on loopback) and the Teams
 * door (against the fake Bot Framework connector), on a temp SQLite file — and a small browser
 * for the pages: a cookie jar, forms posted as a browser posts them, and every answer parsed by a
 * real HTML parser (htmlparser2).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DomUtils, parseDocument } from 'htmlparser2';
import { createEmailDoor } from '../../adapters/email/index.js';
import { teamsDoor } from '../../adapters/teams/index.js';
import { createWebDoor } from '../../adapters/web/index.js';
import type { SqliteExecutor } from '../../db/sqlite-executor.js';
import { systemClock, type Clock } from '../../src/clock.js';
import { loadConfig } from '../../src/config.js';
import type { Person, Role } from '../../src/domain/types.js';
import { silentLogger } from '../../src/logger.js';
import { startHerald, type Herald } from '../../src/main.js';
import { eventually } from '../support/eventually.js';
import { FakeConnector } from '../support/fake-connector.js';
import { TestSmtpServer } from '../support/smtp-server.js';
import { TeamsUser, TENANT } from '../support/teams-user.js';

type Document = ReturnType<typeof parseDocument>;
type Element = ReturnType<typeof DomUtils.findAll>[number];

export const SECRET = 'web-test-secret-0123456789abcdef0123456789';

/** The system clock, moved forward on demand (sessions and links expire; the worker runs). */
export class SkewedClock implements Clock {
  skewMs = 0;
  now = (): number => Date.now() + this.skewMs;
  sleep = (ms: number): Promise<void> => systemClock.sleep(ms);
  random = (): number => Math.random();
}

export interface Page {
  status: number;
  headers: Headers;
  /** Where a redirect points (path and query), or null. */
  location: string | null;
  html: string;
  doc: Document;
}

/** A browser's share of the web: cookies kept per client, forms posted urlencoded. */
export class PageClient {
  readonly cookies = new Map<string, string>();
  constructor(private readonly base: string) {}

  private cookieHeader(): Record<string, string> {
    if (this.cookies.size === 0) return {};
    return { cookie: [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ') };
  }

  private async read(res: Response): Promise<Page> {
    for (const line of res.headers.getSetCookie()) {
      const [pair = ''] = line.split(';');
      const at = pair.indexOf('=');
      const name = pair.slice(0, at);
      const value = pair.slice(at + 1);
      if (/Max-Age=0/i.test(line)) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    const html = await res.text();
    const location = res.headers.get('location');
    return { status: res.status, headers: res.headers, location, html, doc: parseDocument(html) };
  }

  /** `url` absolute (a link from a message: only its path is used) or a path. */
  async get(url: string): Promise<Page> {
    const u = new URL(url, 'http://x');
    const res = await fetch(`${this.base}${u.pathname}${u.search}`, {
      redirect: 'manual',
      headers: this.cookieHeader(),
    });
    return this.read(res);
  }

  async post(path: string, fields: Record<string, string | string[]>): Promise<Page> {
    const body = new URLSearchParams();
    for (const [k, v] of Object.entries(fields)) for (const x of [v].flat()) body.append(k, x);
    const res = await fetch(`${this.base}${path}`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...this.cookieHeader() },
      body,
    });
    return this.read(res);
  }

  /** GET, then follow redirects as a browser does (a 303 becomes a GET). */
  async open(url: string): Promise<Page> {
    let page = await this.get(url);
    for (let i = 0; i < 5 && page.location; i++) page = await this.get(page.location);
    return page;
  }

  /** Posts the form whose action is `action` on `page` with its own fields (hidden ones included), plus `fields`. */
  async submit(
    page: Page,
    action: string,
    fields: Record<string, string | string[]> = {},
  ): Promise<Page> {
    const f = form(page, action);
    const values: Record<string, string | string[]> = {};
    for (const input of DomUtils.findAll((e) => e.name === 'input', [f])) {
      const name = input.attribs.name;
      if (name && input.attribs.type === 'hidden') values[name] = input.attribs.value ?? '';
    }
    let posted = await this.post(action, { ...values, ...fields });
    for (let i = 0; i < 5 && posted.location; i++) posted = await this.get(posted.location);
    return posted;
  }
}

/** The form posting to `action` (exactly one). */
export function form(page: Page, action: string): Element {
  const forms = DomUtils.findAll(
    (e) => e.name === 'form' && e.attribs.action === action,
    page.doc.children,
  );
  if (forms.length !== 1) throw new Error(`expected one form to ${action}, found ${forms.length}`);
  return forms[0]!;
}

/** Every element named `tag`. */
export const all = (page: Page, tag: string): Element[] =>
  DomUtils.findAll((e) => e.name === tag, page.doc.children);

/** The text a reader gets, whitespace collapsed. */
export const textOf = (node: Page | Element): string =>
  DomUtils.textContent('doc' in node ? node.doc : node)
    .replace(/\s+/g, ' ')
    .trim();

export const mainText = (page: Page): string => textOf(all(page, 'main')[0]!);

export const h1 = (page: Page): string => textOf(all(page, 'h1')[0]!);

/** The hrefs of links into `/my/incidents/…`. */
export const incidentLinks = (page: Page): string[] =>
  all(page, 'a')
    .map((a) => a.attribs.href ?? '')
    .filter((h) => h.startsWith('/my/incidents/'));

export interface WebHarness {
  herald: Herald;
  smtp: TestSmtpServer;
  fake: FakeConnector;
  clock: SkewedClock;
  base: string;
  /** The SQLite file it runs on. */
  databasePath: string;
  client(): PageClient;
  person(name: string, email: string | null, role?: Role): Promise<Person>;
  /** A Teams user of the fake connector, with `email`. */
  teamsUser(name: string, email: string): TeamsUser;
  /** Posts Teams activities to `/api/messages`, expecting 200. */
  teams(...activities: Array<Record<string, unknown> | Record<string, unknown>[]>): Promise<void>;
  /** Every row of every table, for "nothing changed". */
  snapshot(): string;
  /** Rows of a query on the database, for what no port reads (the audit log, counters). */
  rows<T>(query: string): T[];
  /** Resolves once no delivery is waiting or being sent (the worker is quiet). */
  settled(): Promise<void>;
  stop(): Promise<void>;
}

/** Herald with the three doors; `env.DATABASE_PATH` shares another's database (a second replica). */
export async function startWebHerald(env: Record<string, string> = {}): Promise<WebHarness> {
  const smtp = await new TestSmtpServer().start();
  const fake = await FakeConnector.start();
  const dir = mkdtempSync(join(tmpdir(), 'herald-web-'));
  const clock = new SkewedClock();
  const databasePath = env.DATABASE_PATH ?? join(dir, 'herald.db');
  let herald: Herald;
  try {
    herald = await startHerald(
      loadConfig({
        PORT: '0',
        HOST: '127.0.0.1',
        DATABASE_PATH: databasePath,
        SMTP_URL: smtp.url,
        PUBLIC_URL: 'https://herald.example',
        EMAIL_FROM: 'Herald Status <herald@status.example>',
        HERALD_SECRET: SECRET,
        TEAMS_ALLOW_UNAUTHENTICATED: 'true',
        REMINDER_MINUTES: '0',
        ...env,
      }),
      {
        clock,
        doors: [createEmailDoor, createWebDoor, teamsDoor({ botFramework: fake.botFramework })],
        logger: silentLogger,
        worker: { backoff: { baseMs: 20, maxMs: 100 } },
      },
    );
  } catch (err) {
    await smtp.stop();
    await fake.close();
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  const base = `http://127.0.0.1:${(herald.server.address() as AddressInfo).port}`;
  const post = async (activity: Record<string, unknown>) => {
    const res = await fetch(`${base}/api/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(activity),
    });
    if (res.status !== 200) throw new Error(`/api/messages answered ${res.status}`);
  };
  const sqlite = (herald.db as SqliteExecutor).sqlite;
  return {
    herald,
    smtp,
    fake,
    clock,
    base,
    databasePath,
    client: () => new PageClient(base),
    person: (name, email, role = 'stakeholder') =>
      herald.ctx.store.people.create({ displayName: name, email, role }, Date.now()),
    teamsUser(name, email) {
      const key = name.toLowerCase().replace(/\W+/g, '-');
      const member = fake.addMember({
        id: `29:${key}`,
        aadObjectId: `aad-${key}`,
        name,
        email,
        userPrincipalName: email,
        tenantId: TENANT,
      });
      return new TeamsUser(member, fake.url);
    },
    async teams(...activities) {
      for (const a of activities.flat()) await post(a);
    },
    rows: <T>(query: string) => sqlite.prepare(query).all() as T[],
    async settled() {
      await eventually(() => {
        const busy = sqlite
          .prepare(
            `SELECT count(*) AS n FROM deliveries WHERE state IN ('pending', 'sending', 'retrying')`,
          )
          .get() as { n: number };
        if (busy.n > 0) throw new Error(`${busy.n} deliveries still busy`);
      });
    },
    snapshot() {
      const tables = sqlite
        .prepare(
          `SELECT name FROM sqlite_master WHERE type = 'table'
              AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '__drizzle%' ORDER BY name`,
        )
        .all() as Array<{ name: string }>;
      return JSON.stringify(
        tables
          // Heartbeats and lane leases move on their own.
          .filter(({ name }) => !['replicas', 'leases'].includes(name))
          .map(({ name }) => [name, sqlite.prepare(`SELECT * FROM "${name}"`).all()]),
      );
    },
    async stop() {
      await herald.stop();
      await smtp.stop();
      await fake.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
