/**
 * The email channel's pool of SMTP sessions, against a real SMTP server (smtp-server): sessions
 * reused and bounded, replaced after their quota or when the server ends them, reset after a
 * refused recipient, logged in when the URL carries credentials, and every failure handed back to
 * the caller, once, with the server's reply.
 */
import type { Socket } from 'node:net';
import type { SMTPServerOptions } from 'smtp-server';
import { afterEach, describe, expect, it } from 'vitest';
import { smtpDeliveryError } from '../../adapters/email/smtp-error.js';
import { SmtpPool, type SmtpPoolShape } from '../../adapters/email/smtp-pool.js';
import { eventually } from '../support/eventually.js';
import { TestSmtpServer } from '../support/smtp-server.js';

/** The relay of the tests, counting the sessions it was opened and how many are open. */
class CountingRelay extends TestSmtpServer {
  sessions = 0;
  open = 0;
  mostOpen = 0;
  /** The server's id of the session each `MAIL FROM` came over, in order. */
  readonly mailSessions: string[] = [];
  /** TCP connections open at the server, counted from accept to close (not from QUIT). */
  sockets = 0;
  mostSockets = 0;

  override async start(): Promise<this> {
    this.server.server.on('connection', (socket: Socket) => {
      this.sockets += 1;
      this.mostSockets = Math.max(this.mostSockets, this.sockets);
      socket.once('close', () => (this.sockets -= 1));
    });
    return super.start();
  }

  protected override hooks(): Partial<SMTPServerOptions> {
    return {
      ...super.hooks(),
      onConnect: (_session, callback) => {
        this.sessions += 1;
        this.open += 1;
        this.mostOpen = Math.max(this.mostOpen, this.open);
        callback();
      },
      onClose: () => {
        this.open -= 1;
      },
      onMailFrom: (_address, session, callback) => {
        this.mailSessions.push(session.id);
        callback();
      },
    };
  }
}

const SHAPE: SmtpPoolShape = { maxConnections: 3, maxMessages: 1_000, idleTimeoutMs: 60_000 };
// The socket timeout outlasts `eventually`'s 10 s: a session idle that long is cut off by it, so a
// test that sees a session end in time sees the pool's QUIT.
const TIMEOUTS = { connectionTimeout: 2_000, greetingTimeout: 2_000, socketTimeout: 15_000 };
const envelope = (to: string) => ({ from: 'herald@status.example', to: [to] });
const message = (n: number) =>
  Buffer.from(`From: herald@status.example\r\nSubject: mail ${n}\r\n\r\nBody ${n}.\r\n`);

let pool: SmtpPool | undefined;
let relay: CountingRelay | undefined;
afterEach(async () => {
  pool?.close();
  await relay?.stop();
  pool = relay = undefined;
});

async function start(
  shape: Partial<SmtpPoolShape> = {},
  extra: Partial<SMTPServerOptions> = {},
  credentials = '',
): Promise<{ pool: SmtpPool; relay: CountingRelay }> {
  relay = await new CountingRelay(extra).start();
  const url = relay.url.replace('smtp://', `smtp://${credentials}`);
  pool = SmtpPool.fromUrl(url, { ...SHAPE, ...shape }, TIMEOUTS);
  return { pool, relay };
}

