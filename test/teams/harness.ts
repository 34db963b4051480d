import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { teamsDoor } from '../../adapters/teams/index.js';
import type { SqliteExecutor } from '../../db/sqlite-executor.js';
import { loadConfig } from '../../src/config.js';
import type { DeliveryJob, Messenger } from '../../src/delivery/ports.js';
import type { Delivery, Person } from '../../src/domain/types.js';
import { silentLogger, type Logger } from '../../src/logger.js';
import { startHerald, type Herald } from '../../src/main.js';
import { FakeConnector } from '../support/fake-connector.js';
import { TENANT, TeamsUser } from '../support/teams-user.js';

export { TeamsUser };

/** The email channel as a recorder: where a Teams delivery falls back to. */
export class RecordingEmail implements Messenger {
  readonly channel = 'email' as const;
  readonly limits = [];
  readonly sent: DeliveryJob[] = [];
  send(job: DeliveryJob): Promise<void> {
    this.sent.push(job);
    return Promise.resolve();
  }
}

export interface TeamsHarness {
  herald: Herald;
  fake: FakeConnector;
  email: RecordingEmail;
  /** Herald's base URL. */
  url: string;
  post(activity: Record<string, unknown>, headers?: Record<string, string>): Promise<Response>;
  /** Posts an activity with a bearer token the fake connector signed for `appId`, as Teams does. */
  postSigned(activity: Record<string, unknown>, appId: string): Promise<Response>;
  /** Posts each activity in turn, expecting 200 for all. */
  send(...activities: Array<Record<string, unknown> | Record<string, unknown>[]>): Promise<void>;
  /** Registers a member at the fake connector and returns them as a Teams user. */
  user(
    name: string,
    opts?: { email?: string | null; upn?: string | null; tenantId?: string },
  ): TeamsUser;
  person(user: TeamsUser): Promise<Person>;
  deliveries(): Array<Delivery & { kind: string }>;
  stop(): Promise<void>;
}

/**
 * Herald with only the Teams door, on a temp database, talking to a fake connector that is also
 * the Bot Framework's token issuer.
 */
export async function startTeamsHarness(
  env: Record<string, string> = {},
  opts: { logger?: Logger } = {},
): Promise<TeamsHarness> {
  const dir = mkdtempSync(join(tmpdir(), 'herald-teams-'));
  const fake = await FakeConnector.start();
  const email = new RecordingEmail();
  let herald: Herald;
  try {
    herald = await startHerald(
      loadConfig({
        PORT: '0',
        HOST: '127.0.0.1',
        DATABASE_PATH: join(dir, 'herald.db'),
        TEAMS_ALLOW_UNAUTHENTICATED: 'true',
        ...env,
      }),
      {
        doors: [teamsDoor({ botFramework: fake.botFramework })],
        logger: opts.logger ?? silentLogger,
        worker: { backoff: { baseMs: 20, maxMs: 100 } },
        messengers: { email },
      },
    );
  } catch (err) {
    await fake.close();
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  const address = herald.server.address();
  const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  const post = (activity: Record<string, unknown>, headers: Record<string, string> = {}) =>
    fetch(`${url}/api/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify(activity),
    });
  return {
    herald,
    fake,
    email,
    url,
    post,
    postSigned(activity, appId) {
      const serviceurl = activity.serviceUrl;
      return post(activity, {
        authorization: `Bearer ${fake.token(appId, { serviceurl })}`,
      });
    },
    async send(...activities) {
      for (const activity of activities.flat()) {
        const res = await post(activity);
        if (res.status !== 200) {
          throw new Error(`POST /api/messages answered ${res.status}: ${await res.text()}`);
        }
      }
    },
    user(name, opts = {}) {
      const key = name.toLowerCase().replace(/\W+/g, '-');
      const email = opts.email === undefined ? `${key}@corp.example` : opts.email;
      const member = fake.addMember({
        id: `29:${key}`,
        aadObjectId: `aad-${key}`,
        name,
        email,
        userPrincipalName: opts.upn === undefined ? email : opts.upn,
        tenantId: opts.tenantId ?? TENANT,
      });
      return new TeamsUser(member, fake.url);
    },
    async person(user) {
      const person = await herald.ctx.store.people.byTeamsAadId(user.member.aadObjectId);
      if (!person) throw new Error(`${user.member.name} is not known to Herald`);
      return person;
    },
    deliveries() {
      return (herald.db as SqliteExecutor).sqlite
        .prepare(
          `SELECT d.id, d.channel, d.state, d.attempts, d.person_id AS personId,
                  d.fallback_of AS fallbackOf, d.last_error AS lastError, e.kind
             FROM deliveries d JOIN notification_events e ON e.id = d.event_id ORDER BY d.id`,
        )
        .all() as Array<Delivery & { kind: string }>;
    },
    async stop() {
      await herald.stop();
      await fake.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Channels of the deliveries made for one person, in order: `teams:sent`, `email:pending`… */
export const deliveryLog = (h: TeamsHarness, person: Person): string[] =>
  h
    .deliveries()
    .filter((d) => d.personId === person.id)
    .map((d) => `${d.kind}:${d.channel}:${d.state}`);

/** A response as status and body: JSON when it parses, else the text (so a failure shows it). */
export async function answerOf(res: Response): Promise<{ status: number; body: unknown }> {
  const text = await res.text();
  try {
    return { status: res.status, body: JSON.parse(text) as unknown };
  } catch {
    return { status: res.status, body: text };
  }
}
