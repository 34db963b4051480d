/**
 * What one wake-up of a Node process costs on this machine, the floor under any paced send: the
 * CPU (user + system, `process.cpuUsage()`) of
 *
 *   1. a timer firing after the process slept (a paced send's turn), every 5 ms and every 20 ms;
 *   2. one keep-alive HTTP POST of a small JSON body to a loopback server in another process and
 *      its answer (a chat message), one every 20 ms, as a paced lane sends them.
 *
 * A delivery at the platforms' ceilings needs at least one of each: its turn comes on a timer and
 * its answer wakes the process again. Compare Herald's CPU per delivery with their sum.
 *
 *   node --import tsx scripts/wake-cost.ts [samples, default 1000]
 */
import { fork } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

const samples = Number(process.argv.find((a) => /^\d+$/.test(a)) ?? 1000);

if (process.argv.includes('--server')) {
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"ok":true,"channel":"D1","ts":"1.2"}');
    });
  });
  server.listen(0, '127.0.0.1', () => process.send?.((server.address() as AddressInfo).port));
} else {
  const perSample = (cpu: NodeJS.CpuUsage) => ((cpu.user + cpu.system) / samples).toFixed(0);

  for (const everyMs of [5, 20]) {
    let left = samples;
    const start = process.cpuUsage();
    await new Promise<void>((done) => {
      const tick = () => (--left === 0 ? done() : setTimeout(tick, everyMs));
      setTimeout(tick, everyMs);
    });
    console.log(`timer wake-up every ${everyMs} ms: ${perSample(process.cpuUsage(start))} µs CPU`);
  }

  const child = fork(new URL(import.meta.url).pathname, ['--server'], {
    execArgv: process.execArgv,
  });
  try {
    const port = await new Promise<number>((resolve) => child.once('message', resolve));
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const body = JSON.stringify({ channel: 'U123', text: 'x'.repeat(400), blocks: [] });
    const post = () =>
      new Promise<void>((resolve, reject) => {
        const req = http.request(
          {
            host: '127.0.0.1',
            port,
            method: 'POST',
            path: '/api/chat.postMessage',
            agent,
            headers: {
              'content-type': 'application/json; charset=utf-8',
              'content-length': Buffer.byteLength(body),
            },
          },
          (res) => {
            res.resume();
            res.on('end', resolve);
          },
        );
        req.on('error', reject);
        req.end(body);
      });
    for (let i = 0; i < 50; i++) await post(); // warm-up: the socket, the JIT
    const start = process.cpuUsage();
    for (let i = 0; i < samples; i++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      await post();
    }
    console.log(
      `keep-alive HTTP POST and its answer, one every 20 ms (the timer included): ` +
        `${perSample(process.cpuUsage(start))} µs CPU`,
    );
    agent.destroy();
  } finally {
    child.kill();
  }
}
