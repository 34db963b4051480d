import type { WebClient } from '@slack/web-api';
import type { CommandContext } from '../../src/commands/execute.js';
import type { Logger } from '../../src/logger.js';
import type { SlackIdentity } from './identity.js';
import type { ResponseUrlReplies } from './response-url.js';

/** What every Slack listener needs. */
export interface SlackDeps {
  ctx: CommandContext;
  identity: SlackIdentity;
  logger: Logger;
  /** Slash-command replies through `response_url`. */
  replies: ResponseUrlReplies;
}

/** The Web API client a listener is handed by Bolt. */
export type Client = WebClient;
