import { describe, expect, it } from 'vitest';
import { HttpProtocolError, ResponseParser, type HttpAnswer } from '../../adapters/http-answer.js';

// The answer reader fed the bytes a connection would deliver: whole, one byte at a time, and in
// every two-piece split, each framing the client may meet, and what it must refuse.

/** Feeds `pieces` in order; the answer, or null when the parser still waits. */
function feed(
  pieces: readonly string[],
  maxBody = 1024,
): { answer: HttpAnswer | null; parser: ResponseParser } {
  const parser = new ResponseParser(maxBody);
  let answer: HttpAnswer | null = null;
  for (const piece of pieces) {
    const got = parser.push(Buffer.from(piece, 'latin1'));
    if (got) {
      expect(answer).toBeNull();
      answer = got;
    }
  }
  return { answer, parser };
}

/** The same bytes whole, byte by byte and split at every point give the same answer. */
function everySplit(raw: string, maxBody = 1024): HttpAnswer {
  const whole = feed([raw], maxBody).answer;
  expect(whole).not.toBeNull();
  expect(feed([...raw], maxBody).answer).toEqual(whole);
  for (let at = 1; at < raw.length; at++)
    expect(feed([raw.slice(0, at), raw.slice(at)], maxBody).answer).toEqual(whole);
  return whole!;
}

const utf8 = (s: string) => Buffer.from(s, 'utf8').toString('latin1');

