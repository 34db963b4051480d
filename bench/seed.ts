import { openSqlite } from '../db/client.js';
import type { Executor } from '../db/executor.js';
import { createStore } from '../db/store.js';
import type { ActionContext } from '../src/actions/context.js';
import {
  identifySlackUser,
  identifyTeamsUser,
  personByEmail,
} from '../src/actions/identify-person.js';
import {
  changeStakeholderTeamMembers,
  createStakeholderTeam,
} from '../src/actions/manage-stakeholder-teams.js';
import { systemClock } from '../src/clock.js';
import type { Target } from '../src/domain/targets.js';
import type { Channel, Person } from '../src/domain/types.js';

/** Who the bench is: the admin who builds the teams and the responder who types the commands. */
export const ADMIN_SLACK_ID = 'UBENCHADMIN';
export const RESPONDER_SLACK_ID = 'UBENCHRESPONDER';

export interface Population {
  people: number;
  teams: number;
  /** Teams tenants the Teams people are spread over (30 requests/s each). */
  tenants: number;
}

/** Slack ids of the seeded Slack-only people start so: `US<i>`. */
export const SLACK_STAKEHOLDER_PREFIX = 'US';

/** The team of every Slack-only person: the first-contact scenario's audience. */
export const FIRST_CONTACT_TEAM = 'first-contact';

export interface Seeded {
  /** The teams the main incident subscribes (the first-contact team is not among them). */
  teamNames: string[];
  /** Members of {@link FIRST_CONTACT_TEAM}: Slack users Herald knows by id and never messaged. */
  firstContact: number;
  /** People per channel they are reachable on (and so will be messaged on). */
  byChannel: Record<Channel, number>;
}

/** The core's context on a database, as `startHerald` builds it, with every channel on. */
export function actionContext(db: Executor): ActionContext {
  return {
    store: createStore(db),
    clock: systemClock,
    channels: new Set<Channel>(['slack', 'teams', 'email']),
    admins: [{ kind: 'slack', userId: ADMIN_SLACK_ID }],
    responderPolicy: 'members',
    onQueued: () => {},
  };
}

const slackProfile = (userId: string, email: string, isGuest: boolean) => ({
  userId,
  displayName: `Bench ${userId}`,
  email,
  isGuest,
  isBot: false,
  deleted: false,
});

/**
 * Seeds the population through the core actions, as Slack, Teams and email would have met them:
 * person i is Slack-only, Teams or email-only by i mod 3 (so every team, and so every fan-out, mixes
 * the three channels in id order), and belongs to team i mod T; every tenth person also belongs to
 * the next team, so the fan-out's one-message-per-person dedupe is exercised.
 *
 * @param register tells the connector emulator each conversation's tenant.
 */
export async function seedDatabase(
  dbPath: string,
  pop: Population,
  connectorUrl: string,
  register: (conversationId: string, tenantId: string) => void,
): Promise<Seeded> {
  const db = openSqlite(dbPath);
  try {
    const seeded = await seedPopulation(db, pop, connectorUrl, register);
    // Fold the WAL into the file, so a copy of the file alone is the whole database.
    db.sqlite.pragma('wal_checkpoint(TRUNCATE)');
    return seeded;
  } finally {
    await db.close();
  }
}

/** {@link seedDatabase} on a database already open, SQLite or PostgreSQL (the replica tests). */
export async function seedPopulation(
  db: Executor,
  pop: Population,
  connectorUrl: string,
  register: (conversationId: string, tenantId: string) => void,
): Promise<Seeded> {
  const ctx = actionContext(db);
  const byChannel: Record<Channel, number> = { slack: 0, teams: 0, email: 0 };
  const members: Person[][] = Array.from({ length: pop.teams }, () => []);
  const slackOnly: Person[] = [];
  // One outer transaction: each action's own transaction joins it, so seeding 10,000 people
  // takes seconds, not a disk sync per person.
  const admin = await ctx.store.transaction(async () => {
    const admin = await identifySlackUser(
      ctx,
      slackProfile(ADMIN_SLACK_ID, 'admin@corp.example', false),
    );
    for (let i = 0; i < pop.people; i += 1) {
      const email = `p${i}@corp.example`;
      let person: Person;
      if (i % 3 === 0) {
        person = await identifySlackUser(
          ctx,
          slackProfile(`${SLACK_STAKEHOLDER_PREFIX}${i}`, email, true),
        );
        byChannel.slack += 1;
        slackOnly.push(person);
      } else if (i % 3 === 1) {
        const tenantId = `tenant-${i % pop.tenants}`;
        const conversationId = `a:bench-${i}`;
        register(conversationId, tenantId);
        person = await identifyTeamsUser(ctx, {
          aadId: `aad-${i}`,
          displayName: `Bench Teams ${i}`,
          email,
          conversationRef: JSON.stringify({
            channelId: 'msteams',
            serviceUrl: connectorUrl,
            conversation: { id: conversationId, conversationType: 'personal', tenantId },
            user: { id: `29:bench-${i}`, aadObjectId: `aad-${i}`, name: `Bench Teams ${i}` },
            bot: { id: '28:herald-bench', name: 'Herald' },
            locale: 'en-US',
          }),
        });
        byChannel.teams += 1;
      } else {
        person = await personByEmail(ctx, email);
        byChannel.email += 1;
      }
      members[i % pop.teams]?.push(person);
      if (i % 10 === 0) members[(i + 1) % pop.teams]?.push(person);
    }
    return admin;
  });
  const teamNames = members.map((_, t) => `team-${String(t).padStart(2, '0')}`);
  await ctx.store.transaction(async () => {
    for (const [t, name] of teamNames.entries()) {
      await createStakeholderTeam(ctx, admin, { name, description: `Bench stakeholders ${t}` });
      const add = (members[t] ?? []).map((p): Target => ({ kind: 'person', personId: p.id }));
      await changeStakeholderTeamMembers(ctx, admin, { team: name, add });
    }
    // Known to Herald by their Slack id only, as the seed met them: no stored Slack profile, no
    // DM channel, no message yet.
    await createStakeholderTeam(ctx, admin, {
      name: FIRST_CONTACT_TEAM,
      description: 'Every Slack-only stakeholder, for the first-contact fan-out',
    });
    await changeStakeholderTeamMembers(ctx, admin, {
      team: FIRST_CONTACT_TEAM,
      add: slackOnly.map((p): Target => ({ kind: 'person', personId: p.id })),
    });
  });
  return { teamNames, byChannel, firstContact: slackOnly.length };
}
