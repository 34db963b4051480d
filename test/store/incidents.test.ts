import { describe, expect, it } from 'vitest';
import type { Person, StakeholderTeam } from '../../src/domain/types.js';
import type { Store } from '../../src/ports.js';
import { countRows, incidentInput } from '../support/store-fixture.js';
import { STORES, useStore } from '../support/stores.js';

// The store contract (src/ports.ts) for incidents, subscriptions, status updates and
// auto-subscription rules, on both databases.

const NOW = 1_700_000_000_000;

const ids = (items: ReadonlyArray<{ id: number }>) => items.map((i) => i.id);

describe.each(STORES)('%s store: incidents', (kind) => {
  const h = useStore(kind);

  it('creates an open incident with every field as given', async () => {
    const { people, incidents } = h().store;
    const ada = await people.create({ displayName: 'Ada' }, NOW);
    const { incident, created } = await incidents.create(
      incidentInput({ declaredBy: ada.id, source: 'alertmanager', externalKey: 'am:1' }),
      NOW,
    );
    expect(created).toBe(true);
    expect(incident).toStrictEqual({
      id: incident.id,
      title: 'Checkout is down',
      summary: 'Payments fail',
      severity: 'SEV2',
      service: 'checkout',
      status: 'open',
      declaredBy: ada.id,
      source: 'alertmanager',
      externalKey: 'am:1',
      createdAt: NOW,
      resolvedAt: null,
      resolutionNote: null,
      lastStakeholderUpdateAt: null,
      lastReminderAt: null,
    });
    expect(await incidents.byId(incident.id)).toStrictEqual(incident);
    expect(await incidents.byExternalKey('am:1')).toStrictEqual(incident);
    expect(await incidents.byExternalKey('am:2')).toBeNull();
    expect(await incidents.byId(incident.id + 1)).toBeNull();
  });

  it('a held external key creates nothing and uses up no incident number', async () => {
    const { incidents } = h().store;
    const first = await incidents.create(incidentInput({ externalKey: 'am:1' }), NOW);
    const again = await incidents.create(
      incidentInput({ title: 'Resent alert', externalKey: 'am:1' }),
      NOW + 1,
    );
    expect(again).toEqual({ incident: first.incident, created: false });
    // Incidents without a key never collide.
    const a = await incidents.create(incidentInput(), NOW);
    const b = await incidents.create(incidentInput(), NOW);
    expect([a.created, b.created]).toEqual([true, true]);
    expect([a.incident.id, b.incident.id]).toEqual([first.incident.id + 1, first.incident.id + 2]);
  });

  it('five concurrent callers with one external key: one creates it, all get it', async () => {
    const { store } = h();
    const other = await h().connect();
    const results = await Promise.all(
      [0, 1, 2, 3, 4].map((i) =>
        (i % 2 === 0 ? store : other.store).incidents.create(
          incidentInput({ title: `Alert ${i}`, externalKey: 'am:fingerprint' }),
          NOW + i,
        ),
      ),
    );
    expect(results.filter((r) => r.created)).toHaveLength(1);
    const winner = results.find((r) => r.created)!.incident;
    for (const r of results) expect(r.incident).toStrictEqual(winner);
    expect(await countRows(h().db, 'incidents')).toBe(1);
  });

  it('five concurrent declaring transactions with one external key: one creates it and audits it', async () => {
    const { store, db } = h();
    const other = await h().connect();
    const declare = (s: Store, i: number) =>
      s.transaction(async (tx) => {
        const result = await tx.incidents.create(
          incidentInput({ title: `Alert ${i}`, externalKey: 'am:fingerprint' }),
          NOW + i,
        );
        if (result.created) {
          await tx.audit.record(
            { actorId: null, action: 'incident.declared', incidentId: result.incident.id },
            NOW + i,
          );
        }
        return result;
      });
    const results = await Promise.all(
      [0, 1, 2, 3, 4].map((i) => declare(i % 2 ? other.store : store, i)),
    );
    expect(results.filter((r) => r.created)).toHaveLength(1);
    expect(new Set(results.map((r) => r.incident.id)).size).toBe(1);
    expect(await countRows(db, 'incidents')).toBe(1);
    expect(await countRows(db, 'audit_log')).toBe(1);
  });

  it('update applies the patch and returns the incident; an empty patch returns it as is', async () => {
    const { incidents } = h().store;
    const { incident } = await incidents.create(incidentInput(), NOW);
    const { incident: other } = await incidents.create(incidentInput({ title: 'Other' }), NOW);
    const resolved = await incidents.update(incident.id, {
      title: 'Checkout was down',
      summary: 'Fixed',
      severity: 'SEV1',
      service: null,
      status: 'resolved',
      resolvedAt: NOW + 60_000,
      resolutionNote: 'Rolled back',
      lastStakeholderUpdateAt: NOW + 30_000,
      lastReminderAt: NOW + 45_000,
    });
    expect(resolved).toStrictEqual({
      ...incident,
      title: 'Checkout was down',
      summary: 'Fixed',
      severity: 'SEV1',
      service: null,
      status: 'resolved',
      resolvedAt: NOW + 60_000,
      resolutionNote: 'Rolled back',
      lastStakeholderUpdateAt: NOW + 30_000,
      lastReminderAt: NOW + 45_000,
    });
    expect(await incidents.byId(incident.id)).toStrictEqual(resolved);
    expect(await incidents.update(incident.id, {})).toStrictEqual(resolved);
    expect(await incidents.update(incident.id, { lastReminderAt: null })).toMatchObject({
      lastReminderAt: null,
      resolvedAt: NOW + 60_000,
    });
    expect(await incidents.byId(other.id)).toStrictEqual(other);
    await expect(incidents.update(other.id + 100, { title: 'x' })).rejects.toThrow();
  });

  it('lists newest first, by status, up to the limit', async () => {
    const { incidents } = h().store;
    const made: number[] = [];
    for (let i = 0; i < 5; i++)
      made.push((await incidents.create(incidentInput(), NOW)).incident.id);
    await incidents.update(made[1]!, { status: 'resolved', resolvedAt: NOW });
    await incidents.update(made[3]!, { status: 'resolved', resolvedAt: NOW });
    const [i0, i1, i2, i3, i4] = made;
    expect(ids(await incidents.list({ limit: 10 }))).toEqual([i4, i3, i2, i1, i0]);
    expect(ids(await incidents.list({ limit: 2 }))).toEqual([i4, i3]);
    expect(ids(await incidents.list({ status: 'open', limit: 10 }))).toEqual([i4, i2, i0]);
    expect(ids(await incidents.list({ status: 'resolved', limit: 10 }))).toEqual([i3, i1]);
    expect(ids(await incidents.list({ status: 'open', limit: 1 }))).toEqual([i4]);
  });

  it('listForPerson: direct and team subscriptions, not one the person opted out of', async () => {
    const { people, stakeholderTeams: teams, incidents, subscriptions } = h().store;
    const grace = await people.create({ displayName: 'Grace' }, NOW);
    const ada = await people.create({ displayName: 'Ada' }, NOW);
    const team = await teams.create('Payments', '', NOW);
    await teams.addMembers(team.id, [grace.id], NOW);
    const make = async () => (await incidents.create(incidentInput(), NOW)).incident.id;
    const direct = await make();
    const viaTeam = await make();
    const both = await make();
    const optedOut = await make();
    const notMine = await make();
    const resolvedDirect = await make();
    await subscriptions.addPerson(direct, grace.id, null, NOW);
    await subscriptions.addTeam(viaTeam, team.id, null, NOW);
    await subscriptions.addTeam(both, team.id, null, NOW);
    await subscriptions.addPerson(both, grace.id, null, NOW);
    await subscriptions.addTeam(optedOut, team.id, null, NOW);
    await subscriptions.optOut(optedOut, grace.id, NOW);
    await subscriptions.addPerson(notMine, ada.id, null, NOW);
    await subscriptions.addPerson(resolvedDirect, grace.id, null, NOW);
    await incidents.update(resolvedDirect, { status: 'resolved', resolvedAt: NOW });

    const mine = await incidents.listForPerson(grace.id, { limit: 10 });
    expect(ids(mine)).toEqual([resolvedDirect, both, viaTeam, direct]);
    expect(ids(await incidents.listForPerson(grace.id, { status: 'open', limit: 10 }))).toEqual([
      both,
      viaTeam,
      direct,
    ]);
    expect(ids(await incidents.listForPerson(grace.id, { status: 'resolved', limit: 10 }))).toEqual(
      [resolvedDirect],
    );
    expect(ids(await incidents.listForPerson(grace.id, { limit: 2 }))).toEqual([
      resolvedDirect,
      both,
    ]);
    expect(ids(await incidents.listForPerson(ada.id, { limit: 10 }))).toEqual([notMine]);
    // A person who leaves the team no longer sees its incidents.
    await teams.removeMembers(team.id, [grace.id]);
    expect(ids(await incidents.listForPerson(grace.id, { limit: 10 }))).toEqual([
      resolvedDirect,
      both,
      direct,
    ]);
  });
});

