import type { WebClient } from '@slack/web-api';
import type { CommandContext } from '../../src/commands/execute.js';
import type { Logger } from '../../src/logger.js';
import type { SlackIdentity } from './identity.js';

/** What every Slack listener needs. */
export interface SlackDeps {
  ctx: CommandContext;
  identity: SlackIdentity;
  logger: Logger;
}

/** The Web API client a listener is handed by Bolt. */
export type Client = WebClient;
