import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fromSlackText } from '../../adapters/slack/dialect.js';
import {
  runChatMessage,
  runCommandText,
  type CommandContext,
  type Reply,
} from '../../src/commands/execute.js';
import * as replies from '../../src/commands/replies.js';
import { plainInput } from '../../src/commands/types.js';
import type { Person } from '../../src/domain/types.js';
import { isHeraldError } from '../../src/errors.js';
import { coreHarness, type CoreHarness } from '../support/core.js';

let h: CoreHarness;
let ctx: CommandContext;
let admin: Person;
let rita: Person;
let guest: Person;

beforeEach(async () => {
  h = coreHarness();
  admin = await h.person({ name: 'Ada', role: 'admin', slack: 'UADA' });
  rita = await h.person({ name: 'Rita', role: 'responder', slack: 'URITA' });
  guest = await h.person({ name: 'Gus', slack: 'UGUS', email: 'gus@partner.example' });
  ctx = {
    ...h.ctx,
    directory: {
      // Stands in for Slack's users.info: the actions meet unknown users through it.
      profile: (platform, userId) =>
        Promise.resolve(
          platform === 'slack' && userId === 'UNEW'
            ? {
                platform: 'slack',
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

/** A slash command as Slack sends it: through the Slack dialect, the one grammar and the table. */
async function run(actor: Person, root: 'incident' | 'stakeholders', text: string): Promise<Reply> {
  return runCommandText(ctx, actor, root, fromSlackText(text), 'slack');
}
const textOf = (reply: Reply) => {
  if (reply.kind !== 'text') throw new Error(`expected text, got form ${reply.form}`);
  return reply.text;
};
const say = async (actor: Person, root: 'incident' | 'stakeholders', text: string) =>
  textOf(await run(actor, root, text));
const counts = () =>
  h.db.sqlite
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

  it('opens forms where a command has no arguments', async () => {
    await say(rita, 'incident', 'new Outage');
    expect(await run(rita, 'incident', 'new')).toEqual({
      kind: 'form',
      form: 'declare',
      title: null,
    });
    expect(await run(rita, 'incident', 'subscribe 1')).toMatchObject({
      kind: 'form',
      form: 'subscribe',
      incident: { id: 1 },
      teams: [],
    });
    expect(await run(rita, 'incident', 'update 1')).toMatchObject({
      kind: 'form',
      form: 'update',
      incident: { id: 1 },
      audience: { people: 0 },
    });
    expect(await run(admin, 'stakeholders', 'teams')).toEqual({
      kind: 'form',
      form: 'stakeholder-teams',
      teams: [],
    });
    expect(await run(guest, 'stakeholders', 'prefs')).toMatchObject({
      kind: 'form',
      form: 'preferences',
      preferences: { person: { id: guest.id }, channels: ['slack'], explicit: false },
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
      'Saved. Gus <gus@partner.example> is told by email.',
    );
    await expect(
      run(rita === admin ? guest : guest, 'stakeholders', 'role <@URITA> stakeholder'),
    ).rejects.toMatchObject({
      code: 'FORBIDDEN',
    });
  });

  it('titles the replies a Slack modal shows when it is done', async () => {
    expect(await run(rita, 'incident', 'new Outage')).toMatchObject({
      kind: 'text',
      title: 'Declared #1',
    });
    expect(await run(rita, 'incident', 'subscribe 1 <@UGUS>')).toMatchObject({
      title: 'Subscribed to #1',
    });
    expect(await run(rita, 'incident', 'update 1 digging')).toMatchObject({
      title: 'Update on #1',
    });
    expect(await run(rita, 'incident', 'notify 1 fixed')).toMatchObject({ title: 'Update on #1' });
    expect(await run(rita, 'incident', 'resolve 1')).toMatchObject({ title: 'Resolved #1' });
    expect(await run(guest, 'stakeholders', 'prefs set email')).toMatchObject({
      title: 'Channels saved',
    });
    expect(
      await run(admin, 'stakeholders', 'rule add <@UGUS> when service=payments'),
    ).toMatchObject({ title: 'Rule added' });
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
      'Saved. Gus <gus@partner.example> is told by email.',
    );
  });
});

describe('atomic commands', () => {
  it('a subscribe that fails on a later target leaves no email-only person behind', async () => {
    await say(rita, 'incident', 'new Outage');
    const people = () => h.db.sqlite.prepare('SELECT count(*) AS n FROM people').get();
    const before = people();
    await expect(
      run(rita, 'incident', 'subscribe 1 new@x.example team:nosuch'),
    ).rejects.toMatchObject({ code: 'TEAM_NOT_FOUND' });
    expect(people()).toEqual(before);
  });
});

describe('a personal chat: the personal commands and, for responders, the slash grammar', () => {
  /** A message typed in a Teams personal chat (no markup to decode). */
  const chat = (actor: Person, text: string) =>
    runChatMessage(ctx, actor, plainInput(text), 'teams');
  const answer = async (actor: Person, text: string) => textOf(await chat(actor, text));
  const refusal = async (actor: Person, text: string) => {
    try {
      await chat(actor, text);
    } catch (err) {
      if (isHeraldError(err)) return err;
      throw err;
    }
    throw new Error(`expected ${text} to be refused`);
  };

  /** Two incidents; the guest follows only the first, which has one internal and one stakeholder update. */
  async function twoIncidents() {
    await say(rita, 'incident', 'new Checkout errors');
    await say(rita, 'incident', 'new Secret merger outage');
    await say(rita, 'incident', 'subscribe 1 <@UGUS>');
    await say(rita, 'incident', 'update 1 Internal: db failover');
    await say(rita, 'incident', 'notify 1 Fix deployed');
  }

  it('help lists the personal commands; a responder also hears about the slash grammar', async () => {
    const help = await answer(guest, 'help');
    expect(help).toBe(replies.personalHelp(false));
    for (const c of ['incidents', 'incident <id>', 'preferences', 'unsubscribe <id>']) {
      expect(help).toContain(c);
    }
    expect(help).not.toContain('responder');
    expect(await answer(guest, '')).toBe(help);
    const responderHelp = await answer(rita, 'help');
    expect(responderHelp).toBe(replies.personalHelp(true));
    expect(responderHelp).toContain('incident notify <id> <text>');
  });

  it('incidents and incident <id> show only what the stakeholder follows; not subscribed reads as never used', async () => {
    await twoIncidents();
    const list = await answer(guest, 'incidents');
    expect(list).toContain('Checkout errors');
    expect(list).not.toContain('merger');

    const details = await answer(guest, 'incident 1');
    expect(details).toContain('Fix deployed');
    expect(details).not.toContain('db failover');
    expect(await answer(guest, 'incident #1')).toBe(details);

    const hidden = await refusal(guest, 'incident 2');
    const never = await refusal(guest, 'incident 999');
    expect(hidden.code).toBe('INCIDENT_NOT_FOUND');
    expect(hidden.message).not.toContain('merger');
    expect(hidden.message.replace('2', 'N')).toBe(never.message.replace('999', 'N'));
    expect(hidden.message).toContain('not found');
    // Unsubscribing from it answers the same way.
    const leaveHidden = await refusal(guest, 'unsubscribe 2');
    const leaveNever = await refusal(guest, 'unsubscribe 999');
    expect(leaveHidden.code).toBe('INCIDENT_NOT_FOUND');
    expect(leaveHidden.message.replace('2', 'N')).toBe(leaveNever.message.replace('999', 'N'));
  });

  it('unsubscribe <id> stops the notifications for that incident', async () => {
    await twoIncidents();
    expect(await answer(guest, 'unsubscribe 1')).toBe('You will no longer hear about #1.');
    expect(await answer(guest, 'incidents')).toBe('You are not subscribed to any open incident.');
    const before = h.deliveries().filter((d) => d.person === 'Gus').length;
    await say(rita, 'incident', 'notify 1 All good');
    expect(h.deliveries().filter((d) => d.person === 'Gus')).toHaveLength(before);
  });

  it('preferences opens the preferences form for the sender', async () => {
    expect(await chat(guest, 'preferences')).toMatchObject({
      kind: 'form',
      form: 'preferences',
      preferences: { person: { id: guest.id } },
    });
  });

  it('a responder uses the /incident grammar as plain messages', async () => {
    await twoIncidents();
    expect(await answer(rita, 'incident notify 1 Payments are flowing again')).toBe(
      'Update sent to stakeholders of #1: notified 1 by Slack.',
    );
    expect(await answer(rita, '/incident new Search is slow')).toContain(
      'Declared #3 Search is slow',
    );
    expect(await answer(rita, 'incident list')).toContain('Secret merger outage');
    expect(await answer(rita, 'Stakeholders team list')).toMatch(/^No stakeholder teams yet\./);
    const usage = await refusal(rita, 'incident notify soon');
    expect(usage.code).toBe('USAGE');
    expect(usage.message).toMatch(/not an incident number.*Usage/s);
    expect(await refusal(rita, 'incident resolve 999')).toMatchObject({
      code: 'INCIDENT_NOT_FOUND',
      message: 'Incident #999 not found.',
    });
  });

  it("a stakeholder's slash grammar is refused with the personal commands, and changes nothing", async () => {
    const before = counts();
    expect(await answer(guest, 'incident new Everything is down')).toBe(replies.respondersOnlyText);
    expect(await answer(guest, 'stakeholders team list')).toBe(replies.respondersOnlyText);
    expect(await answer(guest, 'incident list')).toBe(replies.respondersOnlyText);
    expect(replies.respondersOnlyText).toContain('Only responders');
    expect(counts()).toEqual(before);
  });

  it('malformed personal commands answer with their usage; anything else points to help', async () => {
    const soon = await refusal(guest, 'unsubscribe soon');
    expect(soon.code).toBe('USAGE');
    expect(soon.message).toMatch(/not an incident number.*Usage: unsubscribe <id>/s);
    expect((await refusal(guest, 'unsubscribe')).message).toMatch(/missing.*Usage/s);
    const unknown = await refusal(guest, 'what is going on');
    expect(unknown.code).toBe('USAGE');
    expect(unknown.message).toContain('Type help');
  });
});
