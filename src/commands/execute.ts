import { can } from '../access.js';
import type { ActionContext } from '../actions/context.js';
import { declareIncident } from '../actions/declare-incident.js';
import { deliveryStatus } from '../actions/delivery-status.js';
import {
  declareForm,
  rulesForm,
  stakeholderTeamsForm,
  subscribeForm,
  updateForm,
} from '../actions/forms.js';
import { addRule, listRules, removeRule, type RuleView } from '../actions/manage-rules.js';
import {
  changeStakeholderTeamMembers,
  createStakeholderTeam,
  deleteStakeholderTeam,
  editStakeholderTeam,
  listStakeholderTeams,
  showStakeholderTeam,
} from '../actions/manage-stakeholder-teams.js';
import { postStatusUpdate } from '../actions/post-status-update.js';
import { resolveIncident } from '../actions/resolve-incident.js';
import {
  getPreferences,
  setPreferences,
  type PreferencesView,
} from '../actions/set-preferences.js';
import { setRole } from '../actions/set-role.js';
import { setSummary } from '../actions/set-summary.js';
import { subscribeToIncident } from '../actions/subscribe-to-incident.js';
import { unsubscribeFromIncident } from '../actions/unsubscribe-from-incident.js';
import { listIncidents, showIncident } from '../actions/view-incidents.js';
import type { Incident, Person, Source, StakeholderTeam } from '../domain/types.js';
import { HeraldError, isHeraldError } from '../errors.js';
import type { FanOutSummary } from '../notify/fan-out.js';
import { isSlashGrammar, parseChatMessage, parseCommand } from './grammar.js';
import * as replies from './replies.js';
import type { Command, CommandInput, CommandRoot } from './types.js';
import { INCIDENT_HELP, STAKEHOLDERS_HELP, usageFor, type UsageName } from './usage.js';

export interface CommandContext extends ActionContext {
  /** Counts each command by name (`incident notify`) and outcome (`ok` or an error code). */
  observeCommand?(name: string, outcome: string): void;
}

/**
 * What a surface shows after a command: words (with a short title for surfaces that show one, a
 * Slack modal's), or a form to open with what it needs. Surfaces without that form say so.
 */
export type Reply =
  | { kind: 'text'; text: string; title?: string }
  | { kind: 'form'; form: 'declare'; title: string | null }
  | { kind: 'form'; form: 'subscribe'; incident: Incident; teams: StakeholderTeam[] }
  | { kind: 'form'; form: 'update'; incident: Incident; audience: FanOutSummary }
  | {
      kind: 'form';
      form: 'stakeholder-teams';
      teams: Array<StakeholderTeam & { memberCount: number }>;
    }
  | { kind: 'form'; form: 'preferences'; preferences: PreferencesView }
  | { kind: 'form'; form: 'rules'; rules: RuleView[]; teams: StakeholderTeam[] };

const text = (t: string, title?: string): Reply => ({
  kind: 'text',
  text: t,
  ...(title ? { title } : {}),
});

type Handler<C extends Command> = (
  ctx: CommandContext,
  actor: Person,
  command: C,
  source: Source,
) => Promise<Reply>;

