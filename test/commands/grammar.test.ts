import type { Activity } from 'botbuilder';
import { describe, expect, it } from 'vitest';
import { fromSlackText } from '../../adapters/slack/dialect.js';
import { fromTeamsActivity } from '../../adapters/teams/dialect.js';
import { HeraldError } from '../../src/errors.js';
import {
  isSlashGrammar,
  parseChatMessage,
  parseCommand,
  parseIncidentId,
  parseTargets,
} from '../../src/commands/grammar.js';
import {
  MENTION,
  plainInput,
  type Command,
  type CommandInput,
  type CommandRoot,
  type IncidentCommand,
  type Mention,
  type StakeholdersCommand,
  type Target,
} from '../../src/commands/types.js';
import { INCIDENT_HELP, STAKEHOLDERS_HELP, usageFor } from '../../src/commands/usage.js';

/**
 * The grammar reads neutral input. The tables below are typed as Slack sends them and go through
 * the Slack dialect (`fromSlackText`), as the Slack door does; text without Slack markup must read
 * the same as plain text.
 */
const slack = (text: string): CommandInput => fromSlackText(text);
const hasSlackMarkup = (text: string) => /[<&]/.test(text);

const bob: Target = { kind: 'user', platform: 'slack', userId: 'U123ABC' };
const ann: Target = { kind: 'user', platform: 'slack', userId: 'W0ANN' };
const exec: Target = { kind: 'team', name: 'exec' };
const mail: Target = { kind: 'email', email: 'ceo@corp.example' };
const MAILTO = '<mailto:CEO@Corp.example|CEO@Corp.example>';

const incident: Array<[string, IncidentCommand]> = [
  ['', { root: 'incident', name: 'help' }],
  ['   ', { root: 'incident', name: 'help' }],
  ['help', { root: 'incident', name: 'help' }],
  ['HELP', { root: 'incident', name: 'help' }],
  ['new', { root: 'incident', name: 'new', title: null }],
  ['new   Checkout is down  ', { root: 'incident', name: 'new', title: 'Checkout is down' }],
  ['New Q&amp;A &lt;slow&gt;', { root: 'incident', name: 'new', title: 'Q&A <slow>' }],
  ['list', { root: 'incident', name: 'list' }],
  ['show 42', { root: 'incident', name: 'show', id: 42 }],
  ['show #42', { root: 'incident', name: 'show', id: 42 }],
  ['Show #2147483647', { root: 'incident', name: 'show', id: 2147483647 }],
  ['42', { root: 'incident', name: 'show', id: 42 }],
  ['#7', { root: 'incident', name: 'show', id: 7 }],
  [
    'summary #42 Card payments  fail\n  for EU',
    { root: 'incident', name: 'summary', id: 42, text: 'Card payments  fail\n  for EU' },
  ],
  ['subscribe 42', { root: 'incident', name: 'subscribe', id: 42, targets: [] }],
  ['subscribe 42 <@U123ABC>', { root: 'incident', name: 'subscribe', id: 42, targets: [bob] }],
  [
    'subscribe #42 <@U123ABC|bob>,team:exec , ceo@corp.example,<@W0ANN>',
    { root: 'incident', name: 'subscribe', id: 42, targets: [bob, exec, mail, ann] },
  ],
  [
    `subscribe 42 ${MAILTO} <@U123ABC> CEO@CORP.EXAMPLE <@U123ABC|bob> TEAM:Exec team:exec`,
    {
      root: 'incident',
      name: 'subscribe',
      id: 42,
      targets: [mail, bob, { kind: 'team', name: 'Exec' }],
    },
  ],
  ['unsubscribe 42 team:exec', { root: 'incident', name: 'unsubscribe', id: 42, targets: [exec] }],
  ['update 42', { root: 'incident', name: 'update', id: 42, text: null }],
  [
    'update 42 rolled back &amp; watching',
    { root: 'incident', name: 'update', id: 42, text: 'rolled back & watching' },
  ],
  [
    'NOTIFY #42 Fixed.\n\nDetails follow.',
    { root: 'incident', name: 'notify', id: 42, text: 'Fixed.\n\nDetails follow.' },
  ],
  ['resolve 42', { root: 'incident', name: 'resolve', id: 42, note: null }],
  ['resolve 42 bad deploy', { root: 'incident', name: 'resolve', id: 42, note: 'bad deploy' }],
  ['stakeholders #42', { root: 'incident', name: 'stakeholders', id: 42 }],
];

