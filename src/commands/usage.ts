import type { CommandRoot } from './types.js';

interface Entry {
  usage: string;
  help: string;
}

/** Usage line and one-line help per subcommand, in the order `help` lists them. */
const USAGE = {
  incident: {
    help: { usage: '/incident help', help: 'this help' },
    new: { usage: '/incident new [title]', help: 'declare an incident (no title: modal)' },
    list: { usage: '/incident list', help: 'open incidents' },
    show: { usage: '/incident show <id>', help: 'one incident' },
    summary: { usage: '/incident summary <id> <text>', help: 'set the stakeholder summary' },
    subscribe: {
      usage: '/incident subscribe <id> [targets]',
      help: 'subscribe people, teams, emails (no targets: modal)',
    },
    unsubscribe: { usage: '/incident unsubscribe <id> <targets>', help: 'remove subscribers' },
    update: {
      usage: '/incident update <id> [text]',
      help: 'internal update (no text: modal, can notify stakeholders)',
    },
    notify: { usage: '/incident notify <id> <text>', help: 'status update sent to stakeholders' },
    resolve: { usage: '/incident resolve <id> [note]', help: 'resolve and tell stakeholders' },
    stakeholders: {
      usage: '/incident stakeholders <id>',
      help: 'subscribers and delivery status',
    },
  },
  stakeholders: {
    help: { usage: '/stakeholders help', help: 'this help' },
    teams: { usage: '/stakeholders teams', help: 'manage stakeholder teams (modal)' },
    'team-list': { usage: '/stakeholders team list', help: 'list teams' },
    'team-show': { usage: '/stakeholders team show <name>', help: 'a team and its members' },
    'team-create': {
      usage: '/stakeholders team create <name> [description]',
      help: 'create a team',
    },
    'team-delete': { usage: '/stakeholders team delete <name>', help: 'delete a team' },
    'team-add': { usage: '/stakeholders team add <name> <targets>', help: 'add members' },
    'team-remove': {
      usage: '/stakeholders team remove <name> <targets>',
      help: 'remove members',
    },
    prefs: { usage: '/stakeholders prefs [target]', help: 'notification preferences (modal)' },
    'prefs-set': {
      usage: '/stakeholders prefs set <channels> [target]',
      help: 'channels: slack,teams,email',
    },
    role: {
      usage: '/stakeholders role <target> <admin|responder|stakeholder>',
      help: "set someone's role",
    },
    rules: { usage: '/stakeholders rules', help: 'manage auto-subscription rules (modal)' },
    'rule-add': {
      usage: '/stakeholders rule add <targets> when [service=<name>] [severity=<SEV1,SEV2,…>]',
      help: 'auto-subscribe on matching incidents',
    },
    'rule-list': { usage: '/stakeholders rule list', help: 'list rules' },
    'rule-remove': { usage: '/stakeholders rule remove <n>', help: 'delete rule number n' },
  },
} as const satisfies Record<CommandRoot, Record<string, Entry>>;

/** Groups of subcommands that share a first word (`/stakeholders team …`). */
const GROUPS = {
  incident: {},
  stakeholders: {
    team: ['team-list', 'team-show', 'team-create', 'team-delete', 'team-add', 'team-remove'],
    rule: ['rule-add', 'rule-list', 'rule-remove'],
  },
} as const;

/** A subcommand (`'team-show'`) or group (`'team'`) name accepted by {@link usageFor}. */
export type UsageName<R extends CommandRoot> = R extends CommandRoot
  ? keyof (typeof USAGE)[R] | keyof (typeof GROUPS)[R]
  : never;

/**
 * Usage line(s) of one subcommand or group, e.g. `usageFor('incident', 'show')` →
 * `/incident show <id>`; a group gives one line per member, joined by newlines.
 */
export function usageFor<R extends CommandRoot>(root: R, name: UsageName<R>): string {
  const entries: Record<string, Entry> = USAGE[root];
  const groups: Record<string, readonly string[]> = GROUPS[root];
  const names = groups[name] ?? [name];
  return names.map((n) => entries[n]?.usage ?? '').join('\n');
}

/** First words of every subcommand of a root, for "unknown subcommand" answers. */
export function subcommandWords(root: CommandRoot): string[] {
  return [...new Set(Object.keys(USAGE[root]).map((n) => n.split('-')[0] ?? n))];
}

function helpText(root: CommandRoot, title: string): string {
  const lines = Object.values<Entry>(USAGE[root]).map((e) => `• \`${e.usage}\` — ${e.help}`);
  const footer =
    root === 'incident'
      ? 'An incident is `42` or `#42`. Targets: @mentions, `team:<name>`, email addresses, separated by spaces or commas.'
      : 'Targets: @mentions, `team:<name>`, email addresses, separated by spaces or commas.';
  return [title, ...lines, footer].join('\n');
}

/** Answer to `/incident help`. */
export const INCIDENT_HELP = helpText('incident', 'Herald — incident commands:');

/** Answer to `/stakeholders help`. */
export const STAKEHOLDERS_HELP = helpText('stakeholders', 'Herald — stakeholder commands:');
