import { CHANNELS, ROLES, SEVERITIES } from '../domain/types.js';
import type { Severity } from '../domain/types.js';
import { HeraldError, isHeraldError } from '../errors.js';
import {
  MENTION,
  type Command,
  type CommandInput,
  type CommandRoot,
  type IncidentCommand,
  type Mention,
  type PersonalCommand,
  type StakeholdersCommand,
  type Target,
} from './types.js';
import { subcommandWords, usageFor } from './usage.js';
import type { UsageName } from './usage.js';

const MAX_LENGTH = 4000;
const MAX_INT = 2 ** 31 - 1;
const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
const EMAIL = /^[^\s@<>,|]+@[^\s@<>,|.]+(?:\.[^\s@<>,|.]+)+$/;
const TARGET_TOKEN = /[^\s,]+/g;

/**
 * Inside the grammar each mention is a numbered token (`\uE000` n `\uE001`, private-use characters
 * no user text keeps), so a mention stays one word whatever the text around it, and its place
 * tells which mention it is however the text is cut.
 */
const OPEN = '\uE000';
const CLOSE = '\uE001';
const MENTION_TOKEN = /\uE000(\d+)\uE001/g;

/** The input with its mentions numbered in order, and what the numbers stand for. */
interface Encoded {
  text: string;
  mentions: readonly Mention[];
}

function encode(input: CommandInput): Encoded {
  let n = 0;
  const text = input.text
    .replace(/[\uE000\uE001]/g, '')
    .replaceAll(MENTION, () => `${OPEN}${n++}${CLOSE}`);
  return { text, mentions: input.mentions };
}

/** Text as the user meant it: each mention as its label (`@Theo`). */
const words = (text: string, mentions: readonly Mention[]): string =>
  text.replace(MENTION_TOKEN, (_all, i: string) => mentions[Number(i)]?.label ?? '');

const usageError = (message: string): HeraldError => new HeraldError('USAGE', message);