/** `team-edit` comes from the team form only: it has no command line. */
const stakeholders: Array<[string, Exclude<StakeholdersCommand, { name: 'team-edit' }>]> = [
  ['', { root: 'stakeholders', name: 'help' }],
  ['help', { root: 'stakeholders', name: 'help' }],
  ['teams', { root: 'stakeholders', name: 'teams' }],
  ['team list', { root: 'stakeholders', name: 'team-list' }],
  ['Team LIST', { root: 'stakeholders', name: 'team-list' }],
  ['team show exec', { root: 'stakeholders', name: 'team-show', team: 'exec' }],
  ['team show team:Exec', { root: 'stakeholders', name: 'team-show', team: 'Exec' }],
  [
    'team create exec',
    { root: 'stakeholders', name: 'team-create', team: 'exec', description: '' },
  ],
  [
    'team create sales-emea  Sales &amp; leadership, EMEA ',
    {
      root: 'stakeholders',
      name: 'team-create',
      team: 'sales-emea',
      description: 'Sales & leadership, EMEA',
    },
  ],
  ['team delete team:exec', { root: 'stakeholders', name: 'team-delete', team: 'exec' }],
  [
    `team add exec <@U123ABC|bob>, ${MAILTO}`,
    { root: 'stakeholders', name: 'team-add', team: 'exec', targets: [bob, mail] },
  ],
  [
    'team remove exec ceo@corp.example',
    { root: 'stakeholders', name: 'team-remove', team: 'exec', targets: [mail] },
  ],
  ['prefs', { root: 'stakeholders', name: 'prefs', target: null }],
  ['prefs <@U123ABC>', { root: 'stakeholders', name: 'prefs', target: bob }],
  ['prefs Ceo@Corp.Example', { root: 'stakeholders', name: 'prefs', target: mail }],
  [
    'prefs set slack',
    { root: 'stakeholders', name: 'prefs-set', channels: ['slack'], target: null },
  ],
  [
    'prefs SET Email,TEAMS,email',
    { root: 'stakeholders', name: 'prefs-set', channels: ['teams', 'email'], target: null },
  ],
  [
    `prefs set slack, email ${MAILTO}`,
    { root: 'stakeholders', name: 'prefs-set', channels: ['slack', 'email'], target: mail },
  ],
  ['role <@U123ABC|bob> Admin', { root: 'stakeholders', name: 'role', target: bob, role: 'admin' }],
  [
    'role ceo@corp.example stakeholder',
    { root: 'stakeholders', name: 'role', target: mail, role: 'stakeholder' },
  ],
  ['rules', { root: 'stakeholders', name: 'rules' }],
  [
    'rule add team:exec when service=payments',
    {
      root: 'stakeholders',
      name: 'rule-add',
      targets: [exec],
      service: 'payments',
      severities: [],
    },
  ],
  [
    'rule add team:exec, <@U123ABC> WHEN severity=sev2, SEV1,sev2',
    {
      root: 'stakeholders',
      name: 'rule-add',
      targets: [exec, bob],
      service: null,
      severities: ['SEV1', 'SEV2'],
    },
  ],
  [
    `rule add ${MAILTO} when severity=SEV1 service=Checkout-API`,
    {
      root: 'stakeholders',
      name: 'rule-add',
      targets: [mail],
      service: 'Checkout-API',
      severities: ['SEV1'],
    },
  ],
  ['rule list', { root: 'stakeholders', name: 'rule-list' }],
  ['rule remove 3', { root: 'stakeholders', name: 'rule-remove', ruleId: 3 }],
];

describe('parseCommand: valid', () => {
  it.each(incident)('/incident %j', (text, expected) => {
    expect(parseCommand('incident', slack(text))).toEqual(expected);
    if (!hasSlackMarkup(text)) expect(parseCommand('incident', plainInput(text))).toEqual(expected);
  });
  it.each(stakeholders)('/stakeholders %j', (text, expected) => {
    expect(parseCommand('stakeholders', slack(text))).toEqual(expected);
    if (!hasSlackMarkup(text)) {
      expect(parseCommand('stakeholders', plainInput(text))).toEqual(expected);
    }
  });
});

const I = (name: Parameters<typeof usageFor<'incident'>>[1]) => usageFor('incident', name);
const S = (name: Parameters<typeof usageFor<'stakeholders'>>[1]) => usageFor('stakeholders', name);

