import { createTransport } from 'nodemailer';
import type { Ledger } from './emulators/ledger.js';
import { SMTP_POOL } from '../adapters/email/email-messenger.js';
import { sustainedRate } from './stats.js';

/**
 * What the SMTP emulator accepts from a bare nodemailer pool shaped like Herald's, with nothing
 * else running: the practical email ceiling, a little under the nominal pool ÷ latency by the gaps
 * between one transaction and the next on a connection. Tagged incident #0, so it never mixes with
 * the scenario's deliveries.
 */
export async function calibrateSmtp(
  smtpUrl: string,
  ledger: Ledger,
  count: number,
): Promise<number> {
  const transport = createTransport({
    url: smtpUrl,
    pool: true,
    maxConnections: SMTP_POOL.maxConnections,
    maxMessages: SMTP_POOL.maxMessages,
    maxRequeues: 0,
  });
  const started = ledger.arrivals.length;
  try {
    await Promise.all(
      Array.from({ length: count }, (_, i) =>
        transport.sendMail({
          from: 'calibration@corp.example',
          to: `calibration-${i}@corp.example`,
          subject: '[SEV3] #0 calibration',
          text: 'Calibration message of the bench.',
        }),
      ),
    );
  } finally {
    transport.close();
  }
  return sustainedRate(ledger.arrivals.slice(started).map((a) => a.at));
}
