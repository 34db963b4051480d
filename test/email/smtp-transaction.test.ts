/**
 * The SMTP transaction of the email channel's pool: a message's data on the wire, the next mail's
 * envelope pipelined behind it (RFC 2920), and a server without PIPELINING spoken to one command
 * at a time.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { SmtpPool, type SmtpPoolShape } from '../../adapters/email/smtp-pool.js';
import { dataOf } from '../../adapters/email/smtp-transaction.js';
import { TestSmtpServer } from '../support/smtp-server.js';

const ONE: SmtpPoolShape = { maxConnections: 1, maxMessages: 1_000, idleTimeoutMs: 60_000 };
const TIMEOUTS = { connectionTimeout: 2_000, greetingTimeout: 2_000, socketTimeout: 15_000 };
const envelope = (to: string) => ({ from: 'herald@status.example', to: [to] });
const message = (n: number, body = `Body ${n}.`) =>
  Buffer.from(`From: herald@status.example\r\nSubject: mail ${n}\r\n\r\n${body}\r\n`);

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function pool(url: string): SmtpPool {
  const p = SmtpPool.fromUrl(url, ONE, TIMEOUTS);
  cleanups.push(() => p.close());
  return p;
}

describe('a message on the wire', () => {
  it('doubles a dot that starts a line, ends every line with CRLF, and ends with a dot line', () => {
    const wire = (text: string) => dataOf(Buffer.from(text, 'latin1')).toString('latin1');
    expect(wire('.a\r\nb\r\n..c\r\n')).toBe('..a\r\nb\r\n...c\r\n.\r\n');
    expect(wire('a\nb\rc\r\n.')).toBe('a\r\nb\r\nc\r\n..\r\n.\r\n');
    expect(wire('a.\r\n \r\n.\r\n')).toBe('a.\r\n \r\n..\r\n.\r\n');
    // A bare CR before a dot is a line end too (SMTP smuggling): "\r.\r" cannot end the data.
    expect(wire('a\r.\rb')).toBe('a\r\n..\r\nb\r\n.\r\n');
  });
});

describe('the SMTP transaction', () => {
  it("sends the next mail's envelope with this mail's data, before this mail's reply", async () => {
    // The server holds its reply to the first mail until the second's MAIL FROM has come in: a
    // client that waits for the reply before the next envelope never gets one.
    const server = await scriptedServer('r1@corp.example');
    const p = pool(server.url);
    await Promise.all([
      p.send(envelope('r0@corp.example'), message(0)),
      p.send(envelope('r1@corp.example'), message(1)),
      p.send(envelope('r2@corp.example'), message(2)),
    ]);
    expect(server.mails).toEqual(['r0@corp.example', 'r1@corp.example', 'r2@corp.example']);
    expect(server.connections).toBe(1);
  });

  it('a refused message ends its own transaction; the mail pipelined behind it still goes', async () => {
    const relay = await new TestSmtpServer().start();
    cleanups.push(() => relay.stop());
    relay.failNext(1, 554);
    const p = pool(relay.url);
    const settled = await Promise.allSettled(
      [0, 1, 2].map((i) => p.send(envelope(`r${i}@corp.example`), message(i))),
    );
    expect(settled.map((s) => s.status)).toEqual(['rejected', 'fulfilled', 'fulfilled']);
    expect((settled[0] as PromiseRejectedResult).reason).toMatchObject({
      code: 'EMESSAGE',
      responseCode: 554,
      command: 'DATA',
    });
    expect(relay.messages.map((m) => m.to[0])).toEqual(['r1@corp.example', 'r2@corp.example']);
    expect(relay.closedSessions).toBe(0);
  });

  it('speaks to a server without PIPELINING one command at a time, refusals included', async () => {
    const relay = await new TestSmtpServer({ hidePIPELINING: true }).start();
    cleanups.push(() => relay.stop());
    relay.rejectRecipient('gone@corp.example', 550);
    const p = pool(relay.url);
    const to = ['r0@corp.example', 'gone@corp.example', 'r2@corp.example', 'r3@corp.example'];
    const settled = await Promise.allSettled(
      to.map((address, i) => p.send(envelope(address), message(i, `.leading dot ${i}\r\n.`))),
    );
    expect(settled.map((s) => s.status)).toEqual([
      'fulfilled',
      'rejected',
      'fulfilled',
      'fulfilled',
    ]);
    expect((settled[1] as PromiseRejectedResult).reason).toMatchObject({
      code: 'EENVELOPE',
      responseCode: 550,
      command: 'RCPT TO',
    });
    expect(relay.messages.map((m) => m.to[0])).toEqual([to[0], to[2], to[3]]);
    expect(relay.messages.map((m) => m.parsed.text?.trim())).toEqual([
      '.leading dot 0\n.',
      '.leading dot 2\n.',
      '.leading dot 3\n.',
    ]);
  });
});

/**
 * A PIPELINING server written line by line, which holds its reply to a message's final dot until
 * `awaited`'s `MAIL FROM` has arrived. It records each accepted mail's recipient.
 */
async function scriptedServer(awaited: string) {
  const state = { mails: [] as string[], connections: 0, url: '' };
  const server: Server = createServer((socket: Socket) => {
    state.connections += 1;
    let buffered = '';
    let received = '';
    let inData = false;
    let recipient = '';
    let sawAwaited: () => void = () => {};
    const awaitedSeen = new Promise<void>((resolve) => (sawAwaited = resolve));
    const lines: string[] = [];
    let working = false;
    const work = async () => {
      if (working) return;
      working = true;
      while (lines.length > 0) {
        const line = lines.shift()!;
        if (inData) {
          if (line !== '.') continue;
          inData = false;
          if (recipient !== awaited) await awaitedSeen;
          state.mails.push(recipient);
          socket.write('250 2.0.0 queued\r\n');
        } else if (/^EHLO /i.test(line)) socket.write('250-scripted\r\n250 PIPELINING\r\n');
        else if (/^MAIL FROM:/i.test(line)) socket.write('250 2.1.0 ok\r\n');
        else if (/^RCPT TO:<(.*)>/i.test(line)) {
          recipient = /^RCPT TO:<(.*)>/i.exec(line)![1]!;
          socket.write('250 2.1.5 ok\r\n');
        } else if (/^DATA$/i.test(line)) {
          inData = true;
          socket.write('354 go ahead\r\n');
        } else if (/^QUIT$/i.test(line)) socket.end('221 bye\r\n');
        else socket.write('502 5.5.2 not here\r\n');
      }
      working = false;
    };
    socket.on('data', (chunk: Buffer) => {
      buffered += chunk.toString('latin1');
      received += chunk.toString('latin1');
      if (received.includes(`MAIL FROM:<herald@status.example>\r\nRCPT TO:<${awaited}>`)) {
        sawAwaited();
      }
      const parts = buffered.split('\r\n');
      buffered = parts.pop()!;
      lines.push(...parts);
      void work();
    });
    socket.on('error', () => {});
    socket.write('220 scripted ESMTP\r\n');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  state.url = `smtp://127.0.0.1:${port}`;
  cleanups.push(() => new Promise((resolve) => server.close(resolve)));
  return state;
}