/** [root, text, usage line the message must contain, what the message must also say] */
const invalid: Array<[CommandRoot, string, string, string]> = [
  ['incident', 'frobnicate 42', '/incident help', 'subscribe, unsubscribe'],
  ['incident', 'constructor', '/incident help', 'Unknown subcommand'],
  ['incident', 'list foo', I('list'), '`foo`'],
  ['incident', 'help me', I('help'), '`me`'],
  ['incident', 'show', I('show'), 'Incident number missing'],
  ['incident', 'show 4 5', I('show'), '`5`'],
  ['incident', 'show abc', I('show'), '`abc` is not an incident number'],
  ['incident', 'show 0', I('show'), '`0` is not an incident number'],
  ['incident', 'show -1', I('show'), '`-1` is not an incident number'],
  ['incident', 'show 4.2', I('show'), '`4.2` is not an incident number'],
  ['incident', 'show #', I('show'), '`#` is not an incident number'],
  ['incident', 'show 2147483648', I('show'), 'is not an incident number'],
  ['incident', '#x', I('show'), '`#x` is not an incident number'],
  ['incident', 'summary 42', I('summary'), 'Summary text missing'],
  ['incident', 'summary', I('summary'), 'Incident number missing'],
  ['incident', 'subscribe bob', I('subscribe'), '`bob` is not an incident number'],
  ['incident', 'subscribe 42 @bob', I('subscribe'), '`@bob`'],
  // Slack's own markup reaches the grammar as the words it shows (the Slack dialect), so the
  // error quotes those words.
  ['incident', 'subscribe 42 <!channel>', I('subscribe'), '`@channel` is not a target'],
  ['incident', 'subscribe 42 <#C123|general>', I('subscribe'), '`#general` is not a target'],
  ['incident', 'subscribe 42 team:exec bob', I('subscribe'), '`bob` is not a target'],
  ['incident', 'subscribe 42 <@u123>', I('subscribe'), '`@u123` is not a target'],
  ['incident', 'subscribe 42 a@b', I('subscribe'), '`a@b` is not an email address'],
  ['incident', 'subscribe 42 team:', I('subscribe'), '`team:` is not a team name'],
  ['incident', 'subscribe 42 team:a/b', I('subscribe'), 'is not a team name'],
  ['incident', 'unsubscribe 42', I('unsubscribe'), 'Targets missing'],
  ['incident', 'update', I('update'), 'Incident number missing'],
  ['incident', 'notify 42', I('notify'), 'Update text missing'],
  ['incident', 'notify 42   ', I('notify'), 'Update text missing'],
  ['incident', 'resolve x', I('resolve'), '`x` is not an incident number'],
  ['incident', 'stakeholders 42 all', I('stakeholders'), '`all`'],
  ['incident', `new ${'x'.repeat(4001)}`, '/incident help', 'too long'],
  ['stakeholders', 'frob', '/stakeholders help', 'teams, team, prefs, role, rules, rule'],
  ['stakeholders', 'team-list', '/stakeholders help', 'Unknown subcommand'],
  ['stakeholders', 'teams x', S('teams'), '`x`'],
  ['stakeholders', 'team', S('team'), '`team`'],
  ['stakeholders', 'team frob', S('team'), '`team frob`'],
  ['stakeholders', 'team list x', S('team-list'), '`x`'],
  ['stakeholders', 'team show', S('team-show'), 'Team name missing'],
  ['stakeholders', 'team show a b', S('team-show'), '`b`'],
  ['stakeholders', 'team create', S('team-create'), 'Team name missing'],
  ['stakeholders', 'team create -x', S('team-create'), '`-x` is not a team name'],
  ['stakeholders', 'team delete', S('team-delete'), 'Team name missing'],
  ['stakeholders', 'team add exec', S('team-add'), 'Targets missing'],
  ['stakeholders', 'team add exec bob', S('team-add'), '`bob`'],
  ['stakeholders', 'team remove exec', S('team-remove'), 'Targets missing'],
  ['stakeholders', 'prefs <@U1AB> <@U2CD>', S('prefs'), 'Unexpected `@U2CD`'],
  ['stakeholders', 'prefs team:exec', S('prefs'), 'is a team'],
  ['stakeholders', 'prefs set', S('prefs-set'), 'Channels missing'],
  ['stakeholders', 'prefs set ,', S('prefs-set'), 'No channel given'],
  ['stakeholders', 'prefs set slack,fax', S('prefs-set'), 'Unknown channel `fax`'],
  ['stakeholders', 'prefs set email a@b.example c@d.example', S('prefs-set'), '`c@d.example`'],
  ['stakeholders', 'role', S('role'), 'Person missing'],
  ['stakeholders', 'role <@U123ABC>', S('role'), 'Role missing'],
  ['stakeholders', 'role <@U123ABC> boss', S('role'), '`boss` is not a role'],
  ['stakeholders', 'role team:exec admin', S('role'), '`team:exec` is a team'],
  ['stakeholders', 'role <@U123ABC> admin now', S('role'), '`now`'],
  ['stakeholders', 'rules x', S('rules'), '`x`'],
  ['stakeholders', 'rule', S('rule'), '`rule`'],
  ['stakeholders', 'rule add', S('rule-add'), '`when`'],
  ['stakeholders', 'rule add team:exec service=x', S('rule-add'), '`when` keyword is missing'],
  ['stakeholders', 'rule add when service=x', S('rule-add'), 'at least one target'],
  ['stakeholders', 'rule add team:exec when', S('rule-add'), 'service=<name>'],
  ['stakeholders', 'rule add team:exec when team=x', S('rule-add'), '`team=x`'],
  ['stakeholders', 'rule add team:exec when severity=SEV5', S('rule-add'), '`SEV5`'],
  ['stakeholders', 'rule add team:exec when severity=', S('rule-add'), 'No severity given'],
  ['stakeholders', 'rule add team:exec when service=', S('rule-add'), 'not a service name'],
  ['stakeholders', 'rule add team:exec when service=a service=b', S('rule-add'), '`service=b`'],
  ['stakeholders', 'rule add bob when service=a', S('rule-add'), '`bob`'],
  ['stakeholders', 'rule list all', S('rule-list'), '`all`'],
  ['stakeholders', 'rule remove', S('rule-remove'), 'Rule number missing'],
  ['stakeholders', 'rule remove 0', S('rule-remove'), '`0` is not a rule number'],
  ['stakeholders', 'rule remove two', S('rule-remove'), '`two` is not a rule number'],
];

