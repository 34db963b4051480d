import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { executeCommand, type CommandContext, type Reply } from '../../src/commands/execute.js';
import { parseCommand } from '../../src/commands/grammar.js';
import type { Person } from '../../src/domain/types.js';
import { isHeraldError } from '../../src/errors.js';
import { coreHarness, type CoreHarness } from '../support/core.js';

let h: CoreHarness;
let ctx: CommandContext;
let admin: Person;
let rita: Person;
let guest: Person;

beforeEach(() => {
  h = coreHarness();
  admin = h.person({ name: 'Ada', role: 'admin', slack: 'UADA' });
  rita = h.person({ name: 'Rita', role: 'responder', slack: 'URITA' });
  guest = h.person({ name: 'Gus', slack: 'UGUS', email: 'gus@partner.example' });
  ctx = {
    ...h.ctx,
    directory: {
      // Stands in for Slack's users.info: the executor meets unknown users through it.
      slackUser: (userId) =>
        Promise.resolve(
          userId === 'UNEW'
            ? {
                userId,
                displayName: 'Nina',
                email: 'nina@corp.example',
                isGuest: true,
                isBot: false,
                deleted: false,
              }
            : null,
        ),
    },
  };
});
afterEach(() => h.close());

async function run(actor: Person, root: 'incident' | 'stakeholders', text: string): Promise<Reply> {
  return executeCommand(ctx, actor, parseCommand(root, text), 'slack');
}
const say = async (actor: Person, root: 'incident' | 'stakeholders', text: string) => {
  const reply = await run(actor, root, text);
  if (reply.kind !== 'text') throw new Error(`expected text, got modal ${reply.modal}`);
  return reply.text;
};
const counts = () =>
  h.db.$client
    .prepare(
      `SELECT (SELECT count(*) FROM incidents) i, (SELECT count(*) FROM subscriptions) s,
              (SELECT count(*) FROM status_updates) u, (SELECT count(*) FROM deliveries) d,
              (SELECT count(*) FROM stakeholder_teams) t, (SELECT count(*) FROM people) p,
              (SELECT count(*) FROM opt_outs) o, (SELECT count(*) FROM subscription_rules) r`,
    )
    .get();

