import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqlite } from '../../db/client.js';
import type { SqliteExecutor } from '../../db/sqlite-executor.js';
import { createStore } from '../../db/store.js';
import type { ActionContext } from '../../src/actions/context.js';
import type { Target } from '../../src/domain/targets.js';
import type { Channel, Person, Role, StakeholderTeam } from '../../src/domain/types.js';
import { CHANNELS } from '../../src/domain/types.js';
import { FakeClock } from './fake-clock.js';

/** People and teams as the neutral targets every action takes (people first, then teams). */
export const targets = ({
  people = [],
  teams = [],
}: {
  people?: readonly Person[];
  teams?: readonly StakeholderTeam[];
}): Target[] => [
  ...people.map((p): Target => ({ kind: 'person', personId: p.id })),
  ...teams.map((t): Target => ({ kind: 'team', name: t.name })),
];

/** A real SQLite file with the real migrations, and an action context over it. */
export interface CoreHarness {
  db: SqliteExecutor;
  ctx: ActionContext;
  clock: FakeClock;
  wakes: number;
  person(opts: {
    name: string;
    role?: Role;
    email?: string | null;
    slack?: string | null;
    teams?: string | null;
    preferences?: Channel[] | null;
  }): Promise<Person>;
  deliveries(): Array<{ person: string; channel: Channel; kind: string; state: string }>;
  close(): Promise<void>;
}

export function coreHarness(channels: readonly Channel[] = CHANNELS): CoreHarness {
  const dir = mkdtempSync(join(tmpdir(), 'herald-core-'));
  const db = openSqlite(join(dir, 'herald.db'));
  const clock = new FakeClock();
  const store = createStore(db);
  const harness: CoreHarness = {
    db,
    clock,
    wakes: 0,
    ctx: {
      store,
      clock,
      channels: new Set(channels),
      admins: [],
      responderPolicy: 'members',
      onQueued: () => {
        harness.wakes += 1;
      },
    },
    async person({
      name,
      role = 'stakeholder',
      email = null,
      slack = null,
      teams = null,
      preferences = null,
    }) {
      const p = await store.people.create(
        { displayName: name, email, slackUserId: slack, teamsAadId: teams, role },
        clock.now(),
      );
      return store.people.update(p.id, {
        preferences,
        ...(teams
          ? { teamsConversationRef: JSON.stringify({ conversation: { id: `conv-${teams}` } }) }
          : {}),
      });
    },
    deliveries() {
      return db.sqlite
        .prepare(
          `SELECT p.display_name AS person, d.channel, e.kind, d.state
             FROM deliveries d JOIN people p ON p.id = d.person_id
             JOIN notification_events e ON e.id = d.event_id
            ORDER BY d.id`,
        )
        .all() as Array<{ person: string; channel: Channel; kind: string; state: string }>;
    },
    async close() {
      await db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return harness;
}
