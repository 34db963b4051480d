import express from 'express';
import type { Door, DoorDeps, DoorFactory } from '../door.js';
import { createTeamsAdapter, type BotFrameworkEndpoints } from './create-adapter.js';
import { TeamsDirectMessenger } from './direct-messenger.js';
import { messagesRoute } from './messages-route.js';
import { createTeamsBot } from './teams-bot.js';

/** Bot Framework activities are small; a card submit is a few hundred bytes. */
const BODY_LIMIT = '256kb';

/** What only tests change: where the Bot Framework's token services are. */
export interface TeamsDoorOptions {
  botFramework?: BotFrameworkEndpoints;
}

/**
 * The Teams door: the bot at `POST /api/messages` and the proactive 1:1 messenger. On
 * with `TEAMS_APP_ID` and `TEAMS_APP_PASSWORD` (Bot Framework authentication), or without them
 * when `TEAMS_ALLOW_UNAUTHENTICATED=true` (local development and tests only); off otherwise.
 */
export const teamsDoor =
  (options: TeamsDoorOptions = {}): DoorFactory =>
  (deps) =>
    openTeamsDoor(deps, options);

/** The Teams door against the public cloud's Bot Framework. */
export const createTeamsDoor: DoorFactory = teamsDoor();

function openTeamsDoor(
  { config, ctx, logger, incidentLink }: DoorDeps,
  options: TeamsDoorOptions,
): Door | null {
  const teams = config.teams;
  if (!teams) return null;
  const authenticated = teams.appId !== null && teams.appPassword !== null;
  if (!authenticated && !teams.allowUnauthenticated) return null;
  const log = logger.child({ door: 'teams' });
  const appId = authenticated ? (teams.appId ?? '') : '';
  const adapter = createTeamsAdapter(
    authenticated ? teams : { ...teams, appId: null, appPassword: null },
    log,
    options.botFramework,
  );
  const bot = createTeamsBot(ctx, log, { tenantId: teams.tenantId });
  if (!authenticated) log.warn({}, 'teams: authentication is OFF (TEAMS_ALLOW_UNAUTHENTICATED)');
  if (!teams.tenantId) {
    log.warn(
      {},
      'teams: TEAMS_TENANT_ID is not set: every Microsoft Entra tenant is served, and Teams users are linked to people by user principal name only',
    );
  }

  return {
    name: 'teams',
    messenger: new TeamsDirectMessenger(adapter, appId, incidentLink),
    mount(app) {
      app.post(
        '/api/messages',
        express.json({ limit: BODY_LIMIT }),
        messagesRoute({ adapter, bot, authenticated, tenantId: teams.tenantId, logger: log }),
      );
    },
  };
}
