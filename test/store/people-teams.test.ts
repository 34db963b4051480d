import { describe, expect, it } from 'vitest';
import { reachOf } from '../../src/domain/types.js';
import { countRows, incidentInput } from '../support/store-fixture.js';
import { STORES, useStore } from '../support/stores.js';

// The store contract (src/ports.ts) for people and stakeholder teams, on both databases.

const NOW = 1_700_000_000_000;

describe.each(STORES)('%s store: people', (kind) => {
  const h = useStore(kind);

  it('creates a person with the defaults and finds them by id, email and platform ids', async () => {
    const { people } = h().store;
    const grace = await people.create(
      { displayName: 'Grace', email: 'Grace@Example.com', slackUserId: 'U1', teamsAadId: 'aad-1' },
      NOW,
    );
    expect(grace).toEqual({
      id: grace.id,
      displayName: 'Grace',
      email: 'Grace@Example.com',
      slackUserId: 'U1',
      teamsAadId: 'aad-1',
      teamsConversationRef: null,
      slackReachable: true,
      teamsReachable: true,
      role: 'stakeholder',
      preferences: null,
    });
    expect(typeof grace.id).toBe('number');
    expect(await people.byId(grace.id)).toEqual(grace);
    expect(await people.bySlackUserId('U1')).toEqual(grace);
    expect(await people.byTeamsAadId('aad-1')).toEqual(grace);
    expect(await people.byId(grace.id + 1)).toBeNull();
    expect(await people.bySlackUserId('u1')).toBeNull();
    expect(await people.byTeamsAadId('aad-2')).toBeNull();
  });

  it('matches email case-insensitively; a second create with the address in any case gets the holder', async () => {
    const { people } = h().store;
    const grace = await people.create({ displayName: 'Grace', email: 'Grace@Example.com' }, NOW);
    expect(await people.byEmail('grace@example.com')).toEqual(grace);
    expect(await people.byEmail('GRACE@EXAMPLE.COM')).toEqual(grace);
    expect(await people.byEmail('grace@example.org')).toBeNull();
    expect(
      await people.create({ displayName: 'Impostor', email: 'GRACE@example.COM' }, NOW),
    ).toEqual(grace);
    // People without an address do not collide with each other.
    const a = await people.create({ displayName: 'A' }, NOW);
    const b = await people.create({ displayName: 'B', email: null }, NOW);
    expect(new Set([grace.id, a.id, b.id]).size).toBe(3);
    expect(await countRows(h().db, 'people')).toBe(3);
  });

  it('an address with a non-ASCII capital matches itself and folds its ASCII letters', async () => {
    const { people } = h().store;
    const elodie = await people.create({ displayName: 'Élodie', email: 'Élodie@Example.com' }, NOW);
    expect(await people.byEmail('Élodie@Example.com')).toEqual(elodie);
    expect(await people.byEmail('Élodie@EXAMPLE.COM')).toEqual(elodie);
    // Met again (another process, a resent event): the holder, not an error.
    expect(await people.create({ displayName: 'Dup', email: 'Élodie@example.com' }, NOW)).toEqual(
      elodie,
    );
    expect(await countRows(h().db, 'people')).toBe(1);
  });

  it('a second create with a Slack or Teams id already held gets the holder', async () => {
    const { people } = h().store;
    const grace = await people.create(
      { displayName: 'Grace', slackUserId: 'U1', teamsAadId: 'aad-1' },
      NOW,
    );
    const ada = await people.create({ displayName: 'Ada', email: 'ada@example.com' }, NOW);
    expect(await people.create({ displayName: 'Dup', slackUserId: 'U1' }, NOW)).toEqual(grace);
    expect(await people.create({ displayName: 'Dup', teamsAadId: 'aad-1' }, NOW)).toEqual(grace);
    expect(
      await people.create(
        { displayName: 'Dup', teamsAadId: 'aad-2', email: 'ADA@example.com' },
        NOW,
      ),
    ).toEqual(ada);
    expect(await countRows(h().db, 'people')).toBe(2);
    expect(await people.byTeamsAadId('aad-2')).toBeNull();
  });

  it('five processes meeting one person at once make one person', async () => {
    const { store } = h();
    const other = await h().connect();
    const made = await Promise.all(
      [0, 1, 2, 3, 4].map((i) =>
        (i % 2 === 0 ? store : other.store).people.create(
          { displayName: `Grace ${i}`, email: 'grace@example.com', slackUserId: 'U1' },
          NOW,
        ),
      ),
    );
    expect(new Set(made.map((p) => p.id)).size).toBe(1);
    expect(made.every((p) => p.displayName === made[0]!.displayName)).toBe(true);
    expect(await countRows(h().db, 'people')).toBe(1);
  });

  it('byIds returns the people that exist, none for an empty list', async () => {
    const { people } = h().store;
    const a = await people.create({ displayName: 'A' }, NOW);
    const b = await people.create({ displayName: 'B' }, NOW);
    await people.create({ displayName: 'C' }, NOW);
    const found = await people.byIds([b.id, a.id, b.id + 100]);
    expect(found.sort((x, y) => x.id - y.id)).toEqual([a, b]);
    expect(await people.byIds([])).toEqual([]);
  });

  it('reach reads what a full person says of each channel, as flags', async () => {
    const { people } = h().store;
    const made = [
      await people.create({ displayName: 'Nobody' }, NOW),
      await people.create({ displayName: 'Mail', email: 'm@example.com' }, NOW),
      await people.create({ displayName: 'Slack', slackUserId: 'US1' }, NOW),
      await people.create({ displayName: 'Gone', slackUserId: 'US2', email: 'g@example.com' }, NOW),
      await people.create({ displayName: 'Teams', teamsAadId: 'aad-9' }, NOW),
    ];
    await people.update(made[3]!.id, { slackReachable: false, preferences: ['slack', 'email'] });
    await people.update(made[4]!.id, { teamsConversationRef: '{"conversation":{"id":"a:1"}}' });
    const ids = made.map((p) => p.id);
    const full = (await people.byIds(ids)).map(reachOf).sort((x, y) => x.id - y.id);
    const lean = (await people.reach([...ids, ids[4]! + 100])).sort((x, y) => x.id - y.id);
    expect(lean).toEqual(full);
    expect(lean.map((r) => [r.slack, r.teams, r.email])).toEqual([
      [false, false, false],
      [false, false, true],
      [true, false, false],
      [false, false, true],
      [false, true, false],
    ]);
    expect(lean[3]!.preferences).toEqual(['slack', 'email']);
    expect(await people.reach([])).toEqual([]);
  });

  it('applies every patch field and reads it back with booleans and preferences intact', async () => {
    const { people } = h().store;
    const p = await people.create({ displayName: 'Grace', email: 'g@example.com' }, NOW);
    const patched = await people.update(p.id, {
      displayName: 'Grace H.',
      email: 'grace@example.com',
      slackUserId: 'U9',
      teamsAadId: 'aad-9',
      teamsConversationRef: '{"conversation":{"id":"a:1"}}',
      slackReachable: false,
      teamsReachable: false,
      role: 'responder',
      roleExplicit: true,
      preferences: ['teams', 'email'],
    });
    const expected = {
      id: p.id,
      displayName: 'Grace H.',
      email: 'grace@example.com',
      slackUserId: 'U9',
      teamsAadId: 'aad-9',
      teamsConversationRef: '{"conversation":{"id":"a:1"}}',
      slackReachable: false,
      teamsReachable: false,
      role: 'responder',
      preferences: ['teams', 'email'],
    };
    expect(patched).toStrictEqual(expected);
    expect(await people.byId(p.id)).toStrictEqual(expected);
    expect(await people.isRoleExplicit(p.id)).toBe(true);

    // Back again: flags to true, preferences to the default, ids cleared.
    const back = await people.update(p.id, {
      slackReachable: true,
      teamsReachable: true,
      preferences: null,
      slackUserId: null,
      roleExplicit: false,
    });
    expect(back).toMatchObject({ slackReachable: true, teamsReachable: true, preferences: null });
    expect(back.slackUserId).toBeNull();
    expect(await people.isRoleExplicit(p.id)).toBe(false);
    expect(await people.byId(p.id)).toStrictEqual(back);
  });

  it('a patch touches only its fields; an empty patch changes nothing', async () => {
    const { people } = h().store;
    const p = await people.create(
      { displayName: 'Grace', email: 'g@example.com', slackUserId: 'U1', role: 'admin' },
      NOW,
    );
    const other = await people.create({ displayName: 'Ada', slackUserId: 'U2' }, NOW);
    expect(await people.update(p.id, { teamsReachable: false })).toStrictEqual({
      ...p,
      teamsReachable: false,
    });
    expect(await people.update(p.id, {})).toStrictEqual({ ...p, teamsReachable: false });
    expect(await people.byId(other.id)).toStrictEqual(other);
  });

  it('update of a missing person throws', async () => {
    await expect(h().store.people.update(404, { displayName: 'Nobody' })).rejects.toThrow();
    await expect(h().store.people.update(404, {})).rejects.toThrow();
  });

  it('countByRole counts each role; isRoleExplicit is false until set, and for no one', async () => {
    const { people } = h().store;
    expect(await people.countByRole('admin')).toBe(0);
    const admin = await people.create({ displayName: 'A', role: 'admin' }, NOW);
    await people.create({ displayName: 'B', role: 'responder' }, NOW);
    await people.create({ displayName: 'C' }, NOW);
    const d = await people.create({ displayName: 'D' }, NOW);
    expect(await people.countByRole('admin')).toBe(1);
    expect(await people.countByRole('responder')).toBe(1);
    expect(await people.countByRole('stakeholder')).toBe(2);
    await people.update(d.id, { role: 'admin', roleExplicit: true });
    expect(await people.countByRole('admin')).toBe(2);
    expect(await people.countByRole('stakeholder')).toBe(1);
    expect(await people.isRoleExplicit(admin.id)).toBe(false);
    expect(await people.isRoleExplicit(d.id)).toBe(true);
    expect(await people.isRoleExplicit(d.id + 100)).toBe(false);
  });
});