function usageErrorOf(run: () => unknown): HeraldError {
  try {
    run();
  } catch (e) {
    if (e instanceof HeraldError) return e;
    throw e;
  }
  throw new Error('expected a HeraldError');
}

describe('parseCommand: invalid', () => {
  it.each(invalid)('/%s %j', (root, text, usage, says) => {
    const error = usageErrorOf(() => parseCommand(root, slack(text)));
    expect(error.code).toBe('USAGE');
    expect(error.message).toContain(usage);
    expect(error.message).toContain(says);
  });

  it('puts the usage line after what was wrong', () => {
    expect(usageErrorOf(() => parseCommand('incident', plainInput('show'))).message).toBe(
      'Incident number missing. Usage: /incident show <id>',
    );
  });

  it('does not echo a huge token back', () => {
    const error = usageErrorOf(() =>
      parseCommand('incident', plainInput(`subscribe 42 ${'x'.repeat(3000)}`)),
    );
    expect(error.message.length).toBeLessThan(200);
  });
});

describe('parseChatMessage: a personal chat', () => {
  const P = { root: 'personal' } as const;
  const cases: Array<[string, Command]> = [
    // The slash grammar without its slash (or with it).
    ['incident notify 42 hello', { root: 'incident', name: 'notify', id: 42, text: 'hello' }],
    ['/incident list', { root: 'incident', name: 'list' }],
    ['incident list', { root: 'incident', name: 'list' }],
    ['incident help', { root: 'incident', name: 'help' }],
    ['incident', { root: 'incident', name: 'help' }],
    ['Stakeholders team list', { root: 'stakeholders', name: 'team-list' }],
    ['/STAKEHOLDERS prefs', { root: 'stakeholders', name: 'prefs', target: null }],
    // The personal commands everyone has (they were the Teams door's own parser before).
    ['help', { ...P, name: 'help' }],
    ['HELP', { ...P, name: 'help' }],
    ['/help', { ...P, name: 'help' }],
    ['', { ...P, name: 'help' }],
    ['   ', { ...P, name: 'help' }],
    ['incidents', { ...P, name: 'incidents' }],
    [' Incidents ', { ...P, name: 'incidents' }],
    ['preferences', { ...P, name: 'preferences' }],
    ['incident 42', { ...P, name: 'incident', id: 42 }],
    ['incident #42', { ...P, name: 'incident', id: 42 }],
    ['  Incident #5 ', { ...P, name: 'incident', id: 5 }],
    ['/incident 7', { ...P, name: 'incident', id: 7 }],
    ['unsubscribe 42', { ...P, name: 'unsubscribe', id: 42 }],
    ['Unsubscribe #42', { ...P, name: 'unsubscribe', id: 42 }],
  ];
  it.each(cases)('%j', (text, expected) => {
    expect(parseChatMessage(plainInput(text))).toEqual(expected);
  });

  /** [text, what the message must contain, …] */
  const malformed: Array<[string, ...string[]]> = [
    // A personal command with a bad number answers with its own usage line.
    ['unsubscribe soon', '`soon` is not an incident number.', 'Usage: unsubscribe <id>'],
    ['unsubscribe', 'Incident number missing.', 'Usage: unsubscribe <id>'],
    ['unsubscribe 0', '`0` is not an incident number.', 'Usage: unsubscribe <id>'],
    ['unsubscribe #', '`#` is not an incident number.', 'Usage: unsubscribe <id>'],
    ['incident 0', '`0` is not an incident number.', 'Usage: incident <id>'],
    ['incident 2147483648', 'is not an incident number.', 'Usage: incident <id>'],
    ['incident 4.2', '`4.2` is not an incident number.', 'Usage: incident <id>'],
    // Anything after `incident` that is not one number is the slash grammar, with its usage.
    ['incident #x', '`#x` is not an incident number.', usageFor('incident', 'show')],
    ['incident notify 42', 'Update text missing.', usageFor('incident', 'notify')],
    ['incident notify soon', '`soon` is not an incident number.', usageFor('incident', 'notify')],
    ['incident 42 now', 'Unexpected `now`.', usageFor('incident', 'show')],
    ['incident frob', 'Unknown subcommand `frob`', '/incident help'],
    // Any other word.
    ['what is going on', 'I did not understand “what”. Type help for what I understand.'],
    ['incident:42', 'I did not understand “incident:42”.', 'Type help'],
    ['preferences please', 'Type help'],
  ];
  it.each(malformed)('%j → USAGE', (text, ...says) => {
    const error = usageErrorOf(() => parseChatMessage(plainInput(text)));
    expect(error.code).toBe('USAGE');
    for (const s of says) expect(error.message).toContain(s);
  });

  it('says exactly what a malformed personal command lacks, then its usage', () => {
    expect(usageErrorOf(() => parseChatMessage(plainInput('unsubscribe soon'))).message).toBe(
      '`soon` is not an incident number. Usage: unsubscribe <id>',
    );
    expect(usageErrorOf(() => parseChatMessage(plainInput('incident 0'))).message).toBe(
      '`0` is not an incident number. Usage: incident <id>',
    );
  });

  it('does not echo a huge unknown word back', () => {
    const error = usageErrorOf(() => parseChatMessage(plainInput('x'.repeat(3000))));
    expect(error.message.length).toBeLessThan(200);
  });

  it.each([
    ['incident list', true],
    ['/incident new Search is slow', true],
    ['Stakeholders team list', true],
    ['incident notify soon', true],
    ['incident', true],
    ['incident 42', false],
    ['incident #42', false],
    ['incidents', false],
    ['help', false],
    ['preferences', false],
    ['unsubscribe 42', false],
    ['unsubscribe soon', false],
    ['incident 0', false],
    ['what is going on', false],
    ['', false],
  ] as const)('isSlashGrammar(%j) = %s', (text, expected) => {
    expect(isSlashGrammar(plainInput(text))).toBe(expected);
  });

  it('reads a Teams message through the Teams dialect: the bot’s own @mention is not part of it', () => {
    const BOT = { id: '28:herald-bot', name: 'Herald' };
    const at = '<at>Herald</at>';
    const activity = (text: string): Partial<Activity> => ({
      type: 'message',
      text,
      recipient: BOT,
      entities: [{ type: 'mention', text: at, mentioned: BOT }],
    });
    expect(parseChatMessage(fromTeamsActivity(activity(`${at} incidents`)))).toEqual({
      root: 'personal',
      name: 'incidents',
    });
    expect(parseChatMessage(fromTeamsActivity(activity(`${at} incident list`)))).toEqual({
      root: 'incident',
      name: 'list',
    });
  });
});

