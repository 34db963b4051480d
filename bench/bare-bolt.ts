/**
 * The reference for command ack latency: a bare Bolt app as Bolt documents it, on its own
 * ExpressReceiver (which checks the signature and parses the body), whose only listener acks: the
 * same Bolt as Herald's `/slack/events`, none of Herald's work. Run as a child process (like
 * Herald), so neither shares an event loop with the bench's client.
 *
 *   SLACK_SIGNING_SECRET=… PORT=… node --import tsx bench/bare-bolt.ts
 */
import { createServer } from 'node:http';
import { App, ExpressReceiver, LogLevel } from '@slack/bolt';

const signingSecret = process.env.SLACK_SIGNING_SECRET ?? '';
const port = Number(process.env.PORT);
const receiver = new ExpressReceiver({
  signingSecret,
  endpoints: '/slack/events',
  logLevel: LogLevel.ERROR,
});
const app = new App({
  receiver,
  // As Herald does: no auth.test at construction, and nothing here calls the Web API.
  authorize: () => Promise.resolve({ botToken: 'xoxb-bench' }),
  logLevel: LogLevel.ERROR,
});
app.command(/.*/, async ({ ack }) => {
  await ack();
});

const server = createServer(receiver.app);
server.listen(port, '127.0.0.1', () => console.log(`bare bolt listening on ${port}`));
process.once('SIGTERM', () => server.close(() => process.exit(0)));