/** Shows user input in an error without echoing a 4000-character paste back. */
const quote = (token: string, mentions: readonly Mention[] = []): string => {
  const shown = words(token, mentions);
  return `\`${shown.length > 40 ? `${shown.slice(0, 40)}…` : shown}\``;
};

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
export function parseIncidentId(text: string, mentions: readonly Mention[] = []): number {
  const token = text.trim();
  if (token === '') throw usageError('Incident number missing.');
  const id = positiveInt(token.replace(/^#/, ''));
  if (id === null) throw usageError(`${quote(token, mentions)} is not an incident number.`);
  return id;
}

function parseTeamName(token: string, mentions: readonly Mention[] = []): string {
  const name = token.replace(/^team:/i, '');
  if (!NAME.test(name)) {
    throw usageError(
      `${quote(token, mentions)} is not a team name (letters, digits, \`.\`, \`_\`, \`-\`; at most 64).`,
    );
  }
  return name;
}

function parseEmail(token: string): string {
  if (!EMAIL.test(token)) throw usageError(`${quote(token)} is not an email address.`);
  return token.toLowerCase();
}

function parseTarget(token: string, mentions: readonly Mention[]): Target {
  const mention = /^\uE000(\d+)\uE001$/.exec(token);
  const m = mention ? mentions[Number(mention[1])] : undefined;
  if (m) return { kind: 'user', platform: m.platform, userId: m.userId };
  if (/^team:/i.test(token)) return { kind: 'team', name: parseTeamName(token, mentions) };
  if (!token.includes(OPEN) && token.includes('@') && !token.startsWith('@')) {
    return { kind: 'email', email: parseEmail(token) };
  }
  throw usageError(
    `${quote(token, mentions)} is not a target; use an @mention, \`team:<name>\` or an email address.`,
  );
}

/** Team names are unique case-insensitively, so `team:Exec` and `team:exec` are one target. */
const targetKey = (t: Target): string =>
  JSON.stringify(t.kind === 'team' ? { ...t, name: t.name.toLowerCase() } : t);

function targetsOf(text: string, mentions: readonly Mention[]): Target[] {
  const byKey = new Map<string, Target>();
  for (const token of text.match(TARGET_TOKEN) ?? []) {
    const target = parseTarget(token, mentions);
    const key = targetKey(target);
    if (!byKey.has(key)) byKey.set(key, target);
  }
  return [...byKey.values()];
}

/**
 * Targets separated by spaces and/or commas: mentions, `team:<name>`, email addresses. Duplicates
 * are dropped, first one kept.
 * @throws HeraldError `USAGE` naming the first token that is none of these.
 */
export function parseTargets(input: CommandInput): Target[] {
  const { text, mentions } = encode(input);
  return targetsOf(text, mentions);
}

/** Checks a comma list against `allowed`; returns its members deduped, in canonical order. */
function parseList<T extends string>(
  allowed: readonly T[],
  list: string,
  what: string,
  mentions: readonly Mention[] = [],
): T[] {
  const given = list.split(',').filter(Boolean);
  if (given.length === 0) throw usageError(`No ${what} given.`);
  const bad = given.find((g) => !(allowed as readonly string[]).includes(g));
  if (bad !== undefined) {
    throw usageError(`Unknown ${what} ${quote(bad, mentions)}; use ${allowed.join(', ')}.`);
  }
  return allowed.filter((x) => given.includes(x));
}

/** The not-yet-consumed arguments of one subcommand; every error carries its usage line. */
class Args {
  constructor(
    private rest: string,
    private readonly usage: string,
    readonly mentions: readonly Mention[],
  ) {}

  quote(token: string): string {
    return quote(token, this.mentions);
  }

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
    return this.guard(() => parseIncidentId(word, this.mentions));
  }

  team(): string {
    const word = this.word('Team name missing.');
    return this.guard(() => parseTeamName(word, this.mentions));
  }

  /** The rest as free text: inner spacing and newlines kept; null when empty unless required. */
  text(): string | null;
  text(missing: string): string;
  text(missing?: string): string | null {
    const text = words(this.raw(), this.mentions).trim();
    if (text === '' && missing !== undefined) throw this.fail(missing);
    return text === '' ? null : text;
  }

  /** All that is left, mentions still as tokens: for parsers that read targets themselves. */
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
    const targets = this.guard(() => targetsOf(this.raw(), this.mentions));
    if (atLeastOne && targets.length === 0) throw this.fail('Targets missing.');
    return targets;
  }

  /** One person: role and preferences belong to people, not teams. */
  person(): Target {
    const match = /^[\s,]*([^\s,]+)[\s,]*/.exec(this.rest);
    if (!match?.[1]) throw this.fail('Person missing.');
    const token = match[1];
    this.rest = this.rest.slice(match[0].length);
    const target = this.guard(() => parseTarget(token, this.mentions));
    if (target.kind === 'team') throw this.fail(`${this.quote(token)} is a team; give one person.`);
    return target;
  }

  optionalPerson(): Target | null {
    return this.rest.trim() === '' ? null : this.person();
  }

  done<C>(command: C): C {
    const [extra] = shift(this.rest.replace(/^[\s,]+/, ''));
    if (extra !== '') throw this.fail(`Unexpected ${this.quote(extra)}.`);
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
  const targets = a.guard(() => targetsOf(before, a.mentions));
  if (targets.length === 0) throw a.fail('Give at least one target.');
  let service: string | null = null;
  let severities: Severity[] = [];
  const conditions = after.replace(/\s*,\s*/g, ',').match(/\S+/g) ?? [];
  for (const cond of conditions) {
    const [key = '', value = ''] = cond.split(/=(.*)/s);
    if (key.toLowerCase() === 'service' && service === null) {
      if (!NAME.test(value)) throw a.fail(`${a.quote(value)} is not a service name.`);
      service = value;
    } else if (key.toLowerCase() === 'severity' && severities.length === 0) {
      severities = a.guard(() =>
        parseList(SEVERITIES, value.toUpperCase(), 'severity', a.mentions),
      );
    } else {
      throw a.fail(`Unexpected ${a.quote(cond)} after \`when\`.`);
    }
  }
  if (service === null && severities.length === 0) {
    throw a.fail('Give `service=<name>` and/or `severity=<SEV1,…>` after `when`.');
  }
  return { ...S, name: 'rule-add', targets, service, severities };
}

/** `team-edit` comes from the team form only: there is no command line for it. */
const STAKEHOLDERS: Parsers<Exclude<StakeholdersCommand, { name: 'team-edit' }>> = {
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
    const channels = a.guard(() => parseList(CHANNELS, list, 'channel', a.mentions));
    return a.done({ ...S, name: 'prefs-set', channels, target: a.optionalPerson() });
  },
  role: (a) => {
    const target = a.person();
    const word = a.word('Role missing.').toLowerCase();
    const role = ROLES.find((r) => r === word);
    if (role === undefined) throw a.fail(`${a.quote(word)} is not a role.`);
    return a.done({ ...S, name: 'role', target, role });
  },
  rules: (a) => a.done({ ...S, name: 'rules' }),
  'rule-add': parseRuleAdd,
  'rule-list': (a) => a.done({ ...S, name: 'rule-list' }),
  'rule-remove': (a) => {
    const word = a.word('Rule number missing.');
    const ruleId = positiveInt(word);
    if (ruleId === null) throw a.fail(`${a.quote(word)} is not a rule number.`);
    return a.done({ ...S, name: 'rule-remove', ruleId });
  },
};