describe('mentions a door placed', () => {
  const theo: Mention = { platform: 'teams', userId: 'aad-theo', label: '@Theo Tran' };
  const bea: Mention = { platform: 'slack', userId: 'U0BEA', label: '@bea' };
  const theoT: Target = { kind: 'user', platform: 'teams', userId: 'aad-theo' };
  const beaT: Target = { kind: 'user', platform: 'slack', userId: 'U0BEA' };
  const M = MENTION;
  const input = (text: string, ...mentions: Mention[]): CommandInput => ({ text, mentions });

  it.each<[CommandRoot, CommandInput, Command]>([
    [
      'incident',
      input(`subscribe 42 ${M} team:exec, ${M}`, theo, bea),
      { root: 'incident', name: 'subscribe', id: 42, targets: [theoT, exec, beaT] },
    ],
    [
      'incident',
      input(`subscribe 42 ${M},${M},${M}`, theo, bea, theo),
      { root: 'incident', name: 'subscribe', id: 42, targets: [theoT, beaT] },
    ],
    [
      'incident',
      input(`unsubscribe 42 ${M}`, bea),
      { root: 'incident', name: 'unsubscribe', id: 42, targets: [beaT] },
    ],
    [
      'stakeholders',
      input(`team add exec ${M} ceo@corp.example`, theo),
      { root: 'stakeholders', name: 'team-add', team: 'exec', targets: [theoT, mail] },
    ],
    [
      'stakeholders',
      input(`prefs ${M}`, theo),
      { root: 'stakeholders', name: 'prefs', target: theoT },
    ],
    [
      'stakeholders',
      input(`prefs set email ${M}`, theo),
      { root: 'stakeholders', name: 'prefs-set', channels: ['email'], target: theoT },
    ],
    [
      'stakeholders',
      input(`role ${M} responder`, theo),
      { root: 'stakeholders', name: 'role', target: theoT, role: 'responder' },
    ],
    [
      'stakeholders',
      input(`rule add ${M} when severity=SEV1`, theo),
      {
        root: 'stakeholders',
        name: 'rule-add',
        targets: [theoT],
        service: null,
        severities: ['SEV1'],
      },
    ],
  ])('are targets in target positions: /%s %j', (root, given, expected) => {
    expect(parseCommand(root, given)).toEqual(expected);
  });

  it.each<[CommandRoot, CommandInput, Command]>([
    [
      'incident',
      input(`notify 42 Ask ${M} or ${M} before  paging`, theo, bea),
      { root: 'incident', name: 'notify', id: 42, text: 'Ask @Theo Tran or @bea before  paging' },
    ],
    [
      'incident',
      input(`new Paged ${M}`, theo),
      { root: 'incident', name: 'new', title: 'Paged @Theo Tran' },
    ],
    [
      'incident',
      input(`summary 42 ${M}`, theo),
      { root: 'incident', name: 'summary', id: 42, text: '@Theo Tran' },
    ],
    [
      'incident',
      input(`resolve 42 thanks ${M}`, bea),
      { root: 'incident', name: 'resolve', id: 42, note: 'thanks @bea' },
    ],
    [
      'stakeholders',
      input(`team create exec Led by ${M}`, theo),
      { root: 'stakeholders', name: 'team-create', team: 'exec', description: 'Led by @Theo Tran' },
    ],
  ])('are their labels in free text: /%s %j', (root, given, expected) => {
    expect(parseCommand(root, given)).toEqual(expected);
  });

  it('reach the personal chat and the slash grammar in it', () => {
    expect(parseChatMessage(input(`incident subscribe 42 ${M}`, theo))).toEqual({
      root: 'incident',
      name: 'subscribe',
      id: 42,
      targets: [theoT],
    });
    expect(parseChatMessage(input(`incident notify 42 thanks ${M}`, theo))).toEqual({
      root: 'incident',
      name: 'notify',
      id: 42,
      text: 'thanks @Theo Tran',
    });
  });

  it.each<[CommandRoot, CommandInput, string]>([
    // Where a team, a word of the grammar or an email belongs, a mention is not one, and the
    // error names it by its label.
    ['stakeholders', input(`team show ${M}`, theo), '`@Theo Tran` is not a team name'],
    ['stakeholders', input(`team add ${M} ${M}`, theo, bea), '`@Theo Tran` is not a team name'],
    ['incident', input(`subscribe 42 team:${M}`, theo), '`team:@Theo Tran` is not a team name'],
    ['incident', input(`subscribe 42 x${M}@corp.example`, theo), 'is not a target'],
    ['incident', input(`subscribe 42 ${M}@corp.example`, theo), 'is not a target'],
    ['incident', input(`${M} 42`, theo), 'Unknown subcommand `@Theo Tran`'],
    ['stakeholders', input(`role ${M} ${M}`, theo, bea), '`@bea` is not a role'],
    [
      'stakeholders',
      input(`rule add team:exec when service=${M}`, theo),
      '`@Theo Tran` is not a service name',
    ],
    ['incident', input(`show ${M}`, theo), 'is not an incident number'],
    ['stakeholders', input(`prefs set ${M}`, theo), 'Unknown channel'],
  ])('are not words of the grammar: /%s %j', (root, given, says) => {
    const error = usageErrorOf(() => parseCommand(root, given));
    expect(error.code).toBe('USAGE');
    expect(error.message).toContain(says);
  });
});

