import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  bootstrapAdmins,
  identifySlackUser,
  identifyTeamsUser,
  personByEmail,
} from '../../src/actions/identify-person.js';
import { setRole } from '../../src/actions/set-role.js';
import { coreHarness, targets, type CoreHarness } from '../support/core.js';

let h: CoreHarness;
beforeEach(() => (h = coreHarness()));
afterEach(() => h.close());

const slack = (over: Partial<Parameters<typeof identifySlackUser>[1]> = {}) =>
  identifySlackUser(h.ctx, {
    userId: 'U1',
    displayName: 'Sam',
    email: 'Sam@Corp.example',
    isGuest: false,
    isBot: false,
    deleted: false,
    ...over,
  });

describe('identity and linking (PRODUCT §1)', () => {
  it('makes a full Slack member a responder and a guest a stakeholder', async () => {
    expect((await slack()).role).toBe('responder');
    expect((await slack({ userId: 'U2', email: 'g@partner.example', isGuest: true })).role).toBe(
      'stakeholder',
    );
  });

  it('refuses bots', async () => {
    await expect(slack({ isBot: true })).rejects.toThrow(
      expect.objectContaining({ code: 'FORBIDDEN' }),
    );
  });

  it('under RESPONDER_POLICY=granted a member is a stakeholder until granted', async () => {
    h.ctx.responderPolicy = 'granted';
    expect((await slack()).role).toBe('stakeholder');
  });

  it('links a person first known by email to their Slack and Teams identities, case-insensitively', async () => {
    const byEmail = await personByEmail(h.ctx, 'SAM@corp.EXAMPLE');
    const fromSlack = await slack();
    const fromTeams = await identifyTeamsUser(h.ctx, {
      aadId: 'aad-sam',
      displayName: 'Sam S.',
      email: 'sam@corp.example',
      conversationRef: '{"conversation":{"id":"a:1"}}',
    });
    expect(fromSlack.id).toBe(byEmail.id);
    expect(fromTeams.id).toBe(byEmail.id);
    expect(fromTeams).toMatchObject({
      slackUserId: 'U1',
      teamsAadId: 'aad-sam',
      email: 'sam@corp.example',
      teamsReachable: true,
    });
    expect(h.db.sqlite.prepare('SELECT count(*) AS n FROM people').get()).toEqual({ n: 1 });
  });

  it('marks a deactivated Slack user unreachable on Slack', async () => {
    await slack();
    expect((await slack({ deleted: true })).slackReachable).toBe(false);
  });

  it('keeps a role an admin set explicitly, whatever Slack later says', async () => {
    const admin = await h.person({ name: 'Ada', role: 'admin' });
    const sam = await slack();
    await setRole(h.ctx, admin, { target: targets({ people: [sam] })[0]!, role: 'stakeholder' });
    expect((await slack()).role).toBe('stakeholder');
  });

  it('bootstraps ADMINS by email, Slack id and Teams id', async () => {
    expect((await slack()).role).toBe('responder');
    h.ctx.admins = [
      { kind: 'email', email: 'boss@corp.example' },
      { kind: 'slack', userId: 'U1' },
    ];
    expect(await bootstrapAdmins(h.ctx)).toBe(2);
    expect((await h.ctx.store.people.bySlackUserId('U1'))?.role).toBe('admin');
    const boss = await identifySlackUser(h.ctx, {
      userId: 'UBOSS',
      displayName: 'Boss',
      email: 'boss@corp.example',
      isGuest: false,
      isBot: false,
      deleted: false,
    });
    expect(boss.role).toBe('admin');
    h.ctx.admins = [{ kind: 'teams', aadId: 'aad-t' }];
    expect(
      (await identifyTeamsUser(h.ctx, { aadId: 'aad-t', displayName: 'T', email: null })).role,
    ).toBe('admin');
  });

  it('rejects an invalid email address', async () => {
    await expect(personByEmail(h.ctx, 'not-an-email')).rejects.toThrow(
      expect.objectContaining({ code: 'INVALID_INPUT' }),
    );
  });
});