describe.each(STORES)('%s store: subscriptions', (kind) => {
  const h = useStore(kind);

  /** An incident, three people (two of them in a team), and the team. */
  async function scene(store: Store): Promise<{
    incidentId: number;
    grace: Person;
    ada: Person;
    bob: Person;
    team: StakeholderTeam;
  }> {
    const { incident } = await store.incidents.create(incidentInput(), NOW);
    const [grace, ada, bob] = await Promise.all(
      ['Grace', 'Ada', 'Bob'].map((n) => store.people.create({ displayName: n }, NOW)),
    );
    const team = await store.stakeholderTeams.create('Payments', '', NOW);
    await store.stakeholderTeams.addMembers(team.id, [ada!.id, bob!.id], NOW);
    return { incidentId: incident.id, grace: grace!, ada: ada!, bob: bob!, team };
  }

  it('adds people and teams once each, lists them in order, removes them', async () => {
    const { store } = h();
    const { subscriptions: subs } = store;
    const { incidentId, grace, ada, team } = await scene(store);
    expect(await subs.addPerson(incidentId, grace.id, ada.id, NOW)).toBe(true);
    expect(await subs.addPerson(incidentId, grace.id, null, NOW + 1)).toBe(false);
    expect(await subs.addTeam(incidentId, team.id, null, NOW + 2)).toBe(true);
    expect(await subs.addTeam(incidentId, team.id, ada.id, NOW + 3)).toBe(false);
    const list = await subs.list(incidentId);
    expect(list).toStrictEqual([
      {
        id: list[0]!.id,
        incidentId,
        personId: grace.id,
        teamId: null,
        addedBy: ada.id,
        createdAt: NOW,
      },
      {
        id: list[1]!.id,
        incidentId,
        personId: null,
        teamId: team.id,
        addedBy: null,
        createdAt: NOW + 2,
      },
    ]);
    expect(list[0]!.id).toBeLessThan(list[1]!.id);

    expect(await subs.removeTeam(incidentId, team.id)).toBe(true);
    expect(await subs.removeTeam(incidentId, team.id)).toBe(false);
    expect(await subs.removePerson(incidentId, ada.id)).toBe(false);
    expect(await subs.removePerson(incidentId, grace.id)).toBe(true);
    expect(await subs.removePerson(incidentId, grace.id)).toBe(false);
    expect(await subs.list(incidentId)).toEqual([]);
  });

  it('of five processes subscribing one person or team at once, one reports it added', async () => {
    const { store } = h();
    const other = await h().connect();
    const { incidentId, grace, team } = await scene(store);
    const racers = (add: (s: Store) => Promise<boolean>) =>
      Promise.all([0, 1, 2, 3, 4].map((i) => add(i % 2 ? other.store : store)));
    const people = await racers((s) => s.subscriptions.addPerson(incidentId, grace.id, null, NOW));
    const teams = await racers((s) => s.subscriptions.addTeam(incidentId, team.id, null, NOW));
    expect(people.filter(Boolean)).toHaveLength(1);
    expect(teams.filter(Boolean)).toHaveLength(1);
    expect(await store.subscriptions.list(incidentId)).toHaveLength(2);
  });

  it("keeps each incident's subscriptions apart", async () => {
    const { store } = h();
    const { subscriptions: subs } = store;
    const { incidentId, grace, team } = await scene(store);
    const { incident: other } = await store.incidents.create(incidentInput(), NOW);
    await subs.addPerson(other.id, grace.id, null, NOW);
    await subs.addTeam(other.id, team.id, null, NOW);
    expect(await subs.list(incidentId)).toEqual([]);
    expect(await subs.recipientIds(incidentId)).toEqual([]);
    expect(await subs.removePerson(incidentId, grace.id)).toBe(false);
    expect(await subs.removeTeam(incidentId, team.id)).toBe(false);
    expect(await subs.list(other.id)).toHaveLength(2);
  });

  it('recipients: direct subscribers and current team members, once each, without opt-outs', async () => {
    const { store } = h();
    const { subscriptions: subs, stakeholderTeams: teams } = store;
    const { incidentId, grace, ada, bob, team } = await scene(store);
    const sorted = (xs: number[]) => [...xs].sort((a, b) => a - b);
    expect(await subs.recipientIds(incidentId)).toEqual([]);
    expect(await subs.isRecipient(incidentId, grace.id)).toBe(false);

    await subs.addPerson(incidentId, grace.id, null, NOW);
    await subs.addPerson(incidentId, ada.id, null, NOW);
    await subs.addTeam(incidentId, team.id, null, NOW);
    // Ada is both direct and in the team: once.
    expect(await subs.recipientIds(incidentId)).toEqual(sorted([grace.id, ada.id, bob.id]));
    for (const p of [grace, ada, bob]) expect(await subs.isRecipient(incidentId, p.id)).toBe(true);

    // Bob opts out: the team no longer covers him. Ada opts out too, but her direct
    // subscription still holds.
    await subs.optOut(incidentId, bob.id, NOW);
    await subs.optOut(incidentId, bob.id, NOW); // twice is fine
    await subs.optOut(incidentId, ada.id, NOW);
    expect(await subs.recipientIds(incidentId)).toEqual(sorted([grace.id, ada.id]));
    expect(await subs.isRecipient(incidentId, bob.id)).toBe(false);
    expect(await subs.isRecipient(incidentId, ada.id)).toBe(true);

    // Subscribing Bob directly overrides his opt-out; removing him again leaves the team's
    // coverage, which no longer skips him.
    expect(await subs.addPerson(incidentId, bob.id, null, NOW)).toBe(true);
    expect(await subs.isRecipient(incidentId, bob.id)).toBe(true);
    await subs.removePerson(incidentId, bob.id);
    expect(await subs.isRecipient(incidentId, bob.id)).toBe(true);

    // A member who joins later is a recipient; one who leaves is not.
    const cy = await store.people.create({ displayName: 'Cy' }, NOW);
    await teams.addMembers(team.id, [cy.id], NOW);
    await teams.removeMembers(team.id, [bob.id]);
    expect(await subs.recipientIds(incidentId)).toEqual(sorted([grace.id, ada.id, cy.id]));
    expect(await subs.isRecipient(incidentId, bob.id)).toBe(false);
    expect(await subs.isRecipient(incidentId, cy.id + 100)).toBe(false);
  });
});

