import { App } from '@slack/bolt';
import { WebClient, type WebClientOptions } from '@slack/web-api';
import type { Door, DoorFactory } from '../door.js';
import { unhandledSlackRequests } from './answer-unhandled.js';
import { boltLogger } from './bolt-logger.js';
import type { SlackDeps } from './deps.js';
import { SlackIdentity } from './identity.js';
import { SlackPacer } from './pacer.js';
import { registerActions } from './listeners/actions.js';
import { registerCommands } from './listeners/commands.js';
import { registerHome } from './listeners/home.js';
import { registerUserChange } from './listeners/user-change.js';
import { registerViews } from './listeners/views.js';
import { SlackDirectMessenger } from './messenger.js';
import { SlackPostMessage } from './post-message.js';
import { GuardedReceiver } from './receiver.js';
import { ResponseUrlReplies } from './response-url.js';
import { SLACK_WINDOW_MS, slackRequestGuard } from './request-guard.js';
import { sharedSeenRequests } from './seen-requests.js';

/**
 * How long a signature or event id is remembered: a request is accepted up to five minutes either
 * side of its timestamp, so its signature can come back for ten; Slack retries an event after about
 * one and five minutes.
 */
const SEEN_RETENTION_MS = 2 * SLACK_WINDOW_MS;

/**
 * The Slack door: Bolt on Herald's HTTP server at `/slack/events` (signed requests only), the
 * slash commands, modals and App Home, and the stakeholder DM messenger. On when both
 * `SLACK_SIGNING_SECRET` and `SLACK_BOT_TOKEN` are set.
 */
export const createSlackDoor: DoorFactory = ({
  config,
  ctx,
  clock,
  logger,
  incidentLink,
}): Door | null => {
  if (!config.slack) return null;
  const { signingSecret, botToken, apiUrl, maxPerSecond } = config.slack;
  const log = boltLogger(logger);
  // The delivery engine and the pacer (pacer.ts) own retries and rate-limit waits: the client must
  // fail fast instead.
  const clientOptions: WebClientOptions = {
    slackApiUrl: apiUrl,
    retryConfig: { retries: 0 },
    rejectRateLimitedCalls: true,
    logger: log,
    timeout: 10_000,
  };
  const client = new WebClient(botToken, clientOptions);
  // Stakeholder DMs, the one Web API call made per message, skip the WebClient: JSON over one
  // keep-alive agent to the same API base (post-message.ts).
  const dmClient = new SlackPostMessage({ token: botToken, apiUrl });
  const doorLogger = logger.child({ door: 'slack' });
  // The process's one pace for the Web API methods Herald calls, under Slack's tiers: the actor's
  // confirmation and the directory's look-ups share it. (DMs are paced by the delivery engine.)
  const pacer = new SlackPacer(ctx.clock, undefined, doorLogger);
  const replies = new ResponseUrlReplies();
  const deps: SlackDeps = {
    ctx,
    identity: new SlackIdentity(client, ctx, doorLogger, { pacer }),
    logger: doorLogger,
    replies,
  };

  return {
    name: 'slack',
    messenger: new SlackDirectMessenger(dmClient, {
      workspacePerSecond: maxPerSecond,
      incidentLink,
    }),
    mount(app) {
      const receiver = new GuardedReceiver({
        logger: log,
        customProperties: unhandledSlackRequests.responseOf,
        unhandledRequestHandler: unhandledSlackRequests.onTimeout(deps.logger),
        processEventErrorHandler: unhandledSlackRequests.onProcessError(deps.logger),
      });
      // The guard reads, verifies and parses each request (see there), then hands it to Bolt.
      app.post(
        '/slack/events',
        slackRequestGuard({
          signingSecret,
          clock,
          // In the shared database: a replay may reach any replica.
          seen: sharedSeenRequests(ctx, SEEN_RETENTION_MS),
          logger: deps.logger,
          dispatch: (req, res, body) => receiver.dispatch(req, res, body),
        }),
      );
      // `authorize` instead of `token`: Bolt would otherwise call auth.test in its constructor.
      const bolt = new App({
        receiver,
        authorize: () => Promise.resolve({ botToken }),
        // No listener reads `context.conversation`: Bolt's in-memory store would be a look-up per
        // request for nothing.
        convoStore: false,
        clientOptions,
        logger: log,
      });
      bolt.use(unhandledSlackRequests.middleware());
      registerCommands(bolt, deps);
      registerViews(bolt, deps);
      registerActions(bolt, deps);
      registerHome(bolt, deps);
      registerUserChange(bolt, deps);
      bolt.error((err) => {
        deps.logger.error({ err }, 'slack: unhandled listener error');
        return Promise.resolve();
      });
    },
    async start() {
      try {
        const auth = await client.auth.test();
        deps.logger.info({ team: auth.team, bot: auth.user_id }, 'slack: connected');
      } catch (err) {
        deps.logger.warn(
          { err: (err as Error).message },
          'slack: auth.test failed — check SLACK_BOT_TOKEN and SLACK_API_URL',
        );
      }
    },
    // After the delivery engine stopped: nothing is sent any more.
    stop() {
      dmClient.close();
      replies.close();
      return Promise.resolve();
    },
  };
};
