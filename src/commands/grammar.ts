import { CHANNELS, ROLES, SEVERITIES } from '../domain/types.js';
import type { Severity } from '../domain/types.js';
import { HeraldError, isHeraldError } from '../errors.js';
import type {
  Command,
  CommandRoot,
  IncidentCommand,
  StakeholdersCommand,
  Target,
} from './types.js';
import { subcommandWords, usageFor } from './usage.js';
import type { UsageName } from './usage.js';

const MAX_LENGTH = 4000;
const MAX_INT = 2 ** 31 - 1;
const SLACK_USER_ID = /^[UW][A-Z0-9]{2,}$/;
const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
const EMAIL = /^[^\s@<>,|]+@[^\s@<>,|.]+(?:\.[^\s@<>,|.]+)+$/;
/** A Slack `<…>` sequence is one token even if its label holds spaces or commas. */
const TARGET_TOKEN = /<[^>]*>|[^\s,]+/g;

const usageError = (message: string): HeraldError => new HeraldError('USAGE', message);

/** Shows user input in an error without echoing a 4000-character paste back. */
const quote = (token: string): string => {
  const shown = decodeEntities(token);
  return `\`${shown.length > 40 ? `${shown.slice(0, 40)}…` : shown}\``;
};

/**
 * Slack's markup in command text as the words it stands for. With escaping on, a `<` the user
 * typed arrives as `&lt;`, so every raw `<…>` is Slack's own: a mention, a channel, a link. Kept as
 * markup it would reach stakeholders as `<@U0123|bob>` (a user id) or as a live link or `<!here>`.
 */
export const plainFromSlack = (text: string): string =>
  text.replace(/<([^<>]*)>/g, (_all, inner: string) => {
    const [target = '', label] = inner.split('|', 2);
    if (target.startsWith('@')) return `@${label ?? target.slice(1)}`;
    if (target.startsWith('#')) return `#${label ?? target.slice(1)}`;
    if (target.startsWith('!'))
      return `@${(label ?? target.slice(1)).replace(/^subteam\^\w+$/, 'group')}`;
    if (target.startsWith('mailto:')) return label ?? target.slice('mailto:'.length);
    return label ?? target;
  });

/** Slack escapes exactly these three in command text; `&amp;` last so `&amp;lt;` stays `&lt;`. */
const decodeEntities = (text: string): string =>
  text.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');

/** First whitespace-delimited word and the rest, whose inner spacing is kept. */
function shift(text: string): [word: string, rest: string] {
  const match = /^\s*(\S*)\s*/.exec(text);
  const word = match?.[1] ?? '';
  return [word, text.slice(match?.[0].length ?? 0)];
}

const formatUsage = (usage: string): string =>
  usage.includes('\n') ? `Usage:\n${usage}` : `Usage: ${usage}`;

const positiveInt = (s: string): number | null =>
  /^\d{1,10}$/.test(s) && Number(s) >= 1 && Number(s) <= MAX_INT ? Number(s) : null;

/**
 * An incident number as typed: `42` or `#42`, 1..2^31-1.
 * @throws HeraldError `USAGE` otherwise.
 */
