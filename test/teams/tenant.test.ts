import { afterEach, describe, expect, it } from 'vitest';
import { RecordingLogger } from '../support/recording-logger.js';
import { OTHER_TENANT, TENANT } from '../support/teams-user.js';
import { answerOf, startTeamsHarness, type TeamsHarness, type TeamsUser } from './harness.js';

let h: TeamsHarness | undefined;
afterEach(async () => {
  await h?.stop();
  h = undefined;
});

const APP_ID = '11111111-2222-3333-4444-555555555555';
const CREDENTIALS = {
  TEAMS_APP_ID: APP_ID,
  TEAMS_APP_PASSWORD: 'not-a-real-secret',
  TEAMS_ALLOW_UNAUTHENTICATED: 'false',
};
const BOSS = 'boss@corp.example';
const REFUSED = {
  error: {
    code: 'FORBIDDEN',
    message:
      'This Herald serves one Microsoft Entra tenant only, and this activity is not from it.',
  },
};

/** The admin bootstrapped from `ADMINS`, as Herald knows them before any Teams install. */
const boss = (t: TeamsHarness) => t.herald.ctx.store.people.byEmail(BOSS);

/** What the tester did: another organisation's user whose profile carries the admin's email. */
const impostor = (t: TeamsHarness, tenantId: string): TeamsUser =>
  t.user('Mallory Impostor', { email: BOSS, upn: 'mallory@partner.example', tenantId });

/** The activity with its two tenant fields rewritten; a field not given is left out. */
function withTenant(
  activity: Record<string, unknown>,
  tenants: { conversation?: string; channelData?: string },
): Record<string, unknown> {
  const conversation = { ...(activity.conversation as Record<string, unknown>) };
  delete conversation.tenantId;
  if (tenants.conversation) conversation.tenantId = tenants.conversation;
  return {
    ...activity,
    conversation,
    channelData: tenants.channelData ? { tenant: { id: tenants.channelData } } : {},
  };
}

describe('TEAMS_TENANT_ID: Herald serves one tenant', () => {
  it('authentication off: activities of another tenant, of none or of two are refused with a JSON 403 before anything is stored, and logged', async () => {
    const logger = new RecordingLogger();
    h = await startTeamsHarness({ TEAMS_TENANT_ID: TENANT, ADMINS: BOSS }, { logger });
    const mallory = impostor(h, OTHER_TENANT);
    const attempts = [
      ...mallory.install(),
      mallory.message('stakeholders role boss@corp.example stakeholder'),
      withTenant(mallory.message('incidents'), {}),
      withTenant(mallory.message('incidents'), { channelData: TENANT, conversation: OTHER_TENANT }),
      withTenant(mallory.message('incidents'), { conversation: OTHER_TENANT.toUpperCase() }),
    ];
    for (const activity of attempts) {
      const res = await h.post(activity);
      expect(await answerOf(res)).toEqual({
        status: 403,
        body: REFUSED,
      });
    }
    expect(await h.herald.ctx.store.people.byTeamsAadId(mallory.member.aadObjectId)).toBeNull();
    expect(await boss(h)).toMatchObject({ displayName: BOSS, teamsAadId: null, role: 'admin' });
    expect(h.fake.requests).toEqual([]); // no member lookup, no reply
    const refusals = logger.entries.filter((e) => e.msg.includes('another tenant'));
    expect(refusals).toHaveLength(attempts.length);
    expect(refusals[0]).toMatchObject({ level: 'warn', fields: { tenant: OTHER_TENANT } });

    // The configured tenant is served as before, whichever case its id is written in.
    const sam = h.user('Sam Stakeholder');
    await h.send(sam.install());
    await h.send(withTenant(sam.message('help'), { channelData: TENANT.toUpperCase() }));
    expect((await h.person(sam)).teamsReachable).toBe(true);
    expect(h.fake.sentTo(sam.conversationId).map((a) => a.activity.text)).toHaveLength(2);
  });

  it('authentication on: a validly signed activity of another tenant is refused; the tenant configured is served', async () => {
    h = await startTeamsHarness({ ...CREDENTIALS, TEAMS_TENANT_ID: TENANT, ADMINS: BOSS });
    const mallory = impostor(h, OTHER_TENANT);
    for (const activity of [...mallory.install(), mallory.message('stakeholders team list')]) {
      const res = await h.postSigned(activity, APP_ID);
      expect(await answerOf(res)).toEqual({
        status: 403,
        body: REFUSED,
      });
    }
    expect(await h.herald.ctx.store.people.byTeamsAadId(mallory.member.aadObjectId)).toBeNull();
    expect(await boss(h)).toMatchObject({ displayName: BOSS, teamsAadId: null, role: 'admin' });

    const sam = h.user('Sam Stakeholder');
    for (const activity of sam.install()) {
      expect((await h.postSigned(activity, APP_ID)).status).toBe(200);
    }
    // Known by their Entra ID. (Herald's own outbound token cannot be had from the loopback
    // issuer, so the member lookup that would give the email fails; the email waits for later.)
    expect(await h.person(sam)).toMatchObject({
      teamsAadId: sam.member.aadObjectId,
      teamsReachable: true,
    });
  });
});

describe('linking a Teams identity to a person by email', () => {
  it('with TEAMS_TENANT_ID, an identity whose home tenant is another one is never linked by email', async () => {
    h = await startTeamsHarness({ TEAMS_TENANT_ID: TENANT, ADMINS: BOSS });
    // A user of another organisation in a chat of ours (external access): the conversation is in
    // our tenant, the member lookup says where the account lives.
    const mallory = impostor(h, OTHER_TENANT);
    const inOurChat = (a: Record<string, unknown>) =>
      withTenant(a, { conversation: TENANT, channelData: TENANT });
    await h.send(mallory.install().map(inOurChat));
    expect(await h.person(mallory)).toMatchObject({ email: null, role: 'stakeholder' });
    expect(await boss(h)).toMatchObject({ displayName: BOSS, teamsAadId: null, role: 'admin' });
    const command = inOurChat(mallory.message('stakeholders team list'));
    await h.send(command);
    const reply = h.fake.sentTo(mallory.conversationId).find((a) => a.replyToId === command.id);
    expect(reply?.activity.text).toContain('Only responders');

    // The admin from our own tenant links by email as before.
    const real = h.user('Boss Person', { email: BOSS });
    await h.send(real.install());
    expect(await h.person(real)).toMatchObject({ id: (await boss(h))!.id, role: 'admin' });
  });

  it('without TEAMS_TENANT_ID, only the user principal name (a domain its tenant verified) links, not the email field', async () => {
    h = await startTeamsHarness({ ADMINS: BOSS });
    const mallory = impostor(h, OTHER_TENANT);
    await h.send(mallory.install());
    expect(await h.person(mallory)).toMatchObject({
      email: 'mallory@partner.example',
      role: 'stakeholder',
    });
    expect(await boss(h)).toMatchObject({ displayName: BOSS, teamsAadId: null, role: 'admin' });

    // Whoever holds the address as their principal name (in any tenant) is that person.
    const real = h.user('Boss Person', { email: 'b.person@corp.example', upn: BOSS });
    await h.send(real.install());
    expect(await h.person(real)).toMatchObject({ id: (await boss(h))!.id, role: 'admin' });
  });
});
