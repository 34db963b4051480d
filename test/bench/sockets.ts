import { connect, type Socket } from 'node:net';

/** A raw TCP client that can read up to a pattern: for clients that die mid-request. */
export class RawClient {
  private buffer = '';
  private readonly waiters = new Set<() => void>();

  private constructor(readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.buffer += chunk.toString('utf8');
      for (const w of [...this.waiters]) w();
    });
    // The server closing or resetting its side is expected here.
    socket.on('error', () => {});
  }

  static async open(url: string): Promise<RawClient> {
    const { hostname, port } = new URL(url);
    const socket = connect(Number(port), hostname);
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    return new RawClient(socket);
  }

  /** Resolves once what the server sent so far matches `pattern` (rejects after `timeoutMs`). */
  until(pattern: RegExp, timeoutMs = 5_000): Promise<string> {
    return new Promise((resolve, reject) => {
      const check = () => {
        if (!pattern.test(this.buffer)) return;
        this.waiters.delete(check);
        clearTimeout(timer);
        resolve(this.buffer);
      };
      const timer = setTimeout(() => {
        this.waiters.delete(check);
        reject(new Error(`no ${String(pattern)} in ${JSON.stringify(this.buffer)}`));
      }, timeoutMs);
      this.waiters.add(check);
      check();
    });
  }

  write(text: string): Promise<void> {
    return new Promise((resolve, reject) =>
      this.socket.write(text, (err) => (err ? reject(err) : resolve())),
    );
  }

  /** Dies as a killed process does: a TCP reset, the request half sent. */
  reset(): void {
    this.socket.resetAndDestroy();
  }
}

/**
 * Starts an HTTP POST whose body never arrives whole: the headers (with `Expect: 100-continue`, so
 * the server has surely begun the request once it answers 100) and half the body, then a reset.
 */
export async function postHalfAndReset(baseUrl: string, path: string): Promise<void> {
  const client = await RawClient.open(baseUrl);
  await client.write(
    `POST ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n` +
      'Content-Length: 1000\r\nExpect: 100-continue\r\n\r\n',
  );
  await client.until(/100 Continue/);
  await client.write('{"text":"half a requ');
  client.reset();
}

/** Sends bytes that are not HTTP and returns what the server answered before closing. */
export async function sendGarbage(baseUrl: string): Promise<string> {
  const client = await RawClient.open(baseUrl);
  await client.write('\x16\x03\x01 not http at all\r\n\r\n');
  const answer = await client.until(/HTTP\/1\.1 400/);
  client.socket.destroy();
  return answer;
}