export function parseIncidentId(text: string): number {
  const token = text.trim();
  if (token === '') throw usageError('Incident number missing.');
  const id = positiveInt(token.replace(/^#/, ''));
  if (id === null) throw usageError(`${quote(token)} is not an incident number.`);
  return id;
}

function parseTeamName(token: string): string {
  const name = token.replace(/^team:/i, '');
  if (!NAME.test(name)) {
    throw usageError(
      `${quote(token)} is not a team name (letters, digits, \`.\`, \`_\`, \`-\`; at most 64).`,
    );
  }
  return name;
}

function parseEmail(raw: string, token: string): string {
  const email = decodeEntities(raw);
  if (!EMAIL.test(email)) throw usageError(`${quote(token)} is not an email address.`);
  return email.toLowerCase();
}

function parseTarget(token: string): Target {
  const mention = /^<@([^|>]+)(?:\|[^>]*)?>$/.exec(token);
  if (mention?.[1] && SLACK_USER_ID.test(mention[1])) return { kind: 'slack', userId: mention[1] };
  const mailto = /^<mailto:([^|>]+)(?:\|[^>]*)?>$/i.exec(token);
  if (mailto?.[1]) return { kind: 'email', email: parseEmail(mailto[1], token) };
  if (/^team:/i.test(token)) return { kind: 'team', name: parseTeamName(token) };
  if (!token.startsWith('<') && token.includes('@') && !token.startsWith('@')) {
    return { kind: 'email', email: parseEmail(token, token) };
  }
  throw usageError(
    `${quote(token)} is not a target; use an @mention, \`team:<name>\` or an email address.`,
  );
}

/** Team names are unique case-insensitively, so `team:Exec` and `team:exec` are one target. */
const targetKey = (t: Target): string =>
  JSON.stringify(t.kind === 'team' ? { ...t, name: t.name.toLowerCase() } : t);

/**
 * Targets separated by spaces and/or commas: Slack mentions (`<@U123>`, `<@U123|name>`),
 * `team:<name>`, emails (plain or `<mailto:…|…>`). Duplicates are dropped, first one kept.
 * @throws HeraldError `USAGE` naming the first token that is none of these.
 */
export function parseTargets(text: string): Target[] {
  const byKey = new Map<string, Target>();
  for (const token of text.match(TARGET_TOKEN) ?? []) {
    const target = parseTarget(token);
    const key = targetKey(target);
    if (!byKey.has(key)) byKey.set(key, target);
  }
  return [...byKey.values()];
}

/** Checks a comma list against `allowed`; returns its members deduped, in canonical order. */
function parseList<T extends string>(allowed: readonly T[], list: string, what: string): T[] {
  const given = list.split(',').filter(Boolean);
  if (given.length === 0) throw usageError(`No ${what} given.`);
  const bad = given.find((g) => !(allowed as readonly string[]).includes(g));
  if (bad !== undefined) {
    throw usageError(`Unknown ${what} ${quote(bad)}; use ${allowed.join(', ')}.`);
  }
  return allowed.filter((x) => given.includes(x));
}

/** The not-yet-consumed arguments of one subcommand; every error carries its usage line. */
class Args {
  constructor(
    private rest: string,
    private readonly usage: string,
  ) {}

  fail(what: string): HeraldError {
    return usageError(`${what} ${formatUsage(this.usage)}`);
  }

  /** Re-throws a bare USAGE error from a shared parser with this subcommand's usage line. */
  guard<T>(parse: () => T): T {
    try {
      return parse();
    } catch (e) {
      if (isHeraldError(e) && e.code === 'USAGE') throw this.fail(e.message);
      throw e;
    }
  }

  word(missing: string): string {
    const [word, rest] = shift(this.rest);
    if (word === '') throw this.fail(missing);
    this.rest = rest;
    return word;
  }

  id(): number {
    const word = this.word('Incident number missing.');
    return this.guard(() => parseIncidentId(word));
  }

  team(): string {
    const word = this.word('Team name missing.');
    return this.guard(() => parseTeamName(word));
  }

  /** The rest as free text: inner spacing and newlines kept; null when empty unless required. */
  text(): string | null;
  text(missing: string): string;
  text(missing?: string): string | null {
    const text = decodeEntities(plainFromSlack(this.raw()));
    if (text === '' && missing !== undefined) throw this.fail(missing);
    return text === '' ? null : text;
  }

  /** All that is left, untouched: for parsers that must see Slack's `<…>` before decoding. */
  raw(): string {
    const rest = this.rest.trim();
    this.rest = '';
    return rest;
  }

  /** A comma list that may have spaces around its commas: `slack, email`. */
  list(missing: string): string {
    const match = /^\s*((?:[^\s,]*\s*,\s*)*[^\s,]*)/.exec(this.rest);
    if (!match?.[1]) throw this.fail(missing);
    this.rest = this.rest.slice(match[0].length);
    return match[1].replace(/\s+/g, '');
  }

  targets(atLeastOne = false): Target[] {
    const targets = this.guard(() => parseTargets(this.raw()));
    if (atLeastOne && targets.length === 0) throw this.fail('Targets missing.');
    return targets;
  }

  /** One person: role and preferences belong to people, not teams. */
  person(): Target {
    const match = /^[\s,]*(<[^>]*>|[^\s,]+)[\s,]*/.exec(this.rest);
    if (!match?.[1]) throw this.fail('Person missing.');
    const token = match[1];
    this.rest = this.rest.slice(match[0].length);
    const target = this.guard(() => parseTarget(token));
    if (target.kind === 'team') throw this.fail(`${quote(token)} is a team; give one person.`);
    return target;
  }

  optionalPerson(): Target | null {
    return this.rest.trim() === '' ? null : this.person();
  }

  done<C>(command: C): C {
    const [extra] = shift(this.rest.replace(/^[\s,]+/, ''));
    if (extra !== '') throw this.fail(`Unexpected ${quote(extra)}.`);
    return command;
  }
}

type Parsers<C extends Command> = { [N in C['name']]: (a: Args) => Extract<C, { name: N }> };

const I = { root: 'incident' } as const;
const S = { root: 'stakeholders' } as const;

// Object literals evaluate in source order, so the id is checked before the text after it.
const INCIDENT: Parsers<IncidentCommand> = {
  help: (a) => a.done({ ...I, name: 'help' }),
  new: (a) => ({ ...I, name: 'new', title: a.text() }),
  list: (a) => a.done({ ...I, name: 'list' }),
  show: (a) => a.done({ ...I, name: 'show', id: a.id() }),
  summary: (a) => ({ ...I, name: 'summary', id: a.id(), text: a.text('Summary text missing.') }),
  subscribe: (a) => ({ ...I, name: 'subscribe', id: a.id(), targets: a.targets() }),
  unsubscribe: (a) => ({
    ...I,
    name: 'unsubscribe',
    id: a.id(),
    targets: a.targets(true),
  }),
  update: (a) => ({ ...I, name: 'update', id: a.id(), text: a.text() }),
  notify: (a) => ({ ...I, name: 'notify', id: a.id(), text: a.text('Update text missing.') }),
  resolve: (a) => ({ ...I, name: 'resolve', id: a.id(), note: a.text() }),
  stakeholders: (a) => a.done({ ...I, name: 'stakeholders', id: a.id() }),
};

function parseRuleAdd(a: Args): Extract<StakeholdersCommand, { name: 'rule-add' }> {
  const match = /^([\s\S]*?)(?:^|\s)when(?:\s+|$)([\s\S]*)$/i.exec(a.raw());
  if (!match) throw a.fail('The `when` keyword is missing.');
  const [, before = '', after = ''] = match;
  const targets = a.guard(() => parseTargets(before));
  if (targets.length === 0) throw a.fail('Give at least one target.');
  let service: string | null = null;
  let severities: Severity[] = [];
  const conditions = after.replace(/\s*,\s*/g, ',').match(/\S+/g) ?? [];
  for (const cond of conditions) {
    const [key = '', value = ''] = cond.split(/=(.*)/s);
    if (key.toLowerCase() === 'service' && service === null) {
      if (!NAME.test(value)) throw a.fail(`${quote(value)} is not a service name.`);
      service = value;
    } else if (key.toLowerCase() === 'severity' && severities.length === 0) {
      severities = a.guard(() => parseList(SEVERITIES, value.toUpperCase(), 'severity'));
    } else {
      throw a.fail(`Unexpected ${quote(cond)} after \`when\`.`);
    }
  }
  if (service === null && severities.length === 0) {
    throw a.fail('Give `service=<name>` and/or `severity=<SEV1,…>` after `when`.');
  }
  return { ...S, name: 'rule-add', targets, service, severities };
}

const STAKEHOLDERS: Parsers<StakeholdersCommand> = {
  help: (a) => a.done({ ...S, name: 'help' }),
  teams: (a) => a.done({ ...S, name: 'teams' }),
  'team-list': (a) => a.done({ ...S, name: 'team-list' }),
  'team-show': (a) => a.done({ ...S, name: 'team-show', team: a.team() }),
  'team-create': (a) => ({
    ...S,
    name: 'team-create',
    team: a.team(),
    description: a.text() ?? '',
  }),
  'team-delete': (a) => a.done({ ...S, name: 'team-delete', team: a.team() }),
  'team-add': (a) => ({
    ...S,
    name: 'team-add',
    team: a.team(),
    targets: a.targets(true),
  }),
  'team-remove': (a) => ({
    ...S,
    name: 'team-remove',
    team: a.team(),
    targets: a.targets(true),
  }),
  prefs: (a) => a.done({ ...S, name: 'prefs', target: a.optionalPerson() }),
  'prefs-set': (a) => {
    const list = a.list('Channels missing.').toLowerCase();
    const channels = a.guard(() => parseList(CHANNELS, list, 'channel'));
    return a.done({ ...S, name: 'prefs-set', channels, target: a.optionalPerson() });
  },
  role: (a) => {
    const target = a.person();
    const word = a.word('Role missing.').toLowerCase();
    const role = ROLES.find((r) => r === word);
    if (role === undefined) throw a.fail(`${quote(word)} is not a role.`);
    return a.done({ ...S, name: 'role', target, role });
  },
  rules: (a) => a.done({ ...S, name: 'rules' }),
  'rule-add': parseRuleAdd,
  'rule-list': (a) => a.done({ ...S, name: 'rule-list' }),
  'rule-remove': (a) => {
    const word = a.word('Rule number missing.');
    const ruleId = positiveInt(word);
    if (ruleId === null) throw a.fail(`${quote(word)} is not a rule number.`);
    return a.done({ ...S, name: 'rule-remove', ruleId });
  },
};

/** Resolves `team show …` to `team-show`, `prefs set …` to `prefs-set`; `/incident 42` means show. */
function subcommandKey(root: CommandRoot, input: string): [key: string, rest: string] {
  const [first, rest] = shift(input);
  const word = first.toLowerCase();
  if (root === 'incident' && /^[#\d]/.test(word)) return ['show', input];
  if (root === 'stakeholders' && (word === 'team' || word === 'rule')) {
    const [sub, after] = shift(rest);
    const group = usageFor('stakeholders', word);
    if (sub === '') throw usageError(`What should \`${word}\` do? ${formatUsage(group)}`);
    const key = `${word}-${sub.toLowerCase()}`;
    if (!Object.hasOwn(STAKEHOLDERS, key)) {
      throw usageError(`Unknown subcommand ${quote(`${word} ${sub}`)}. ${formatUsage(group)}`);
    }
    return [key, after];
  }
  if (root === 'stakeholders' && word === 'prefs' && shift(rest)[0].toLowerCase() === 'set') {
    return ['prefs-set', shift(rest)[1]];
  }
  return [word.includes('-') ? '' : word, rest];
}

/**
 * Parses what follows `/incident` or `/stakeholders` (Slack's `text`, entities and all) into a
 * typed command; empty text is `help`. Free text is trimmed and entity-decoded, nothing else.
 * @throws HeraldError `USAGE` saying what was wrong, with the usage line.
 */
export function parseCommand(root: CommandRoot, text: string): Command {
  const input = text.trim();
  if (input.length > MAX_LENGTH) {
    throw usageError(`Command too long (at most ${MAX_LENGTH} characters). Usage: /${root} help`);
  }
  if (input === '') return { root, name: 'help' };
  const [key, rest] = subcommandKey(root, input);
  const table: Record<string, (a: Args) => Command> = root === 'incident' ? INCIDENT : STAKEHOLDERS;
  // hasOwn: a bare lookup would find `constructor` and friends on the prototype.
  const parse = Object.hasOwn(table, key) ? table[key] : undefined;
  if (parse === undefined) {
    const words = subcommandWords(root).join(', ');
    throw usageError(
      `Unknown subcommand ${quote(shift(input)[0])}; use one of: ${words}. See /${root} help`,
    );
  }
  return parse(new Args(rest, usageFor(root, key as UsageName<CommandRoot>)));
}

/**
 * A Teams plain message in the slash grammar (`incident notify 42 …`, `/stakeholders team list`).
 * @returns null when the first word is neither `incident` nor `stakeholders` (e.g. `incidents`).
 * @throws HeraldError `USAGE` as {@link parseCommand}.
 */
export function parseMessage(text: string): Command | null {
  const match = /^\/?(incident|stakeholders)(?:\s+([\s\S]*))?$/i.exec(text.trim());
  if (!match?.[1]) return null;
  return parseCommand(match[1].toLowerCase() as CommandRoot, match[2] ?? '');
}
