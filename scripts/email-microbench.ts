/**
 * The email channel's own CPU per mail: `EmailMessenger.send` for one update to many readers,
 * against a real SMTP server (smtp-server) running in a child process, so that only the client's
 * CPU is counted. Sends are kept `--in-flight` at a time (default 25), as the worker's lane keeps
 * them; the first 1,000 mails warm the pool up and are not counted. `--latency-ms` makes the
 * server take that long over each message, as the bench's SMTP emulator does (50 ms: 100 mails a
 * second over the pool's five sessions), so that mails go out a few per wake-up, not in batches.
 *
 *   node --import tsx scripts/email-microbench.ts [mails, default 3000] [--in-flight N] [--runs N]
 *     [--latency-ms N, default 0]
 *
 * Prints the process CPU (user + system) per mail of each run and their median, the process's
 * wake-ups (voluntary context switches, all threads) per mail, and the mails sent per second.
 */
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { EmailMessenger } from '../adapters/email/email-messenger.js';
import type { DeliveryJob } from '../src/delivery/ports.js';
import { incidentLinker } from '../src/stakeholder-link.js';

const SECRET = 'email-microbench-secret-0123456789';

const option = (name: string, fallback: number) => {
  const at = process.argv.indexOf(name);
  return at > 0 ? Number(process.argv[at + 1]) : fallback;
};

if (process.argv.includes('--server')) {
  await serve(option('--latency-ms', 0));
} else {
  const mails = Number(process.argv[2] && /^\d+$/.test(process.argv[2]) ? process.argv[2] : 3000);
  await measure(mails, option('--in-flight', 25), option('--runs', 5));
}

/** The child: an SMTP server that accepts and discards every message, printing its port. */
async function serve(latencyMs: number): Promise<void> {
  const { SMTPServer } = await import('smtp-server');
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData(stream, _session, done) {
      stream.on('data', () => {});
      stream.on('end', () => (latencyMs > 0 ? setTimeout(done, latencyMs) : done()));
    },
  });
  server.listen(0, '127.0.0.1', () => {
    const address = server.server.address();
    process.send!(typeof address === 'object' && address ? address.port : 0);
  });
}

async function measure(mails: number, inFlight: number, runs: number): Promise<void> {
  const child = fork(
    fileURLToPath(import.meta.url),
    ['--server', '--latency-ms', String(option('--latency-ms', 0))],
    {
      execArgv: process.execArgv,
    },
  );
  const port = await new Promise<number>((resolve) =>
    child.once('message', (p) => resolve(Number(p))),
  );
  const messenger = new EmailMessenger({
    smtpUrl: `smtp://127.0.0.1:${port}`,
    from: 'Herald <herald@status.example>',
    publicUrl: 'https://herald.example',
    secret: SECRET,
    incidentLink: incidentLinker(SECRET, 'https://herald.example', Date.now),
  });
  const perMail: number[] = [];
  const wakes: number[] = [];
  const rates: number[] = [];
  try {
    let next = 1;
    for (let run = 0; run <= runs; run++) {
      const count = run === 0 ? 1_000 : mails;
      const first = next;
      next += count;
      const started = performance.now();
      const cpu = process.cpuUsage();
      const slept = process.resourceUsage().voluntaryContextSwitches;
      await sendAll(messenger, first, count, inFlight);
      const used = process.cpuUsage(cpu);
      if (run === 0) continue;
      perMail.push((used.user + used.system) / count);
      rates.push((count * 1000) / (performance.now() - started));
      wakes.push((process.resourceUsage().voluntaryContextSwitches - slept) / count);
    }
  } finally {
    await messenger.close();
    child.kill();
  }
  const sorted = [...perMail].sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)]!;
  console.log(`runs (µs per mail): ${perMail.map((v) => v.toFixed(0)).join(' ')}`);
  console.log(`wake-ups per mail: ${wakes.map((v) => v.toFixed(2)).join(' ')}`);
  console.log(`mails per second: ${rates.map((v) => v.toFixed(1)).join(' ')}`);
  console.log(
    `median: ${median.toFixed(0)} µs per mail, ${mails} mails per run, ${inFlight} in flight`,
  );
}

/** Sends `count` mails of one update, one per reader, keeping `inFlight` of them going. */
async function sendAll(
  messenger: EmailMessenger,
  first: number,
  count: number,
  inFlight: number,
): Promise<void> {
  let id = first;
  const end = first + count;
  const lane = async () => {
    while (id < end) {
      const n = id++;
      await messenger.send(job(n));
    }
  };
  await Promise.all(Array.from({ length: inFlight }, lane));
}

function job(n: number): DeliveryJob {
  return {
    delivery: { id: n },
    person: { id: n, displayName: `Reader ${n}`, email: `reader${n}@corp.example` },
    event: {
      id: 1,
      incidentId: 1,
      kind: 'update',
      createdAt: 0,
      payload: {
        kind: 'update',
        incident: {
          id: 1,
          title: 'Checkout is down',
          summary: 'Payments fail for some customers',
          severity: 'SEV2',
          service: 'checkout',
          status: 'open',
        },
        text: 'We rolled back the gateway; error rates are falling.',
        at: 0,
        by: null,
      },
    },
    threadRootId: n,
  } as unknown as DeliveryJob;
}