/** One entry per command: the action it runs and the reply it words. Permissions are the actions'. */
const COMMANDS: { [C in Command as `${C['root']} ${C['name']}`]: Handler<C> } = {
  'incident help': () => Promise.resolve(text(INCIDENT_HELP)),
  'incident new': async (ctx, actor, c, source) => {
    if (c.title === null) {
      declareForm(actor);
      return { kind: 'form', form: 'declare', title: null };
    }
    const { incident } = await declareIncident(ctx, actor, {
      title: c.title,
      ...(c.summary !== undefined && { summary: c.summary }),
      ...(c.severity !== undefined && { severity: c.severity }),
      ...(c.service !== undefined && { service: c.service }),
      source,
    });
    return text(replies.declaredText(incident), `Declared #${incident.id}`);
  },
  'incident list': async (ctx, actor) =>
    text(replies.incidentList(await listIncidents(ctx, actor))),
  'incident show': async (ctx, actor, c) =>
    text(replies.incidentDetails(await showIncident(ctx, actor, c.id))),
  'incident summary': async (ctx, actor, c) => {
    const incident = await setSummary(ctx, actor, { incidentId: c.id, summary: c.text });
    return text(replies.summarySetText(incident.id));
  },
  'incident subscribe': async (ctx, actor, c) => {
    if (c.targets.length === 0 && c.summary === undefined) {
      return { kind: 'form', form: 'subscribe', ...(await subscribeForm(ctx, actor, c.id)) };
    }
    const r = await subscribeToIncident(ctx, actor, {
      incidentId: c.id,
      targets: c.targets,
      ...(c.summary !== undefined && { summary: c.summary }),
    });
    return text(replies.subscribedText(r), `Subscribed to #${c.id}`);
  },
  'incident unsubscribe': async (ctx, actor, c) => {
    const r = await unsubscribeFromIncident(ctx, actor, { incidentId: c.id, targets: c.targets });
    return text(replies.unsubscribedText(c.id, r));
  },
  'incident update': async (ctx, actor, c) => {
    if (c.text === null) {
      return { kind: 'form', form: 'update', ...(await updateForm(ctx, actor, c.id)) };
    }
    await postStatusUpdate(ctx, actor, {
      incidentId: c.id,
      text: c.text,
      notifyStakeholders: false,
    });
    return text(replies.internalUpdateText(c.id), `Update on #${c.id}`);
  },
  'incident notify': async (ctx, actor, c) => {
    const r = await postStatusUpdate(ctx, actor, {
      incidentId: c.id,
      text: c.text,
      notifyStakeholders: true,
    });
    return text(replies.notifiedText(c.id, r.notified), `Update on #${c.id}`);
  },
  'incident resolve': async (ctx, actor, c) => {
    const r = await resolveIncident(ctx, actor, { incidentId: c.id, note: c.note });
    return text(replies.resolvedText(c.id, r.notified), `Resolved #${c.id}`);
  },
  'incident stakeholders': async (ctx, actor, c) =>
    text(replies.deliveryStatusText(await deliveryStatus(ctx, actor, c.id))),

  'stakeholders help': () => Promise.resolve(text(STAKEHOLDERS_HELP)),
  'stakeholders teams': async (ctx, actor) => ({
    kind: 'form',
    form: 'stakeholder-teams',
    teams: await stakeholderTeamsForm(ctx, actor),
  }),
  'stakeholders team-list': async (ctx, actor) =>
    text(replies.teamList(await listStakeholderTeams(ctx, actor))),
  'stakeholders team-show': async (ctx, actor, c) => {
    const { team, members } = await showStakeholderTeam(ctx, actor, c.team);
    return text(replies.teamDetails(team, members));
  },
  'stakeholders team-create': async (ctx, actor, c) => {
    const team = await createStakeholderTeam(ctx, actor, {
      name: c.team,
      description: c.description,
      ...(c.members && { members: c.members }),
    });
    return text(replies.teamCreatedText(team));
  },
  'stakeholders team-edit': async (ctx, actor, c) => {
    const r = await editStakeholderTeam(ctx, actor, {
      team: c.team,
      name: c.newName,
      description: c.description,
      members: c.members,
    });
    return text(replies.teamEditedText(r.team, r.added.length, r.removed.length));
  },
  'stakeholders team-delete': async (ctx, actor, c) =>
    text(replies.teamDeletedText(await deleteStakeholderTeam(ctx, actor, c.team))),
  'stakeholders team-add': async (ctx, actor, c) => {
    const r = await changeStakeholderTeamMembers(ctx, actor, { team: c.team, add: c.targets });
    return text(replies.membersAddedText(r.team, r.added.length));
  },
  'stakeholders team-remove': async (ctx, actor, c) => {
    const r = await changeStakeholderTeamMembers(ctx, actor, { team: c.team, remove: c.targets });
    return text(replies.membersRemovedText(r.team, r.removed.length));
  },
  'stakeholders prefs': async (ctx, actor, c) => ({
    kind: 'form',
    form: 'preferences',
    preferences: await getPreferences(ctx, actor, c.target),
  }),
  'stakeholders prefs-set': async (ctx, actor, c) => {
    const view = await setPreferences(ctx, actor, { channels: c.channels, target: c.target });
    return text(replies.preferencesSavedText(view), 'Channels saved');
  },
  'stakeholders role': async (ctx, actor, c) =>
    text(replies.roleSetText(await setRole(ctx, actor, { target: c.target, role: c.role }))),
  'stakeholders rules': async (ctx, actor) => ({
    kind: 'form',
    form: 'rules',
    ...(await rulesForm(ctx, actor)),
  }),
  'stakeholders rule-add': async (ctx, actor, c) => {
    const rule = await addRule(ctx, actor, {
      service: c.service,
      severities: c.severities,
      targets: c.targets,
    });
    return text(replies.ruleAddedText(rule), 'Rule added');
  },
  'stakeholders rule-list': async (ctx, actor) =>
    text(replies.ruleList(await listRules(ctx, actor))),
  'stakeholders rule-remove': async (ctx, actor, c) =>
    text(replies.ruleRemovedText(await removeRule(ctx, actor, c.ruleId))),

  'personal help': (_ctx, actor) =>
    Promise.resolve(text(replies.personalHelp(can(actor, 'responder-commands')))),
  'personal incidents': async (ctx, actor) =>
    text(replies.incidentList(await listIncidents(ctx, actor))),
  'personal incident': async (ctx, actor, c) =>
    text(replies.incidentDetails(await showIncident(ctx, actor, c.id))),
  'personal preferences': async (ctx, actor) => ({
    kind: 'form',
    form: 'preferences',
    preferences: await getPreferences(ctx, actor),
  }),
  'personal unsubscribe': async (ctx, actor, c) => {
    const r = await unsubscribeFromIncident(ctx, actor, {
      incidentId: c.id,
      targets: [{ kind: 'person', personId: actor.id }],
    });
    return text(replies.unsubscribedSelfText(c.id, r));
  },
};