describe.each(STORES)('%s store: stakeholder teams', (kind) => {
  const h = useStore(kind);

  it('creates a team, finds it by id and by name case-insensitively, keeps names unique', async () => {
    const { stakeholderTeams: teams } = h().store;
    const team = await teams.create('Payments', 'Money people', NOW);
    expect(team).toEqual({ id: team.id, name: 'Payments', description: 'Money people' });
    expect(await teams.byId(team.id)).toEqual(team);
    expect(await teams.byName('payments')).toEqual(team);
    expect(await teams.byName('PAYMENTS')).toEqual(team);
    expect(await teams.byName('Payment')).toBeNull();
    expect(await teams.byId(team.id + 1)).toBeNull();
    await expect(teams.create('PAYMENTS', '', NOW)).rejects.toThrow();
  });

  it('a name with a non-ASCII capital matches itself and folds its ASCII letters', async () => {
    const { stakeholderTeams: teams } = h().store;
    const team = await teams.create('Équipe Paiements', '', NOW);
    expect(await teams.byName('Équipe Paiements')).toEqual(team);
    expect(await teams.byName('Équipe PAIEMENTS')).toEqual(team);
    await expect(teams.create('Équipe paiements', '', NOW)).rejects.toThrow();
  });

  it('lists teams by name case-insensitively, with member counts', async () => {
    const { people, stakeholderTeams: teams } = h().store;
    const zeta = await teams.create('zeta', '', NOW);
    const alpha = await teams.create('Alpha', 'first', NOW);
    const beta = await teams.create('beta', '', NOW);
    const ops = await teams.create('Ops', '', NOW);
    const [a, b, c] = await Promise.all(
      ['A', 'B', 'C'].map((n) => people.create({ displayName: n }, NOW)),
    );
    await teams.addMembers(beta.id, [a!.id, b!.id, c!.id], NOW);
    await teams.addMembers(zeta.id, [a!.id], NOW);
    expect(await teams.list()).toEqual([
      { ...alpha, memberCount: 0 },
      { ...beta, memberCount: 3 },
      { ...ops, memberCount: 0 },
      { ...zeta, memberCount: 1 },
    ]);
  });

  it('updates name and description; an empty patch returns the team; a missing one throws', async () => {
    const { stakeholderTeams: teams } = h().store;
    const team = await teams.create('Payments', 'old', NOW);
    const other = await teams.create('Search', '', NOW);
    expect(await teams.update(team.id, { description: 'new' })).toEqual({
      ...team,
      description: 'new',
    });
    const renamed = await teams.update(team.id, { name: 'Billing' });
    expect(renamed).toEqual({ id: team.id, name: 'Billing', description: 'new' });
    expect(await teams.update(team.id, {})).toEqual(renamed);
    expect(await teams.byName('payments')).toBeNull();
    expect(await teams.byName('billing')).toEqual(renamed);
    await expect(teams.update(team.id, { name: 'SEARCH' })).rejects.toThrow();
    expect(await teams.byId(other.id)).toEqual(other);
    await expect(teams.update(other.id + 100, { name: 'x' })).rejects.toThrow();
  });

  it('addMembers returns exactly the ids it added; removeMembers exactly those it removed', async () => {
    const { people, stakeholderTeams: teams } = h().store;
    const team = await teams.create('Payments', '', NOW);
    const other = await teams.create('Search', '', NOW);
    const [a, b, c] = await Promise.all(
      ['Ada', 'Bob', 'Cy'].map((n) => people.create({ displayName: n }, NOW)),
    );
    expect(await teams.addMembers(team.id, [a!.id, b!.id, a!.id], NOW)).toEqual([a!.id, b!.id]);
    expect(await teams.addMembers(team.id, [b!.id, c!.id], NOW)).toEqual([c!.id]);
    expect(await teams.addMembers(team.id, [a!.id], NOW)).toEqual([]);
    expect(await teams.addMembers(team.id, [], NOW)).toEqual([]);
    await teams.addMembers(other.id, [a!.id], NOW);

    const removed = await teams.removeMembers(team.id, [c!.id, a!.id, c!.id + 100]);
    expect(removed.sort((x, y) => x - y)).toEqual([a!.id, c!.id].sort((x, y) => x - y));
    expect(await teams.removeMembers(team.id, [a!.id])).toEqual([]);
    expect(await teams.removeMembers(team.id, [])).toEqual([]);
    expect((await teams.members(team.id)).map((p) => p.id)).toEqual([b!.id]);
    // The other team keeps its member.
    expect((await teams.members(other.id)).map((p) => p.id)).toEqual([a!.id]);
  });

  it('of five processes adding one member at once, one reports the addition', async () => {
    const { store } = h();
    const other = await h().connect();
    const team = await store.stakeholderTeams.create('Payments', '', NOW);
    const grace = await store.people.create({ displayName: 'Grace' }, NOW);
    const added = await Promise.all(
      [0, 1, 2, 3, 4].map((i) =>
        (i % 2 ? other.store : store).stakeholderTeams.addMembers(team.id, [grace.id], NOW),
      ),
    );
    expect(added.flat()).toEqual([grace.id]);
    expect((await store.stakeholderTeams.members(team.id)).map((p) => p.id)).toEqual([grace.id]);
  });

  it('members are people, by display name', async () => {
    const { people, stakeholderTeams: teams } = h().store;
    const team = await teams.create('Payments', '', NOW);
    const cy = await people.create({ displayName: 'Cy', email: 'cy@example.com' }, NOW);
    const ada = await people.create({ displayName: 'Ada' }, NOW);
    const bob = await people.update((await people.create({ displayName: 'Bob' }, NOW)).id, {
      slackReachable: false,
      preferences: ['email'],
    });
    await teams.addMembers(team.id, [cy.id, bob.id, ada.id], NOW);
    expect(await teams.members(team.id)).toStrictEqual([ada, bob, cy]);
    expect(await teams.members(team.id + 100)).toEqual([]);
  });

  it('delete removes the team with its memberships, subscriptions and rule targets', async () => {
    const { db, store } = h();
    const { people, stakeholderTeams: teams } = store;
    const team = await teams.create('Payments', '', NOW);
    const kept = await teams.create('Search', '', NOW);
    const grace = await people.create({ displayName: 'Grace' }, NOW);
    await teams.addMembers(team.id, [grace.id], NOW);
    await teams.addMembers(kept.id, [grace.id], NOW);
    const { incident } = await store.incidents.create(incidentInput(), NOW);
    await store.subscriptions.addTeam(incident.id, team.id, null, NOW);
    await store.subscriptions.addTeam(incident.id, kept.id, null, NOW);
    const rule = await store.rules.create(
      {
        service: 'checkout',
        severities: null,
        personIds: [],
        teamIds: [team.id, kept.id],
        createdBy: null,
      },
      NOW,
    );

    await teams.delete(team.id);

    expect(await teams.byId(team.id)).toBeNull();
    expect(await teams.byName('payments')).toBeNull();
    expect((await store.subscriptions.list(incident.id)).map((s) => s.teamId)).toEqual([kept.id]);
    expect(await countRows(db, 'team_members')).toBe(1);
    expect((await store.rules.byId(rule.id))!.teamIds).toEqual([kept.id]);
    expect(await people.byId(grace.id)).toEqual(grace);
    // Deleting a team that is gone is not an error.
    await teams.delete(team.id);
    expect((await teams.list()).map((t) => t.name)).toEqual(['Search']);
  });
});
