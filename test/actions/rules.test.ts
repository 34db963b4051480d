import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ruleMatches } from '../../src/actions/apply-rules.js';
import { declareIncident } from '../../src/actions/declare-incident.js';
import { fromSlackText } from '../../adapters/slack/dialect.js';
import { addRule, listRules, removeRule } from '../../src/actions/manage-rules.js';
import {
  changeStakeholderTeamMembers,
  createStakeholderTeam,
  deleteStakeholderTeam,
  listStakeholderTeams,
} from '../../src/actions/manage-stakeholder-teams.js';
import { subscribeToIncident } from '../../src/actions/subscribe-to-incident.js';
import { executeCommand, type CommandContext, type Reply } from '../../src/commands/execute.js';
import { parseCommand } from '../../src/commands/grammar.js';
import type { Person, Severity, StakeholderTeam } from '../../src/domain/types.js';
import { coreHarness, targets, type CoreHarness } from '../support/core.js';

describe('ruleMatches', () => {
  const incident = (severity: Severity, service: string | null) => ({ severity, service });
  it.each([
    // [rule service, rule severities, incident severity, incident service, matches]
    ['payments', null, 'SEV3', 'payments', true],
    ['payments', null, 'SEV3', 'PayMents', true],
    ['Payments', null, 'SEV1', 'payments', true],
    ['payments', null, 'SEV1', 'checkout', false],
    ['payments', null, 'SEV1', null, false],
    [null, ['SEV1'], 'SEV1', null, true],
    [null, ['SEV1', 'SEV2'], 'SEV2', 'anything', true],
    [null, ['SEV1'], 'SEV3', 'payments', false],
    ['payments', ['SEV1'], 'SEV1', 'payments', true],
    ['payments', ['SEV1'], 'SEV3', 'payments', false],
    ['payments', ['SEV1'], 'SEV1', 'checkout', false],
    // No condition at all never matches: a broken row must not subscribe everyone.
    [null, null, 'SEV1', 'payments', false],
    [null, [], 'SEV1', 'payments', false],
    ['payments', [], 'SEV4', 'payments', true],
  ] as const)(
    'service=%s severities=%j vs %s/%s → %s',
    (service, severities, sev, svc, expected) => {
      expect(
        ruleMatches(
          { service, severities: severities === null ? null : [...severities] },
          incident(sev, svc),
        ),
      ).toBe(expected);
    },
  );
});

let h: CoreHarness;
let admin: Person;
let rita: Person;
let ann: Person;
let cal: Person;
let exec: StakeholderTeam;
beforeEach(async () => {
  h = coreHarness();
  admin = await h.person({ name: 'Ada Admin', role: 'admin', slack: 'UADA' });
  rita = await h.person({ name: 'Rita', role: 'responder', slack: 'URITA' });
  ann = await h.person({ name: 'Ann', slack: 'UANN' });
  cal = await h.person({ name: 'Cal', email: 'cal@corp.example' });
  exec = await createStakeholderTeam(h.ctx, admin, {
    name: 'exec',
    members: targets({ people: [ann, cal] }),
  });
});
afterEach(() => h.close());

const declare = (severity: Severity, service: string | null) =>
  declareIncident(h.ctx, rita, { title: 'Checkout errors', severity, service, source: 'slack' });
const subscribedTo = (incidentId: number) =>
  h.db.sqlite
    .prepare(
      `SELECT p.display_name AS person, d.channel FROM deliveries d
         JOIN people p ON p.id = d.person_id JOIN notification_events e ON e.id = d.event_id
        WHERE e.kind = 'subscribed' AND e.incident_id = ? ORDER BY p.display_name`,
    )
    .all(incidentId);
const audit = (action: string) =>
  h.db.sqlite
    .prepare('SELECT actor_id, incident_id, detail FROM audit_log WHERE action = ? ORDER BY id')
    .all(action) as Array<{ actor_id: number | null; incident_id: number | null; detail: string }>;