/**
 * Runs one command for an actor: the single dispatcher behind `/incident`, `/stakeholders`, the
 * Slack modals, App Home's buttons and the Teams chat. Throws `HeraldError`s for the surface to
 * render.
 */
export async function executeCommand(
  ctx: CommandContext,
  actor: Person,
  command: Command,
  source: Source,
): Promise<Reply> {
  const name = `${command.root} ${command.name}`;
  try {
    const handler = (COMMANDS as Record<string, Handler<Command>>)[name];
    if (!handler) throw new Error(`no handler for ${name}`);
    const reply = await handler(ctx, actor, command, source);
    ctx.observeCommand?.(name, 'ok');
    return reply;
  } catch (err) {
    ctx.observeCommand?.(name, isHeraldError(err) ? err.code : 'error');
    throw err;
  }
}

/** Parses with `parse` and counts a malformed command as `USAGE` under `name`. */
function parsed(ctx: CommandContext, name: string, parse: () => Command): Command {
  try {
    return parse();
  } catch (err) {
    ctx.observeCommand?.(name, isHeraldError(err) ? err.code : 'error');
    throw err;
  }
}

/**
 * An action refused a typed command's input: its message says which input and why; the command's
 * usage line follows, as for any malformed command (PRODUCT §4). Forms show the message on the
 * field instead, so they run commands without it.
 */
function withUsage(err: unknown, command: Command): unknown {
  if (!isHeraldError(err) || err.code !== 'INVALID_INPUT' || command.root === 'personal') {
    return err;
  }
  const usage = usageFor(command.root, command.name as UsageName<CommandRoot>);
  if (!usage) return err;
  const lines = usage.includes('\n') ? `Usage:\n${usage}` : `Usage: ${usage}`;
  return new HeraldError('INVALID_INPUT', `${err.message} ${lines}`, err.field);
}

/** Runs a typed command: its input errors come with the usage line. */
async function executeTyped(
  ctx: CommandContext,
  actor: Person,
  command: Command,
  source: Source,
): Promise<Reply> {
  try {
    return await executeCommand(ctx, actor, command, source);
  } catch (err) {
    throw withUsage(err, command);
  }
}

/** Parses slash-command text with the one grammar and runs it. */
export function runCommandText(
  ctx: CommandContext,
  actor: Person,
  root: CommandRoot,
  input: CommandInput,
  source: Source,
): Promise<Reply> {
  const command = parsed(ctx, root, () => parseCommand(root, input));
  return executeTyped(ctx, actor, command, source);
}

/**
 * A message in a personal chat: the personal commands for everyone, the slash grammar for those
 * who may use it.
 */
export async function runChatMessage(
  ctx: CommandContext,
  actor: Person,
  input: CommandInput,
  source: Source,
): Promise<Reply> {
  if (isSlashGrammar(input) && !can(actor, 'responder-commands')) {
    return text(replies.respondersOnlyText);
  }
  const command = parsed(ctx, 'chat', () => parseChatMessage(input));
  return executeTyped(ctx, actor, command, source);
}