describe('the HTTP/1.1 answer reader', () => {
  it('a Content-Length body, its status and headers (lower case, repeats joined)', () => {
    const body = utf8('{"ok":true,"text":"héllo ✓"}');
    const answer = everySplit(
      `HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n` +
        `X-Seen: a\r\nx-seen: b\r\n\r\n${body}`,
    );
    expect(answer.status).toBe(200);
    expect(answer.headers['content-type']).toBe('application/json');
    expect(answer.headers['x-seen']).toBe('a, b');
    expect(answer.body.toString('utf8')).toBe('{"ok":true,"text":"héllo ✓"}');
    expect(answer).toMatchObject({ truncated: false, reusable: true, keepAliveMs: null });
  });

  it('a chunked body, with chunk extensions and trailers', () => {
    const plain = everySplit(
      'HTTP/1.1 429 Too Many Requests\r\nTransfer-Encoding: chunked\r\nRetry-After: 7\r\n\r\n' +
        '4\r\n{"ok\r\nB;name=value\r\n":false}   \r\n0\r\n\r\n',
    );
    expect(plain.status).toBe(429);
    expect(plain.headers['retry-after']).toBe('7');
    expect(plain.body.toString()).toBe('{"ok":false}   ');
    expect(plain.reusable).toBe(true);
    const trailers = everySplit(
      'HTTP/1.1 200 OK\r\ntransfer-encoding: gzip, chunked\r\n\r\n2\r\nok\r\n0\r\nX-Sum: 1\r\n\r\n',
    );
    expect(trailers.body.toString()).toBe('ok');
  });

  it('no body for 204 and 304; an empty one for Content-Length 0', () => {
    expect(everySplit('HTTP/1.1 204 No Content\r\n\r\n').body).toHaveLength(0);
    expect(everySplit('HTTP/1.1 304 Not Modified\r\nETag: "x"\r\n\r\n').status).toBe(304);
    expect(everySplit('HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n').body).toHaveLength(0);
    // Whatever their headers say: a 204 with a length has no body to wait for.
    const framed = everySplit('HTTP/1.1 204 No Content\r\nContent-Length: 5\r\n\r\n');
    expect([framed.status, framed.body.length, framed.reusable]).toEqual([204, 0, true]);
  });

  it('skips interim 1xx answers', () => {
    const answer = everySplit(
      'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </x>\r\n\r\n' +
        'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok',
    );
    expect(answer.status).toBe(200);
    expect(answer.headers.link).toBeUndefined();
  });

  it('a body with no length runs to the end of the connection, which is then not reused', () => {
    const { answer, parser } = feed(['HTTP/1.1 200 OK\r\n\r\npart one, ', 'part two']);
    expect(answer).toBeNull();
    const ended = parser.end();
    expect(ended.body.toString()).toBe('part one, part two');
    expect(ended.reusable).toBe(false);
    // Any other coding than chunked last: the same.
    const gzip = feed(['HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\nzz']);
    expect(gzip.answer).toBeNull();
    expect(gzip.parser.end().body.toString()).toBe('zz');
  });

  it('an answer cut short by the end of the connection is an error', () => {
    for (const pieces of [
      [],
      ['HTTP/1.1 200 OK\r\nContent-Len'],
      ['HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n12345'],
      ['HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab'],
      ['HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n'],
    ]) {
      const { answer, parser } = feed(pieces);
      expect(answer).toBeNull();
      expect(() => parser.end()).toThrow(HttpProtocolError);
    }
  });

  it('whether the connection may carry the next request', () => {
    const reusable = (head: string) => feed([`${head}Content-Length: 0\r\n\r\n`]).answer!.reusable;
    expect(reusable('HTTP/1.1 200 OK\r\n')).toBe(true);
    expect(reusable('HTTP/1.1 200 OK\r\nConnection: close\r\n')).toBe(false);
    expect(reusable('HTTP/1.1 200 OK\r\nConnection: Keep-Alive, Close\r\n')).toBe(false);
    expect(reusable('HTTP/1.1 200 OK\r\nConnection: closed-captions\r\n')).toBe(true);
    expect(reusable('HTTP/1.0 200 OK\r\n')).toBe(false);
    expect(reusable('HTTP/1.0 200 OK\r\nConnection: keep-alive\r\n')).toBe(true);
    // A length beside chunks, or chunks in HTTP/1.0: read as chunks, then the connection ends.
    const chunked = (head: string) => feed([`${head}\r\n\r\n2\r\nok\r\n0\r\n\r\n`]).answer!;
    expect(chunked('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked').reusable).toBe(true);
    const both = chunked('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 3');
    expect([both.body.toString(), both.reusable]).toEqual(['ok', false]);
    const old = chunked('HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nTransfer-Encoding: chunked');
    expect([old.body.toString(), old.reusable]).toEqual(['ok', false]);
    const hinted = feed([
      'HTTP/1.1 200 OK\r\nKeep-Alive: max=5, timeout=4\r\nContent-Length: 0\r\n\r\n',
    ]);
    expect(hinted.answer!.keepAliveMs).toBe(4000);
  });

  it('a header named like an Object method is a header like any other', () => {
    const { answer } = feed([
      'HTTP/1.1 200 OK\r\nConstructor: a\r\n__proto__: b\r\ntoString: c\r\nContent-Length: 0\r\n\r\n',
    ]);
    expect(answer!.headers.constructor).toBe('a');
    expect(answer!.headers.__proto__).toBe('b');
    expect(answer!.headers.tostring).toBe('c');
    expect(answer!.headers.hasownproperty).toBeUndefined();
  });

  it('bytes after the answer are counted, for the connection not to be reused', () => {
    const { answer, parser } = feed(['HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokHTTP/1.1']);
    expect(answer!.body.toString()).toBe('ok');
    expect(parser.trailing).toBe(8);
    parser.push(Buffer.from(' 200'));
    expect(parser.trailing).toBe(12);
  });

  it('keeps a body up to its limit, reads the rest and says it was cut', () => {
    const answer = everySplit(
      'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n6\r\nabcdef\r\n6\r\nghijkl\r\n0\r\n\r\n',
      8,
    );
    expect(answer.body.toString()).toBe('abcdefgh');
    expect(answer.truncated).toBe(true);
    const exact = everySplit('HTTP/1.1 200 OK\r\nContent-Length: 8\r\n\r\nabcdefgh', 8);
    expect(exact.truncated).toBe(false);
  });

  it('a head just under its limit, a byte at a time, then its body: read whole', () => {
    // The unread bytes grow through several stores; a search resumes where the last one stopped.
    const pads = Array.from({ length: 63 }, (_, i) => `X-Pad-${i}: ${'p'.repeat(1000)}\r\n`);
    const head = `HTTP/1.1 200 OK\r\n${pads.join('')}Content-Length: 5\r\n\r\n`;
    expect(head.length).toBeGreaterThan(63_000);
    expect(head.length).toBeLessThan(64 * 1024);
    const parser = new ResponseParser(1024);
    const bytes = Buffer.from(`${head}hello`, 'latin1');
    let answer: HttpAnswer | null = null;
    for (let i = 0; i < bytes.length; i++) {
      const got = parser.push(bytes.subarray(i, i + 1));
      if (got) {
        expect(i).toBe(bytes.length - 1);
        answer = got;
      }
    }
    expect(answer!.headers['x-pad-62']).toBe('p'.repeat(1000));
    expect(Object.keys(answer!.headers)).toHaveLength(64);
    expect(answer!.body.toString()).toBe('hello');
    expect(parser.trailing).toBe(0);
  });

  it.each([
    ['not HTTP', 'SSH-2.0-OpenSSH\r\n\r\n'],
    ['HTTP/2 status line', 'HTTP/2 200\r\n\r\n'],
    ['a status of two digits', 'HTTP/1.1 20 OK\r\n\r\n'],
    ['a status below 100', 'HTTP/1.1 099 Odd\r\n\r\n'],
    ['a header line without a colon', 'HTTP/1.1 200 OK\r\nbroken\r\n\r\n'],
    ['a space before the colon', 'HTTP/1.1 200 OK\r\nContent-Length : 2\r\n\r\nok'],
    ['a folded header line', 'HTTP/1.1 200 OK\r\nX-A: 1\r\n  folded\r\n\r\n'],
    [
      'two different lengths',
      'HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\nok',
    ],
    ['a negative length', 'HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n'],
    ['a chunk size that is not hex', 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n'],
    ['a chunk not ended by CRLF', 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nokXX'],
    ['a protocol switch', 'HTTP/1.1 101 Switching Protocols\r\nUpgrade: h2c\r\n\r\n'],
  ])('refuses %s', (_what, raw) => {
    expect(() => feed([raw])).toThrow(HttpProtocolError);
  });

  it('refuses a head or a chunk line that never ends, once past its limit', () => {
    const parser = new ResponseParser(1024);
    parser.push(Buffer.from('HTTP/1.1 200 OK\r\n'));
    const filler = Buffer.from(`X-Pad: ${'p'.repeat(1000)}\r\n`);
    expect(() => {
      for (let i = 0; i < 100; i++) parser.push(filler);
    }).toThrow(/head too large/);
    const chunked = new ResponseParser(1024);
    chunked.push(Buffer.from('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1'));
    expect(() => chunked.push(Buffer.from(';x'.repeat(600)))).toThrow(/chunk line too long/);
  });
});