describe('a mention cannot be forged by typing', () => {
  const theo: Mention = { platform: 'teams', userId: 'aad-theo', label: '@Theo Tran' };
  const theoT: Target = { kind: 'user', platform: 'teams', userId: 'aad-theo' };
  const subscribe = (...targets: Target[]): Command => ({
    root: 'incident',
    name: 'subscribe',
    id: 42,
    targets,
  });
  /** The command, or the USAGE message it was refused with. */
  const outcome = (root: CommandRoot, given: CommandInput): Command | string => {
    try {
      return parseCommand(root, given);
    } catch (err) {
      if (err instanceof HeraldError && err.code === 'USAGE') return err.message;
      throw err;
    }
  };

  it.each([
    ['\uFFFC', subscribe()],
    ['\uE000', subscribe()],
    ['\uE001', subscribe()],
    ['\uE0000\uE001', expect.stringContaining('`0` is not a target')],
  ])('typed in plain text, %j is nobody', (chars, expected) => {
    expect(outcome('incident', plainInput(`subscribe 42 ${chars}`))).toEqual(expected);
  });

  it('a U+FFFC beyond the mentions a door placed is no mention', () => {
    expect(outcome('incident', { text: `subscribe 42 ${MENTION}`, mentions: [] })).toEqual(
      expect.stringContaining('is not a target'),
    );
    // One mention placed, two characters: the first is the mention, the second nobody.
    expect(
      outcome('incident', { text: `subscribe 42 ${MENTION} ${MENTION}`, mentions: [theo] }),
    ).toEqual(expect.stringContaining('is not a target'));
    // In free text it is nothing, never someone's name.
    expect(
      parseCommand('incident', { text: `notify 42 hi ${MENTION} ${MENTION}`, mentions: [theo] }),
    ).toEqual({ root: 'incident', name: 'notify', id: 42, text: 'hi @Theo Tran' });
  });

  it('the grammar’s own numbered token, typed, names no mention', () => {
    // `\uE000 0 \uE001` is how the grammar numbers the first mention inside; typed, it is a `0`.
    expect(outcome('incident', { text: 'subscribe 42 \uE0000\uE001', mentions: [theo] })).toEqual(
      expect.stringContaining('`0` is not a target'),
    );
    expect(
      parseCommand('incident', { text: 'notify 42 hi \uE0000\uE001', mentions: [theo] }),
    ).toEqual({ root: 'incident', name: 'notify', id: 42, text: 'hi 0' });
    // Glued to a real mention it makes the token no mention at all.
    expect(
      outcome('incident', { text: `subscribe 42 \uE0000\uE001${MENTION}`, mentions: [theo] }),
    ).toEqual(expect.stringContaining('is not a target'));
    // Typed around a real mention, it does not change which mention is which.
    expect(
      parseCommand('incident', { text: `subscribe 42 \uE001${MENTION}\uE000`, mentions: [theo] }),
    ).toEqual(subscribe(theoT));
  });

  it('through the Slack dialect', () => {
    expect(parseCommand('incident', slack(`subscribe 42 ${MENTION}`))).toEqual(subscribe());
    expect(parseCommand('incident', slack(`notify 42 hi ${MENTION}<@U123ABC|bob>`))).toEqual({
      root: 'incident',
      name: 'notify',
      id: 42,
      text: 'hi @bob',
    });
    expect(outcome('incident', slack('subscribe 42 \uE0000\uE001 <@U123ABC>'))).toEqual(
      expect.stringContaining('`0` is not a target'),
    );
    // A label is text: a U+FFFC inside one adds no mention.
    expect(parseCommand('incident', slack(`subscribe 42 <@U123ABC|${MENTION}bob>`))).toEqual(
      subscribe(bob),
    );
  });

  it.each([
    ['\uFFFC', subscribe(theoT)],
    ['&#xFFFC;', subscribe(theoT)],
    ['&#65532;', subscribe(theoT)],
    ['\uE0000\uE001', expect.stringContaining('`0` is not a target')],
    ['&#xE000;0&#xE001;', expect.stringContaining('`0` is not a target')],
  ])('through the Teams dialect, %j typed beside a real mention is nobody', (forged, expected) => {
    const given = fromTeamsActivity({
      type: 'message',
      text: `subscribe 42 <at>Theo</at> ${forged}`,
      recipient: { id: '28:herald-bot', name: 'Herald' },
      entities: [
        {
          type: 'mention',
          text: '<at>Theo</at>',
          mentioned: { id: '29:theo', name: 'Theo Tran', aadObjectId: 'aad-theo' },
        },
      ],
    });
    expect(given.mentions).toEqual([theo]);
    expect(outcome('incident', given)).toEqual(expected);
  });

  it('an <at> the Teams activity does not describe as a mention is just its words', () => {
    const given = fromTeamsActivity({
      type: 'message',
      text: 'subscribe 42 <at>Theo</at>',
      recipient: { id: '28:herald-bot', name: 'Herald' },
      entities: [],
    });
    expect(given.mentions).toEqual([]);
    expect(outcome('incident', given)).toEqual(expect.stringContaining('`Theo` is not a target'));
  });
});