describe('the responder flow through the one grammar', () => {
  it('declares, summarises, subscribes people, a team and an email, updates and resolves', async () => {
    expect(await say(rita, 'incident', 'new Checkout errors for EU customers')).toMatch(
      /^Declared #1 Checkout errors for EU customers — SEV3 · open\./,
    );
    expect(await say(rita, 'incident', 'summary 1 Some customers cannot pay')).toBe(
      'Stakeholder summary of #1 set.',
    );
    await say(admin, 'stakeholders', 'team create exec Executives');
    expect(await say(admin, 'stakeholders', 'team add exec <@UGUS> cfo@corp.example')).toBe(
      'Added 2 members to team:exec.',
    );
    expect(
      await say(
        rita,
        'incident',
        'subscribe #1 team:exec, <@UNEW|nina> <mailto:pr@partner.example|pr@partner.example>',
      ),
    ).toBe('Subscribed 4 people (2 via team:exec) to #1; notified 2 by Slack, 2 by email.');
    expect(await say(rita, 'incident', 'update 1 rolling back the deploy')).toBe(
      'Internal update added to #1 (stakeholders not notified).',
    );
    expect(await say(rita, 'incident', 'notify 1 A fix is rolling out')).toBe(
      'Update sent to stakeholders of #1: notified 2 by Slack, 2 by email.',
    );
    expect(await say(rita, 'incident', 'resolve 1 Rolled back')).toBe(
      'Resolved #1; notified 2 by Slack, 2 by email.',
    );
    await expect(run(rita, 'incident', 'resolve 1')).rejects.toMatchObject({
      code: 'ALREADY_RESOLVED',
    });
    const status = await say(rita, 'incident', 'stakeholders 1');
    expect(status).toMatch(/^Stakeholders of #1 \(4 people\):/);
    expect(status).toContain('Nina <nina@corp.example> — via direct — Slack pending');
    expect(status).toContain('cfo@corp.example — via team:exec — email pending');
  });

  it('opens modals where a command has no arguments', async () => {
    await say(rita, 'incident', 'new Outage');
    expect(await run(rita, 'incident', 'new')).toMatchObject({ kind: 'modal', modal: 'declare' });
    expect(await run(rita, 'incident', 'subscribe 1')).toMatchObject({
      kind: 'modal',
      modal: 'subscribe',
      incident: { id: 1 },
    });
    expect(await run(rita, 'incident', 'update 1')).toMatchObject({
      kind: 'modal',
      modal: 'update',
      audience: { people: 0 },
    });
    expect(await run(admin, 'stakeholders', 'teams')).toEqual({ kind: 'modal', modal: 'teams' });
    expect(await run(guest, 'stakeholders', 'prefs')).toMatchObject({
      kind: 'modal',
      modal: 'preferences',
    });
  });

  it('a stakeholder sees only their incidents and cannot act on others', async () => {
    await say(rita, 'incident', 'new Hidden one');
    await say(rita, 'incident', 'new Visible one');
    await say(rita, 'incident', 'subscribe 2 <@UGUS>');
    expect(await say(guest, 'incident', 'list')).toBe(
      'Your incidents:\n• #2 Visible one — SEV3 · open',
    );
    await expect(run(guest, 'incident', 'show 1')).rejects.toMatchObject({
      code: 'INCIDENT_NOT_FOUND',
      message: 'Incident #1 not found.',
    });
    await expect(run(guest, 'incident', 'show 77')).rejects.toMatchObject({
      code: 'INCIDENT_NOT_FOUND',
      message: 'Incident #77 not found.',
    });
    await expect(run(guest, 'incident', 'new Mine')).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(run(guest, 'incident', 'new')).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(run(guest, 'stakeholders', 'teams')).rejects.toMatchObject({ code: 'FORBIDDEN' });
    expect(await say(guest, 'incident', 'unsubscribe 2 gus@partner.example')).toBe(
      'Removed 1 subscription from #2.',
    );
  });

  it('admins set roles and preferences', async () => {
    expect(await say(admin, 'stakeholders', 'role <@URITA> admin')).toBe('Rita is now an admin.');
    expect(await say(admin, 'stakeholders', 'prefs set email gus@partner.example')).toBe(
      'Gus <gus@partner.example> is told by email.',
    );
    await expect(
      run(rita === admin ? guest : guest, 'stakeholders', 'role <@URITA> stakeholder'),
    ).rejects.toMatchObject({
      code: 'FORBIDDEN',
    });
  });

  it('names an unknown Slack user instead of guessing', async () => {
    await say(rita, 'incident', 'new Outage');
    await expect(run(rita, 'incident', 'subscribe 1 <@UGHOST>')).rejects.toMatchObject({
      code: 'PERSON_NOT_FOUND',
    });
  });
});

describe('bad input changes nothing', () => {
  it.each([
    ['incident', 'subscribe'],
    ['incident', 'subscribe abc <@UGUS>'],
    ['incident', 'subscribe 1 @gus'],
    ['incident', 'notify 1'],
    ['incident', 'resolve #x'],
    ['incident', 'frobnicate 1'],
    ['stakeholders', 'team create'],
    ['stakeholders', 'team add exec'],
    ['stakeholders', 'prefs set pigeon'],
    ['stakeholders', 'role <@UGUS> overlord'],
  ] as const)('/%s %s → usage, nothing written', async (root, text) => {
    await say(admin, 'stakeholders', 'team create exec');
    await say(rita, 'incident', 'new Outage');
    const before = counts();
    const error = await (async () => {
      try {
        await run(rita, root, text);
      } catch (err) {
        return err;
      }
      return null;
    })();
    expect(isHeraldError(error) && error.code).toBe('USAGE');
    expect((error as Error).message).toMatch(/Usage|help/);
    expect(counts()).toEqual(before);
  });

  it.each([
    ['incident', 'subscribe 1 team:nosuch'],
    ['incident', 'notify 99 hello'],
    ['stakeholders', 'team create exec'],
  ] as const)('/%s %s → a coded error, nothing written', async (root, text) => {
    await say(admin, 'stakeholders', 'team create exec');
    await say(rita, 'incident', 'new Outage');
    const before = counts();
    await expect(run(admin, root, text)).rejects.toSatisfy(isHeraldError);
    expect(counts()).toEqual(before);
  });
});

describe('validation replies name the input and repeat the usage line (issue 12, item 8)', () => {
  // `…N` in a command stands for N characters of text.
  const long = (n: number) => 'x'.repeat(n);
  it.each([
    [
      'incident',
      'notify 1 …3001',
      'Update text must be at most 3000 characters. Usage: /incident notify <id> <text>',
    ],
    [
      'incident',
      'update 1 …3001',
      'Update text must be at most 3000 characters. Usage: /incident update <id> [text]',
    ],
    ['incident', 'new …201', 'Title must be at most 200 characters. Usage: /incident new [title]'],
    [
      'incident',
      'summary 1 …3001',
      'Summary must be at most 3000 characters. Usage: /incident summary <id> <text>',
    ],
    [
      'incident',
      'resolve 1 …3001',
      'Resolution note must be at most 3000 characters. Usage: /incident resolve <id> [note]',
    ],
    [
      'stakeholders',
      'team create ops …501',
      'Description must be at most 500 characters. Usage: /stakeholders team create <name> [description]',
    ],
    [
      'stakeholders',
      'team create bad!name',
      '`bad!name` is not a team name (letters, digits, `.`, `_`, `-`; at most 64). Usage: /stakeholders team create <name> [description]',
    ],
  ] as const)('/%s %s', async (root, shown, message) => {
    const text = shown.replace(/…(\d+)/, (_all, n: string) => long(Number(n)));
    await say(rita, 'incident', 'new Outage');
    const before = counts();
    const error = await run(admin, root, text).then(
      () => null,
      (err: unknown) => err,
    );
    expect(isHeraldError(error) && error.message).toBe(message);
    expect(counts()).toEqual(before);
  });
});

describe('refused commands leave no trace', () => {
  it.each([
    ['stakeholders', 'prefs set email nobody@x.example'],
    ['stakeholders', 'prefs typo@x.example'],
    ['stakeholders', 'role <@UNEW> admin'],
    ['stakeholders', 'team add exec <@UNEW> new@x.example'],
    ['incident', 'subscribe 1 <@UNEW> new@x.example'],
    ['incident', 'subscribe 99 <@UNEW>'],
    ['incident', 'unsubscribe 1 <@UNEW>'],
  ] as const)(
    'a stakeholder running /%s %s is refused and nobody is created',
    async (root, text) => {
      await say(admin, 'stakeholders', 'team create exec');
      await say(rita, 'incident', 'new Outage');
      const before = counts();
      await expect(run(guest, root, text)).rejects.toSatisfy(isHeraldError);
      expect(counts()).toEqual(before);
    },
  );

  it('a stakeholder may still name themselves', async () => {
    expect(await say(guest, 'stakeholders', 'prefs set email gus@partner.example')).toBe(
      'Gus <gus@partner.example> is told by email.',
    );
  });
});

describe('atomic commands', () => {
  it('a subscribe that fails on a later target leaves no email-only person behind', async () => {
    await say(rita, 'incident', 'new Outage');
    const people = () => h.db.$client.prepare('SELECT count(*) AS n FROM people').get();
    const before = people();
    await expect(
      run(rita, 'incident', 'subscribe 1 new@x.example team:nosuch'),
    ).rejects.toMatchObject({ code: 'TEAM_NOT_FOUND' });
    expect(people()).toEqual(before);
  });
});