describe.each(STORES)('%s store: status updates', (kind) => {
  const h = useStore(kind);

  it('creates updates and lists them newest first, limited, optionally stakeholder-only', async () => {
    const { people, incidents, updates } = h().store;
    const ada = await people.create({ displayName: 'Ada' }, NOW);
    const { incident } = await incidents.create(incidentInput(), NOW);
    const { incident: other } = await incidents.create(incidentInput(), NOW);
    const first = await updates.create(
      {
        incidentId: incident.id,
        text: 'Investigating',
        authorId: ada.id,
        notifyStakeholders: true,
      },
      NOW,
    );
    expect(first).toStrictEqual({
      id: first.id,
      incidentId: incident.id,
      text: 'Investigating',
      authorId: ada.id,
      notifyStakeholders: true,
      createdAt: NOW,
    });
    const internal = await updates.create(
      { incidentId: incident.id, text: 'Paged DBA', authorId: null, notifyStakeholders: false },
      NOW + 1,
    );
    expect(internal.notifyStakeholders).toBe(false);
    expect(internal.authorId).toBeNull();
    const third = await updates.create(
      { incidentId: incident.id, text: 'Fix deployed', authorId: ada.id, notifyStakeholders: true },
      NOW + 2,
    );
    await updates.create(
      { incidentId: other.id, text: 'Elsewhere', authorId: null, notifyStakeholders: true },
      NOW,
    );

    expect(await updates.list(incident.id, 10)).toStrictEqual([third, internal, first]);
    expect(await updates.list(incident.id, 2)).toStrictEqual([third, internal]);
    expect(await updates.list(incident.id, 10, { stakeholderOnly: true })).toStrictEqual([
      third,
      first,
    ]);
    expect(await updates.list(incident.id, 1, { stakeholderOnly: true })).toStrictEqual([third]);
    expect(await updates.list(incident.id, 10, { stakeholderOnly: false })).toHaveLength(3);
    expect(await updates.list(other.id + 100, 10)).toEqual([]);
  });
});