describe('SMTP pool', () => {
  it('carries many mails over at most maxConnections sessions, each mail once', async () => {
    const { pool, relay } = await start();
    await Promise.all(
      Array.from({ length: 40 }, (_, i) => pool.send(envelope(`r${i}@corp.example`), message(i))),
    );
    expect(relay.messages.map((m) => m.to[0]).sort()).toEqual(
      Array.from({ length: 40 }, (_, i) => `r${i}@corp.example`).sort(),
    );
    expect(relay.messages.map((m) => m.parsed.subject)).toContain('mail 39');
    expect(relay.sessions).toBe(3);
    expect(relay.mostOpen).toBe(3);
    expect(pool.size).toBe(3);
    // One at a time, a single session (the most recently used) carries them all, and the others
    // are left idle to expire.
    for (let i = 40; i < 45; i++) await pool.send(envelope(`r${i}@corp.example`), message(i));
    expect(relay.sessions).toBe(3);
    expect(new Set(relay.mailSessions.slice(-5)).size).toBe(1);
  });

  it('never has more connections open at the server than maxConnections, replacements included', async () => {
    const { pool, relay } = await start({ maxConnections: 2, maxMessages: 1 });
    await Promise.all(
      Array.from({ length: 12 }, (_, i) => pool.send(envelope(`r${i}@corp.example`), message(i))),
    );
    expect(relay.messages).toHaveLength(12);
    expect(relay.sessions).toBe(12);
    expect(relay.mostSockets).toBe(2);
  });

  it('opens a session in place of one a 421 ended only once the old one has gone', async () => {
    const { pool, relay } = await start({ maxConnections: 1 });
    relay.failNext(3, 421);
    const sends = Array.from({ length: 4 }, (_, i) =>
      pool.send(envelope(`r${i}@corp.example`), message(i)),
    );
    const settled = await Promise.allSettled(sends);
    expect(settled.map((s) => s.status)).toEqual(['rejected', 'rejected', 'rejected', 'fulfilled']);
    expect(relay.sessions).toBe(4);
    expect(relay.mostSockets).toBe(1);
  });

  it('replaces a session after maxMessages mails', async () => {
    const { pool, relay } = await start({ maxMessages: 3 });
    for (let i = 0; i < 7; i++) await pool.send(envelope(`r${i}@corp.example`), message(i));
    expect(relay.messages).toHaveLength(7);
    expect(relay.sessions).toBe(3);
    await eventually(() => expect(relay.open).toBe(1));
  });

  it('hands back a refused recipient with the reply and keeps the session for the next mail', async () => {
    const { pool, relay } = await start();
    relay.rejectRecipient('gone@corp.example', 550);
    await expect(pool.send(envelope('gone@corp.example'), message(1))).rejects.toMatchObject({
      code: 'EENVELOPE',
      responseCode: 550,
      message: expect.stringContaining('mailbox unavailable'),
    });
    await pool.send(envelope('ann@corp.example'), message(2));
    expect(relay.messages.map((m) => m.to)).toEqual([['ann@corp.example']]);
    expect(relay.sessions).toBe(1);
  });

  it('hands back a 421 at DATA and opens a new session for the next mail', async () => {
    const { pool, relay } = await start();
    relay.failNext(1, 421);
    await expect(pool.send(envelope('ann@corp.example'), message(1))).rejects.toMatchObject({
      responseCode: 421,
    });
    await pool.send(envelope('ann@corp.example'), message(2));
    expect(relay.messages.map((m) => m.parsed.subject)).toEqual(['mail 2']);
    expect(relay.sessions).toBe(2);
  });

  it('drops a session the server ended while idle and sends the next mail over a new one', async () => {
    const { pool, relay } = await start({}, { socketTimeout: 150 });
    await pool.send(envelope('ann@corp.example'), message(1));
    await eventually(() => expect(pool.size).toBe(0));
    await pool.send(envelope('bob@corp.example'), message(2));
    expect(relay.messages.map((m) => m.to[0])).toEqual(['ann@corp.example', 'bob@corp.example']);
    expect(relay.sessions).toBe(2);
  });

  it('says QUIT to a session idle for idleTimeoutMs', async () => {
    const { pool, relay } = await start({ idleTimeoutMs: 100 });
    await pool.send(envelope('ann@corp.example'), message(1));
    expect(pool.size).toBe(1);
    await eventually(() => expect(relay.closedSessions).toBe(1));
    await eventually(() => expect(pool.size).toBe(0));
    await pool.send(envelope('bob@corp.example'), message(2));
    expect(relay.sessions).toBe(2);
  });

  describe('with credentials in the URL', () => {
    const auth: Partial<SMTPServerOptions> = {
      disabledCommands: ['STARTTLS'],
      authOptional: false,
      allowInsecureAuth: true,
      onAuth: (auth, _session, callback) =>
        auth.username === 'herald' && auth.password === 's3cret:/@'
          ? callback(null, { user: auth.username })
          : callback(Object.assign(new Error('Invalid credentials'), { responseCode: 535 })),
    };

    it('logs in before the first mail', async () => {
      const { pool, relay } = await start({}, auth, `herald:${encodeURIComponent('s3cret:/@')}@`);
      await pool.send(envelope('ann@corp.example'), message(1));
      await pool.send(envelope('bob@corp.example'), message(2));
      expect(relay.messages).toHaveLength(2);
      expect(relay.sessions).toBe(1);
    });

    it('hands back a refused login as EAUTH and sends nothing', async () => {
      const { pool, relay } = await start({}, auth, 'herald:wrong@');
      await expect(pool.send(envelope('ann@corp.example'), message(1))).rejects.toMatchObject({
        code: 'EAUTH',
        responseCode: 535,
      });
      expect(relay.messages).toEqual([]);
      await eventually(() => expect(pool.size).toBe(0));
    });

    it('is refused by the server without credentials, as the server words it', async () => {
      const { pool, relay } = await start({}, auth);
      await expect(pool.send(envelope('ann@corp.example'), message(1))).rejects.toMatchObject({
        code: 'EENVELOPE',
        responseCode: 530,
      });
      expect(relay.messages).toEqual([]);
    });
  });

  it('hands back a session refused at the greeting with its reply, which the operator must fix: transient', async () => {
    const { pool, relay } = await start(
      {},
      {
        onConnect: (_session, callback) =>
          callback(Object.assign(new Error('your address is blocked'), { responseCode: 554 })),
      },
    );
    const err = await pool.send(envelope('ann@corp.example'), message(1)).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toMatchObject({ responseCode: 554, command: 'CONN' });
    expect(smtpDeliveryError(err).kind).toBe('transient');
    expect(relay.messages).toEqual([]);
  });

  it('hands back a server that is not there as a socket error, and keeps no session', async () => {
    // A port that was just free: nothing listens on it now.
    const gone = await new CountingRelay().start();
    await gone.stop();
    const p = (pool = SmtpPool.fromUrl(gone.url, SHAPE, TIMEOUTS));
    const failures = await Promise.allSettled(
      Array.from({ length: 5 }, (_, i) => p.send(envelope(`r${i}@corp.example`), message(i))),
    );
    expect(failures.map((f) => f.status)).toEqual(Array(5).fill('rejected'));
    for (const f of failures) {
      expect((f as PromiseRejectedResult).reason).toMatchObject({
        code: 'ESOCKET',
        message: expect.stringContaining('ECONNREFUSED'),
      });
    }
    await eventually(() => expect(p.size).toBe(0));
  });

  it('fails mails in flight and waiting when closed, and every mail after', async () => {
    const { pool, relay } = await start(
      { maxConnections: 1 },
      {
        // The server takes its time over every message.
        onMailFrom: (_address, _session, callback) => setTimeout(() => callback(), 200),
      },
    );
    const sends = [1, 2, 3].map((n) => pool.send(envelope(`r${n}@corp.example`), message(n)));
    await eventually(() => expect(relay.sessions).toBe(1));
    pool.close();
    const settled = await Promise.allSettled(sends);
    expect(settled.map((s) => s.status)).toEqual(['rejected', 'rejected', 'rejected']);
    for (const s of settled) {
      expect((s as PromiseRejectedResult).reason).toMatchObject({ code: 'ECONNECTION' });
    }
    await expect(pool.send(envelope('late@corp.example'), message(4))).rejects.toMatchObject({
      code: 'ECONNECTION',
      message: 'Connection pool was closed',
    });
    expect(relay.messages).toEqual([]);
    await eventually(() => expect(relay.open).toBe(0));
  });

  it('refuses a URL without a host, and a shape that could never send', () => {
    expect(() => SmtpPool.fromUrl('smtp://', SHAPE, TIMEOUTS)).toThrow('no host');
    for (const shape of [{ maxConnections: 0 }, { maxMessages: 0 }, { idleTimeoutMs: 0 }]) {
      expect(() =>
        SmtpPool.fromUrl('smtp://127.0.0.1:25', { ...SHAPE, ...shape }, TIMEOUTS),
      ).toThrow('at least one connection');
    }
  });
});
