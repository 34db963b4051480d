import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmailHerald, type EmailHarness } from '../email/email-harness.js';
import { startApi, TOKEN, type ApiHarness } from './harness.js';

/**
 * Issue 12, item 5 (HTTP): every refusal is a clear 4xx in the one JSON shape, with nothing of
 * Herald's insides in it — a body that is not the gzip it claims, a method the route does not take.
 */
let api: ApiHarness;
let mail: EmailHarness;
let mailBase: string;
beforeAll(async () => {
  api = await startApi();
  mail = await startEmailHerald();
  // `request` takes a link as a mail shows it and sends its path and query to this Herald.
  mailBase = 'https://herald.example';
});
afterAll(async () => {
  await api.stop();
  await mail.stop();
});

interface Answer {
  status: number;
  type: string | null;
  allow: string | null;
  body: unknown;
  text: string;
}

async function answer(res: Response): Promise<Answer> {
  const text = await res.text();
  const type = res.headers.get('content-type');
  return {
    status: res.status,
    type,
    allow: res.headers.get('allow'),
    body: type?.startsWith('application/json') ? (JSON.parse(text) as unknown) : null,
    text,
  };
}

const auth = { authorization: `Bearer ${TOKEN}` };

/** Things an error body must never show: stack frames, paths, library and zlib wording. */
const INTERNAL =
  /\bat \S+ \(|node_modules|\/src\/|\/adapters\/|zlib|Z_[A-Z_]+|incorrect header|unexpected end|stack/i;

function expectJsonError(a: Answer, status: number, code: string): void {
  expect(a.status).toBe(status);
  expect(a.type).toMatch(/^application\/json/);
  const { error } = a.body as { error: Record<string, unknown> };
  expect(error).toMatchObject({ code, message: expect.any(String) });
  expect(Object.keys(error).filter((k) => !['code', 'message', 'field'].includes(k))).toEqual([]);
  expect(a.text).not.toMatch(INTERNAL);
}

describe('a body whose Content-Encoding is a lie', () => {
  const post = (body: Uint8Array | string, encoding: string) =>
    fetch(`${api.base}/api/v1/incidents`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json', 'content-encoding': encoding },
      body,
    }).then(answer);

  it.each([
    ['gzip', 'not gzip at all'],
    ['gzip', gzipSync(JSON.stringify({ title: 'Cut short' })).subarray(0, 12)],
    ['deflate', 'not deflate either'],
  ])('%s that does not inflate is a 400, and nothing is written', async (encoding, body) => {
    const before = api.counts();
    const a = await post(body, encoding);
    expectJsonError(a, 400, 'INVALID_INPUT');
    expect((a.body as { error: { message: string } }).error.message).toMatch(/Content-Encoding/);
    expect(api.counts()).toEqual(before);
  });

  it('the unsubscribe form post with a broken gzip body is a 400 too', async () => {
    const res = await mail.request(`${mailBase}/unsubscribe?token=x`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        'content-encoding': 'gzip',
      },
      body: 'List-Unsubscribe=One-Click',
    });
    expectJsonError(await answer(res), 400, 'INVALID_INPUT');
  });

  it('real gzip is read; a gzip bomb past 64 kB inflated is a 413', async () => {
    const ok = await post(gzipSync(JSON.stringify({ title: 'Zipped' })), 'gzip');
    expect(ok.status).toBe(201);
    expect(ok.body).toMatchObject({ incident: { title: 'Zipped' } });
    const bomb = gzipSync(JSON.stringify({ title: 'x', summary: ' '.repeat(1024 * 1024) }));
    expect(bomb.length).toBeLessThan(8 * 1024);
    expectJsonError(await post(bomb, 'gzip'), 413, 'PAYLOAD_TOO_LARGE');
  });
});

describe('a URL that is not valid percent-encoding', () => {
  it.each(['/api/v1/incidents/%E0%A4%A', '/api/v1/incidents/%ZZ/updates'])(
    '%s is a 400, not a 500',
    async (path) => {
      const method = path.endsWith('updates') ? 'POST' : 'GET';
      expectJsonError(
        await answer(await fetch(`${api.base}${path}`, { method, headers: auth })),
        400,
        'INVALID_INPUT',
      );
    },
  );
});

describe('a method the route does not take is a 405 with Allow', () => {
  const cases: Array<[string, string, string, 'api' | 'mail', boolean]> = [
    ['DELETE', '/api/v1/incidents/1', 'GET, HEAD', 'api', true],
    ['PUT', '/api/v1/incidents/1', 'GET, HEAD', 'api', true],
    ['PATCH', '/api/v1/incidents/1', 'GET, HEAD', 'api', true],
    ['POST', '/api/v1/incidents/1', 'GET, HEAD', 'api', true],
    ['GET', '/api/v1/incidents', 'POST', 'api', true],
    ['DELETE', '/api/v1/incidents', 'POST', 'api', true],
    ['GET', '/api/v1/incidents/1/updates', 'POST', 'api', true],
    ['GET', '/api/v1/incidents/1/resolve', 'POST', 'api', true],
    ['GET', '/api/v1/alertmanager', 'POST', 'api', true],
    ['PUT', '/api/v1/alertmanager', 'POST', 'api', true],
    ['POST', '/api/v1/openapi.json', 'GET, HEAD', 'api', false],
    ['POST', '/healthz', 'GET, HEAD', 'api', false],
    ['DELETE', '/readyz', 'GET, HEAD', 'api', false],
    ['POST', '/metrics', 'GET, HEAD', 'api', false],
    ['DELETE', '/unsubscribe?token=x', 'GET, HEAD, POST', 'mail', false],
    ['PUT', '/unsubscribe', 'GET, HEAD, POST', 'mail', false],
  ];

  it.each(cases)('%s %s → 405, Allow: %s', async (method, path, allow, where, withToken) => {
    const before = where === 'api' ? api.counts() : null;
    const res =
      where === 'api'
        ? await fetch(`${api.base}${path}`, { method, headers: withToken ? auth : {} })
        : await mail.request(`${mailBase}${path}`, { method });
    const a = await answer(res);
    expectJsonError(a, 405, 'METHOD_NOT_ALLOWED');
    expect(a.allow).toBe(allow);
    if (before) expect(api.counts()).toEqual(before);
  });

  it('the token is still checked first under /api/v1, and unknown paths stay 404', async () => {
    const noToken = await answer(
      await fetch(`${api.base}/api/v1/incidents/1`, { method: 'DELETE' }),
    );
    expectJsonError(noToken, 401, 'UNAUTHORIZED');
    expectJsonError(
      await answer(await fetch(`${api.base}/api/v1/nope`, { method: 'DELETE', headers: auth })),
      404,
      'NOT_FOUND',
    );
    expectJsonError(
      await answer(await fetch(`${api.base}/nope`, { method: 'PUT' })),
      404,
      'NOT_FOUND',
    );
  });
});