describe('shared parsers', () => {
  it.each([
    ['42', 42],
    ['#42', 42],
    [' 7 ', 7],
  ])('parseIncidentId(%j) = %i', (text, id) => {
    expect(parseIncidentId(text)).toBe(id);
  });

  it.each(['', 'abc', '0', '-1', '4.2', '#', '2147483648'])('parseIncidentId(%j) throws', (t) => {
    expect(usageErrorOf(() => parseIncidentId(t)).code).toBe('USAGE');
  });

  it('parseTargets keeps the first of duplicates in order', () => {
    expect(
      parseTargets(slack(`<@W0ANN> ${MAILTO},<@U123ABC>,ceo@corp.example <@W0ANN|ann>`)),
    ).toEqual([ann, mail, bob]);
    expect(parseTargets(plainInput('  '))).toEqual([]);
  });
});

describe('usage and help', () => {
  it('usageFor gives one line, or a group of lines', () => {
    expect(usageFor('incident', 'subscribe')).toBe('/incident subscribe <id> [targets]');
    expect(usageFor('stakeholders', 'rule').split('\n')).toEqual([
      S('rule-add'),
      S('rule-list'),
      S('rule-remove'),
    ]);
  });

  it('help texts list every usage line', () => {
    for (const [, c] of incident) expect(INCIDENT_HELP).toContain(usageFor(c.root, c.name));
    for (const [, c] of stakeholders) expect(STAKEHOLDERS_HELP).toContain(usageFor(c.root, c.name));
  });
});

describe('Slack markup in free text becomes plain words', () => {
  it.each([
    ['notify 4 ping <@U0123ABC|bob> and <@U999>', 'ping @bob and @U999'],
    ['notify 4 see <https://status.example.com|the status page> now', 'see the status page now'],
    ['notify 4 see <https://status.example.com>', 'see https://status.example.com'],
    ['notify 4 <!here> and <!channel>', '@here and @channel'],
    ['notify 4 ask <#C123|ops> or <mailto:a@b.example|a@b.example>', 'ask #ops or a@b.example'],
    ['notify 4 typed &lt;b&gt; &amp; &lt;!here&gt;', 'typed <b> & <!here>'],
  ])('%s', (input, text) => {
    expect(parseCommand('incident', slack(input))).toEqual({
      root: 'incident',
      name: 'notify',
      id: 4,
      text,
    });
  });
});
