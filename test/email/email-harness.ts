/**
 * Herald with the email door against a real SMTP server on loopback, and the readings the email
 * tests share. Links in mails point at `PUBLIC_URL` (`https://herald.example`); `request` sends
 * them to the real HTTP server instead, so no port has to be known before start-up.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ParsedMail } from 'mailparser';
import { createEmailDoor } from '../../adapters/email/index.js';
import { loadConfig } from '../../src/config.js';
import type { Person, Role } from '../../src/domain/types.js';
import { silentLogger } from '../../src/logger.js';
import { startHerald, type Herald } from '../../src/main.js';
import { TestSmtpServer } from '../support/smtp-server.js';
import { sqliteOf } from '../support/outbox-fixture.js';

export const PUBLIC_URL = 'https://herald.example';

export interface EmailHarness {
  herald: Herald;
  smtp: TestSmtpServer;
  person(name: string, email: string | null, role?: Role): Promise<Person>;
  /** Every delivery with its person, event kind and state, oldest first. */
  deliveries(): Array<{
    id: number;
    person: string;
    kind: string;
    state: string;
    attempts: number;
    lastError: string | null;
  }>;
  /** Sends `url` (a link from a mail) to the running Herald. */
  request(url: string, init?: RequestInit): Promise<Response>;
  stop(): Promise<void>;
}

export async function startEmailHerald(env: Record<string, string> = {}): Promise<EmailHarness> {
  const smtp = await new TestSmtpServer().start();
  const dir = mkdtempSync(join(tmpdir(), 'herald-email-'));
  let herald: Herald;
  try {
    herald = await startHerald(
      loadConfig({
        PORT: '0',
        HOST: '127.0.0.1',
        DATABASE_PATH: join(dir, 'herald.db'),
        SMTP_URL: smtp.url,
        PUBLIC_URL,
        EMAIL_FROM: 'Herald Status <herald@status.example>',
        ...env,
      }),
      {
        doors: [createEmailDoor],
        logger: silentLogger,
        worker: { backoff: { baseMs: 20, maxMs: 100 } },
      },
    );
  } catch (err) {
    await smtp.stop();
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  const base = `http://127.0.0.1:${(herald.server.address() as AddressInfo).port}`;
  const { store } = herald.ctx;
  return {
    herald,
    smtp,
    person: (name, email, role = 'stakeholder') =>
      store.people.create({ displayName: name, email, role }, Date.now()),
    deliveries: () =>
      sqliteOf(herald.db)
        .prepare(
          `SELECT d.id, p.display_name AS person, e.kind, d.state, d.attempts, d.last_error AS lastError
             FROM deliveries d JOIN people p ON p.id = d.person_id
             JOIN notification_events e ON e.id = d.event_id
            ORDER BY d.id`,
        )
        .all() as ReturnType<EmailHarness['deliveries']>,
    request: (url, init) => {
      const link = new URL(url);
      return fetch(`${base}${link.pathname}${link.search}`, { redirect: 'manual', ...init });
    },
    stop: async () => {
      // Herald first: its pool says QUIT, so the SMTP server has no one left to wait for.
      await herald.stop();
      await smtp.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * A header as sent, unfolded; `undefined` when absent. Read from the raw lines rather than
 * mailparser's interpretation, so what is asserted is what a mail client gets.
 */
export function rawHeader(mail: ParsedMail, name: string): string | undefined {
  const line = mail.headerLines.find((h) => h.key === name.toLowerCase())?.line;
  return line
    ?.replace(/\r?\n(?=[ \t])/g, '')
    .slice(name.length + 1)
    .trim();
}

/** The URL inside `List-Unsubscribe: <…>`. */
export function unsubscribeUrl(mail: ParsedMail): string {
  const match = /^<([^>]+)>$/.exec(rawHeader(mail, 'List-Unsubscribe') ?? '');
  if (!match?.[1]) throw new Error('no List-Unsubscribe URL in the mail');
  return match[1];
}
