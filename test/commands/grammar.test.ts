import { describe, expect, it } from 'vitest';
import { HeraldError } from '../../src/errors.js';
import {
  parseCommand,
  parseIncidentId,
  parseMessage,
  parseTargets,
} from '../../src/commands/grammar.js';
import type { Command, CommandRoot, Target } from '../../src/commands/types.js';
import { INCIDENT_HELP, STAKEHOLDERS_HELP, usageFor } from '../../src/commands/usage.js';

const bob: Target = { kind: 'slack', userId: 'U123ABC' };
const ann: Target = { kind: 'slack', userId: 'W0ANN' };
const exec: Target = { kind: 'team', name: 'exec' };
const mail: Target = { kind: 'email', email: 'ceo@corp.example' };
const MAILTO = '<mailto:CEO@Corp.example|CEO@Corp.example>';

const incident: Array<[string, Command]> = [
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

const stakeholders: Array<[string, Command]> = [
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
    expect(parseCommand('incident', text)).toEqual(expected);
  });
  it.each(stakeholders)('/stakeholders %j', (text, expected) => {
    expect(parseCommand('stakeholders', text)).toEqual(expected);
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
  ['incident', 'subscribe 42 <!channel>', I('subscribe'), '`<!channel>`'],
  ['incident', 'subscribe 42 <#C123|general>', I('subscribe'), '`<#C123|general>`'],
  ['incident', 'subscribe 42 team:exec bob', I('subscribe'), '`bob` is not a target'],
  ['incident', 'subscribe 42 <@u123>', I('subscribe'), '`<@u123>`'],
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
  ['stakeholders', 'prefs <@U1AB> <@U2CD>', S('prefs'), '`<@U2CD>`'],
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
    const error = usageErrorOf(() => parseCommand(root, text));
    expect(error.code).toBe('USAGE');
    expect(error.message).toContain(usage);
    expect(error.message).toContain(says);
  });

  it('puts the usage line after what was wrong', () => {
    expect(usageErrorOf(() => parseCommand('incident', 'show')).message).toBe(
      'Incident number missing. Usage: /incident show <id>',
    );
  });

  it('does not echo a huge token back', () => {
    const error = usageErrorOf(() => parseCommand('incident', `subscribe 42 ${'x'.repeat(3000)}`));
    expect(error.message.length).toBeLessThan(200);
  });
});

describe('parseMessage', () => {
  const cases: Array<[string, Command | null]> = [
    ['incident notify 42 hello', { root: 'incident', name: 'notify', id: 42, text: 'hello' }],
    ['/incident list', { root: 'incident', name: 'list' }],
    ['  Incident #5 ', { root: 'incident', name: 'show', id: 5 }],
    ['incident', { root: 'incident', name: 'help' }],
    ['Stakeholders team list', { root: 'stakeholders', name: 'team-list' }],
    ['/STAKEHOLDERS prefs', { root: 'stakeholders', name: 'prefs', target: null }],
    ['incidents', null],
    ['help', null],
    ['preferences', null],
    ['unsubscribe 42', null],
    ['incident:42', null],
    ['', null],
  ];
  it.each(cases)('%j', (text, expected) => {
    expect(parseMessage(text)).toEqual(expected);
  });

  it('throws USAGE for a malformed command', () => {
    const error = usageErrorOf(() => parseMessage('incident notify 42'));
    expect(error.code).toBe('USAGE');
    expect(error.message).toContain('/incident notify <id> <text>');
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
    expect(parseTargets(`<@W0ANN> ${MAILTO},<@U123ABC>,ceo@corp.example <@W0ANN|ann>`)).toEqual([
      ann,
      mail,
      bob,
    ]);
    expect(parseTargets('  ')).toEqual([]);
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
    expect(parseCommand('incident', input)).toEqual({
      root: 'incident',
      name: 'notify',
      id: 4,
      text,
    });
  });
});
