import type { Express } from 'express';
import type { Clock } from '../src/clock.js';
import type { CommandContext } from '../src/commands/execute.js';
import type { Config } from '../src/config.js';
import type { Messenger } from '../src/delivery/ports.js';
import type { Logger } from '../src/logger.js';
import type { IncidentLinker } from '../src/stakeholder-link.js';

/** What the composition root hands every door. */
export interface DoorDeps {
  config: Config;
  ctx: CommandContext;
  clock: Clock;
  logger: Logger;
  /** Key for signed links (unsubscribe tokens): `HERALD_SECRET` or the generated one. */
  secret: string;
  /** The personal link to an incident's stakeholder page, for every stakeholder message. */
  incidentLink: IncidentLinker;
}

/**
 * One way in or out of Herald: Slack, Teams, email, the intake API. A door may contribute a
 * messenger to the delivery engine, routes to the one HTTP server, and work to do on shutdown.
 */
export interface Door {
  name: string;
  messenger?: Messenger;
  /** Mounts routes on the HTTP app (before its 404 handler). */
  mount?(app: Express): void;
  /** Runs once the server listens (e.g. cron jobs). */
  start?(): Promise<void>;
  /** Runs on shutdown, after the server stopped accepting. */
  stop?(): Promise<void>;
}

/** Builds a door from the configuration, or returns `null` when it is off. */
export type DoorFactory = (deps: DoorDeps) => Door | null | Promise<Door | null>;