describe('managing rules', () => {
  it('adds, lists and removes rules; severities are deduplicated in canonical order', async () => {
    const r1 = await addRule(h.ctx, admin, {
      service: 'payments',
      severities: ['SEV2', 'SEV1', 'SEV2'],
      targets: targets({ teams: [exec] }),
    });
    const r2 = await addRule(h.ctx, admin, {
      severities: ['SEV1'],
      targets: targets({ people: [ann] }),
    });
    expect(r1).toMatchObject({ service: 'payments', severities: ['SEV1', 'SEV2'], teams: [exec] });
    expect((await listRules(h.ctx, admin)).map((r) => r.id)).toEqual([r1.id, r2.id]);
    expect((await removeRule(h.ctx, admin, r1.id)).id).toBe(r1.id);
    expect((await listRules(h.ctx, admin)).map((r) => r.id)).toEqual([r2.id]);
    expect(audit('rule.added')).toHaveLength(2);
    expect(audit('rule.removed')).toHaveLength(1);
  });

  it('needs a condition and a target; an unknown rule is an error', async () => {
    await expect(addRule(h.ctx, admin, { targets: targets({ people: [ann] }) })).rejects.toThrow(
      expect.objectContaining({ code: 'INVALID_INPUT', field: 'service' }),
    );
    await expect(
      addRule(h.ctx, admin, { severities: [], targets: targets({ people: [ann] }) }),
    ).rejects.toThrow(expect.objectContaining({ code: 'INVALID_INPUT', field: 'service' }));
    await expect(
      addRule(h.ctx, admin, { service: 'payments', targets: targets({}) }),
    ).rejects.toThrow(expect.objectContaining({ code: 'INVALID_INPUT', field: 'targets' }));
    await expect(removeRule(h.ctx, admin, 99)).rejects.toThrow(
      expect.objectContaining({ code: 'INVALID_INPUT', field: 'rule' }),
    );
    expect(await listRules(h.ctx, admin)).toEqual([]);
  });

  it('is for admins only', async () => {
    const to = targets({ people: [ann] });
    await expect(addRule(h.ctx, rita, { service: 'payments', targets: to })).rejects.toThrow(
      expect.objectContaining({ code: 'FORBIDDEN' }),
    );
    await expect(listRules(h.ctx, rita)).rejects.toThrow(
      expect.objectContaining({ code: 'FORBIDDEN' }),
    );
    const rule = await addRule(h.ctx, admin, { service: 'payments', targets: to });
    await expect(removeRule(h.ctx, rita, rule.id)).rejects.toThrow(
      expect.objectContaining({ code: 'FORBIDDEN' }),
    );
  });
});

describe('applying rules on declare', () => {
  it('subscribes team exec to SEV1 payments incidents and tells its members; not SEV3 ones', async () => {
    const rule = await addRule(h.ctx, admin, {
      service: 'payments',
      severities: ['SEV1'],
      targets: targets({ teams: [exec] }),
    });
    const wakes = h.wakes;
    const sev1 = await declare('SEV1', 'Payments');
    expect(sev1.rules?.map((r) => r.ruleId)).toEqual([rule.id]);
    expect(h.wakes).toBe(wakes + 1);
    expect(subscribedTo(sev1.incident.id)).toEqual([
      { person: 'Ann', channel: 'slack' },
      { person: 'Cal', channel: 'email' },
    ]);
    expect(await h.ctx.store.subscriptions.list(sev1.incident.id)).toEqual([
      expect.objectContaining({ teamId: exec.id, addedBy: admin.id }),
    ]);
    expect(audit('rule.applied')).toEqual([
      expect.objectContaining({ actor_id: admin.id, incident_id: sev1.incident.id }),
    ]);
    expect(JSON.parse(audit('rule.applied')[0]!.detail)).toMatchObject({ ruleId: rule.id });

    const sev3 = await declare('SEV3', 'payments');
    expect(sev3.rules).toEqual([]);
    expect(subscribedTo(sev3.incident.id)).toEqual([]);
    expect(await h.ctx.store.subscriptions.list(sev3.incident.id)).toEqual([]);
  });

  it('someone reached by two rules is told once; a team joined later is live', async () => {
    await addRule(h.ctx, admin, { service: 'payments', targets: targets({ people: [ann] }) });
    await addRule(h.ctx, admin, { severities: ['SEV2'], targets: targets({ teams: [exec] }) });
    const { incident, rules } = await declare('SEV2', 'payments');
    expect(rules?.map((r) => r.newlyNotified)).toEqual([1, 1]);
    expect(subscribedTo(incident.id)).toEqual([
      { person: 'Ann', channel: 'slack' },
      { person: 'Cal', channel: 'email' },
    ]);
    // Re-subscribing by hand sends nothing new.
    await subscribeToIncident(h.ctx, rita, {
      incidentId: incident.id,
      targets: targets({ people: [ann], teams: [exec] }),
    });
    expect(subscribedTo(incident.id)).toHaveLength(2);
  });

  it('a replayed externalKey applies no rule again; a rule whose targets are gone does nothing', async () => {
    await addRule(h.ctx, admin, { service: 'payments', targets: targets({ teams: [exec] }) });
    const input = {
      title: 'x',
      service: 'payments',
      source: 'api',
      externalKey: 'k1',
    } as const;
    const first = await declareIncident(h.ctx, rita, input);
    const again = await declareIncident(h.ctx, rita, input);
    expect(again).toEqual({ incident: first.incident, created: false });
    expect(subscribedTo(first.incident.id)).toHaveLength(2);
    await deleteStakeholderTeam(h.ctx, admin, 'exec');
    const later = await declare('SEV1', 'payments');
    expect(later.rules).toEqual([]);
    expect(await h.ctx.store.subscriptions.list(later.incident.id)).toEqual([]);
  });

  it('a failing rule application rolls the declaration back', async () => {
    await addRule(h.ctx, admin, { service: 'payments', targets: targets({ people: [ann] }) });
    h.db.sqlite.exec(`CREATE TRIGGER no_subs BEFORE INSERT ON subscriptions
      BEGIN SELECT RAISE(ABORT, 'boom'); END`);
    await expect(declare('SEV1', 'payments')).rejects.toThrow(/boom/);
    expect(h.db.sqlite.prepare('SELECT count(*) AS n FROM incidents').get()).toEqual({ n: 0 });
  });

  it('team membership is read when the rule applies', async () => {
    await addRule(h.ctx, admin, { service: 'payments', targets: targets({ teams: [exec] }) });
    const dee = await h.person({ name: 'Dee', email: 'dee@corp.example' });
    await changeStakeholderTeamMembers(h.ctx, admin, {
      team: 'exec',
      add: targets({ people: [dee] }),
    });
    const { incident } = await declare('SEV4', 'payments');
    expect(subscribedTo(incident.id).map((d) => (d as { person: string }).person)).toEqual([
      'Ann',
      'Cal',
      'Dee',
    ]);
  });
});