describe.each(STORES)('%s store: subscription rules', (kind) => {
  const h = useStore(kind);

  it('creates rules with their targets (each once), lists them oldest first, deletes them', async () => {
    const { store, db } = h();
    const { people, stakeholderTeams: teams, rules } = store;
    const [grace, ada] = await Promise.all(
      ['Grace', 'Ada'].map((n) => people.create({ displayName: n }, NOW)),
    );
    const team = await teams.create('Payments', '', NOW);
    expect(await rules.list()).toEqual([]);

    const byService = await rules.create(
      {
        service: 'checkout',
        severities: null,
        personIds: [grace!.id, ada!.id, grace!.id],
        teamIds: [team.id, team.id],
        createdBy: ada!.id,
      },
      NOW,
    );
    expect(byService).toStrictEqual({
      id: byService.id,
      service: 'checkout',
      severities: null,
      personIds: [grace!.id, ada!.id],
      teamIds: [team.id],
      createdBy: ada!.id,
      createdAt: NOW,
    });
    const bySeverity = await rules.create(
      {
        service: null,
        severities: ['SEV1', 'SEV2'],
        personIds: [],
        teamIds: [team.id],
        createdBy: null,
      },
      NOW + 1,
    );
    expect(bySeverity).toStrictEqual({
      id: bySeverity.id,
      service: null,
      severities: ['SEV1', 'SEV2'],
      personIds: [],
      teamIds: [team.id],
      createdBy: null,
      createdAt: NOW + 1,
    });
    expect(await rules.byId(byService.id)).toStrictEqual(byService);
    expect(await rules.byId(bySeverity.id + 100)).toBeNull();
    expect(await rules.list()).toStrictEqual([byService, bySeverity]);

    expect(await rules.delete(byService.id)).toBe(true);
    expect(await rules.delete(byService.id)).toBe(false);
    expect(await rules.list()).toStrictEqual([bySeverity]);
    // The deleted rule's targets went with it.
    expect(await countRows(db, 'subscription_rule_targets')).toBe(1);
  });

  it('a rule needs a condition', async () => {
    await expect(
      h().store.rules.create(
        { service: null, severities: null, personIds: [], teamIds: [], createdBy: null },
        NOW,
      ),
    ).rejects.toThrow();
    expect(await h().store.rules.list()).toEqual([]);
  });
});