/** Resolves `team show …` to `team-show`, `prefs set …` to `prefs-set`; `/incident 42` means show. */
function subcommandKey(
  root: CommandRoot,
  input: string,
  mentions: readonly Mention[],
): [key: string, rest: string] {
  const [first, rest] = shift(input);
  const word = first.toLowerCase();
  if (root === 'incident' && /^[#\d]/.test(word)) return ['show', input];
  if (root === 'stakeholders' && (word === 'team' || word === 'rule')) {
    const [sub, after] = shift(rest);
    const group = usageFor('stakeholders', word);
    if (sub === '') throw usageError(`What should \`${word}\` do? ${formatUsage(group)}`);
    const key = `${word}-${sub.toLowerCase()}`;
    if (!Object.hasOwn(STAKEHOLDERS, key)) {
      throw usageError(
        `Unknown subcommand ${quote(`${word} ${sub}`, mentions)}. ${formatUsage(group)}`,
      );
    }
    return [key, after];
  }
  if (root === 'stakeholders' && word === 'prefs' && shift(rest)[0].toLowerCase() === 'set') {
    return ['prefs-set', shift(rest)[1]];
  }
  return [word.includes('-') ? '' : word, rest];
}

function parseEncoded(root: CommandRoot, { text, mentions }: Encoded): Command {
  const input = text.trim();
  if (input.length > MAX_LENGTH) {
    throw usageError(`Command too long (at most ${MAX_LENGTH} characters). Usage: /${root} help`);
  }
  if (input === '') return { root, name: 'help' };
  const [key, rest] = subcommandKey(root, input, mentions);
  const table: Record<string, (a: Args) => Command> = root === 'incident' ? INCIDENT : STAKEHOLDERS;
  // hasOwn: a bare lookup would find `constructor` and friends on the prototype.
  const parse = Object.hasOwn(table, key) ? table[key] : undefined;
  if (parse === undefined) {
    const known = subcommandWords(root).join(', ');
    throw usageError(
      `Unknown subcommand ${quote(shift(input)[0], mentions)}; use one of: ${known}. See /${root} help`,
    );
  }
  return parse(new Args(rest, usageFor(root, key as UsageName<CommandRoot>), mentions));
}

/**
 * Parses what follows `/incident` or `/stakeholders` into a typed command; empty text is `help`.
 * Free text is trimmed, its mentions read as their labels, nothing else.
 * @throws HeraldError `USAGE` saying what was wrong, with the usage line.
 */
export function parseCommand(root: CommandRoot, input: CommandInput): Command {
  return parseEncoded(root, encode(input));
}

const PERSONAL_USAGE = { incident: 'incident <id>', unsubscribe: 'unsubscribe <id>' } as const;

/**
 * The personal-chat commands everyone has (`help | incidents | incident <id> | preferences |
 * unsubscribe <id>`). `incident` takes exactly one number here; anything else after it (`incident
 * list`, `incident notify 42 …`) is the responders' grammar and gives null, as does any other word.
 */
function parsePersonal(text: string): PersonalCommand | null {
  const [first = '', ...rest] = text.trim().split(/\s+/);
  const word = first.toLowerCase().replace(/^\//, '');
  const P = { root: 'personal' } as const;
  switch (word) {
    case 'help':
    case 'incidents':
    case 'preferences':
      return rest.length === 0 ? { ...P, name: word } : null;
    case 'incident':
    case 'unsubscribe': {
      if (rest.length > 1) return null;
      if (word === 'incident' && !/^#?\d/.test(rest[0] ?? '')) return null;
      try {
        return { ...P, name: word, id: parseIncidentId(rest[0] ?? '') };
      } catch (err) {
        if (isHeraldError(err)) throw usageError(`${err.message} Usage: ${PERSONAL_USAGE[word]}`);
        throw err;
      }
    }
    default:
      return null;
  }
}

/** Is this chat message in the slash grammar (`incident …`, `stakeholders …`) rather than a personal command? */
export function isSlashGrammar(input: CommandInput): boolean {
  const { text } = encode(input);
  return parsePersonalQuietly(text) === null && /^\/?(incident|stakeholders)\b/i.test(text.trim());
}

function parsePersonalQuietly(text: string): PersonalCommand | null | 'malformed' {
  try {
    return parsePersonal(text);
  } catch {
    return 'malformed';
  }
}

/**
 * A message in a personal chat with Herald: the personal commands, or the slash grammar without
 * its slash (`incident notify 42 …`, `/stakeholders team list`). An empty message is `help`.
 * @throws HeraldError `USAGE` for anything else, or as {@link parseCommand}.
 */
export function parseChatMessage(input: CommandInput): Command {
  const encoded = encode(input);
  const text = encoded.text.trim();
  if (text === '') return { root: 'personal', name: 'help' };
  const personal = parsePersonal(text);
  if (personal) return personal;
  const match = /^\/?(incident|stakeholders)(?:\s+([\s\S]*))?$/i.exec(text);
  if (match?.[1]) {
    const root = match[1].toLowerCase() as CommandRoot;
    return parseEncoded(root, { text: match[2] ?? '', mentions: encoded.mentions });
  }
  const word = words(text.split(/\s+/)[0] ?? '', encoded.mentions);
  throw usageError(
    `I did not understand “${word.length > 40 ? `${word.slice(0, 40)}…` : word}”. Type help for what I understand.`,
  );
}