describe('rule commands', () => {
  let ctx: CommandContext;
  beforeEach(() => {
    ctx = h.ctx;
  });
  /** Command text as Slack sends it, through the Slack dialect. */
  const run = (actor: Person, text: string): Promise<Reply> =>
    executeCommand(ctx, actor, parseCommand('stakeholders', fromSlackText(text)), 'slack');
  const say = async (actor: Person, text: string) => {
    const reply = await run(actor, text);
    if (reply.kind !== 'text') throw new Error(`expected text, got form ${reply.form}`);
    return reply.text;
  };

  it('an admin adds, lists and removes rules', async () => {
    expect(await say(admin, 'rule list')).toMatch(/^No auto-subscription rules yet\./);
    expect(await say(admin, 'rule add team:exec when service=payments severity=SEV1')).toBe(
      'Rule 1 added: SEV1 incidents of service payments → team:exec.',
    );
    expect(await say(admin, 'rule add <@UANN>, boss@corp.example when severity=sev2,SEV1')).toBe(
      'Rule 2 added: SEV1 or SEV2 incidents → Ann, boss@corp.example.',
    );
    expect(await say(admin, 'rule add team:exec when service=checkout')).toBe(
      'Rule 3 added: incidents of service checkout → team:exec.',
    );
    expect(await say(admin, 'rule list')).toBe(
      [
        'Auto-subscription rules:',
        '• 1: SEV1 incidents of service payments → team:exec',
        '• 2: SEV1 or SEV2 incidents → Ann, boss@corp.example',
        '• 3: incidents of service checkout → team:exec',
      ].join('\n'),
    );
    expect(await say(admin, 'rule remove 3')).toBe(
      'Rule 3 removed: incidents of service checkout → team:exec.',
    );
    await expect(run(admin, 'rule remove 3')).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    // The rules form carries the rules left and the teams a new rule may name.
    const form = await run(admin, 'rules');
    expect(form).toEqual({
      kind: 'form',
      form: 'rules',
      rules: await listRules(h.ctx, admin),
      teams: await listStakeholderTeams(h.ctx, admin),
    });
    expect(form.kind === 'form' && form.form === 'rules' && form.rules.map((r) => r.id)).toEqual([
      1, 2,
    ]);
    expect(form.kind === 'form' && form.form === 'rules' && form.teams.map((t) => t.name)).toEqual([
      'exec',
    ]);
    // The rules from the commands work: a SEV1 payments incident reaches exec (rule 1) and
    // Ann and boss (rule 2), Ann once.
    const { incident } = await declare('SEV1', 'payments');
    expect(subscribedTo(incident.id)).toEqual([
      { person: 'Ann', channel: 'slack' },
      { person: 'Cal', channel: 'email' },
      { person: 'boss@corp.example', channel: 'email' },
    ]);
  });

  it('a responder is refused, and nothing is written (not even an email-only person)', async () => {
    const people = () => h.db.sqlite.prepare('SELECT count(*) AS n FROM people').get();
    const before = people();
    for (const text of [
      'rules',
      'rule list',
      'rule add new@corp.example when service=payments',
      'rule remove 1',
    ]) {
      await expect(run(rita, text)).rejects.toMatchObject({ code: 'FORBIDDEN' });
    }
    expect(people()).toEqual(before);
    expect(await listRules(h.ctx, admin)).toEqual([]);
  });

  it('an unknown team fails the whole command, rolling back people it created', async () => {
    const people = () => h.db.sqlite.prepare('SELECT count(*) AS n FROM people').get();
    const before = people();
    await expect(
      run(admin, 'rule add new@corp.example team:nope when service=payments'),
    ).rejects.toMatchObject({ code: 'TEAM_NOT_FOUND' });
    expect(people()).toEqual(before);
    expect(await listRules(h.ctx, admin)).toEqual([]);
  });
});
