import type { ActionContext } from '../actions/context.js';
import { declareIncident } from '../actions/declare-incident.js';
import { deliveryStatus } from '../actions/delivery-status.js';
import type { SlackProfile } from '../actions/identify-person.js';
import { identifySlackUser } from '../actions/identify-person.js';
import {
  changeTeamMembers,
  createTeam,
  deleteTeam,
  listTeams,
  showTeam,
} from '../actions/manage-teams.js';
import { addRule, listRules, removeRule } from '../actions/manage-rules.js';
import { postStatusUpdate } from '../actions/post-status-update.js';
import { previewAudience } from '../actions/preview-audience.js';
import { resolveIncident } from '../actions/resolve-incident.js';
import { resolveOnePerson, resolveTargets } from '../actions/resolve-targets.js';
import { getPreferences, setPreferences } from '../actions/set-preferences.js';
import { setRole } from '../actions/set-role.js';
import { setSummary } from '../actions/set-summary.js';
import { subscribeToIncident } from '../actions/subscribe-to-incident.js';
import { unsubscribeFromIncident } from '../actions/unsubscribe-from-incident.js';
import { listIncidents, showIncident } from '../actions/view-incidents.js';
import { can, incidentFor, requirePermission, visibleIncident } from '../access.js';
import type { Incident, Person, Source } from '../domain/types.js';
import { HeraldError, isHeraldError } from '../errors.js';
import { parseCommand } from './grammar.js';
import type { FanOutSummary } from '../notify/fan-out.js';
import type { PreferencesView } from '../actions/set-preferences.js';
import * as replies from './replies.js';
import type { Command, CommandRoot, Target } from './types.js';
import { INCIDENT_HELP, STAKEHOLDERS_HELP, usageFor, type UsageName } from './usage.js';

/** Looks platform users up when a command names one Herald has not met yet. */
export interface Directory {
  slackUser?(userId: string): Promise<SlackProfile | null>;
}

export interface CommandContext extends ActionContext {
  directory?: Directory;
  /** Counts each command by name (`incident notify`) and outcome (`ok` or an error code). */
  observeCommand?(name: string, outcome: string): void;
}

/** What a surface shows after a command: a text reply, or a modal to open. */
export type Reply =
  | { kind: 'text'; text: string }
  | { kind: 'modal'; modal: 'declare'; title: string | null }
  | { kind: 'modal'; modal: 'subscribe'; incident: Incident }
  | { kind: 'modal'; modal: 'update'; incident: Incident; audience: FanOutSummary }
  | { kind: 'modal'; modal: 'teams' }
  | { kind: 'modal'; modal: 'preferences'; preferences: PreferencesView }
  | { kind: 'modal'; modal: 'rules' };

const text = (t: string): Reply => ({ kind: 'text', text: t });

/** Meets the Slack users a command names, so the core can resolve them to people. */
async function meetSlackUsers(ctx: CommandContext, targets: readonly Target[]): Promise<void> {
  for (const t of targets) {
    if (t.kind !== 'slack' || ctx.store.people.bySlackUserId(t.userId)) continue;
    const profile = await ctx.directory?.slackUser?.(t.userId);
    if (profile) identifySlackUser(ctx, profile);
  }
}

/** Is this target the actor themselves? Answered without creating anyone. */
const isSelf = (actor: Person, t: Target): boolean =>
  (t.kind === 'slack' && t.userId === actor.slackUserId) ||
  (t.kind === 'email' && t.email.toLowerCase() === actor.email?.toLowerCase());

/**
 * Refuses a command the actor may not run before anything is looked up or created: a refused
 * command must leave no trace (not even an email-only person met through its targets), and a
 * stakeholder's view of an incident they do not follow stays "not found".
 */
function preflight(ctx: CommandContext, actor: Person, c: Command): void {
  const { store } = ctx;
  if (c.root === 'incident') {
    if (c.name === 'unsubscribe') visibleIncident(store, actor, c.id);
    else if (c.name === 'stakeholders') incidentFor(store, actor, c.id, 'delivery-status');
    else if (
      ['summary', 'subscribe', 'update', 'notify', 'resolve'].includes(c.name) &&
      'id' in c
    ) {
      incidentFor(store, actor, c.id, 'edit-incident');
    }
    return;
  }
  switch (c.name) {
    case 'teams':
    case 'team-create':
    case 'team-delete':
    case 'team-add':
    case 'team-remove':
      return requirePermission(actor, 'manage-teams');
    case 'role':
      return requirePermission(actor, 'manage-roles');
    case 'rules':
    case 'rule-add':
    case 'rule-list':
    case 'rule-remove':
      return requirePermission(actor, 'manage-rules');
    case 'prefs':
    case 'prefs-set':
      if (c.target && !isSelf(actor, c.target)) requirePermission(actor, 'others-preferences');
      return;
    default:
      return;
  }
}

function targetsOf(command: Command): Target[] {
  if ('targets' in command) return command.targets;
  if ('target' in command && command.target) return [command.target];
  return [];
}

/**
 * Runs one parsed command for an actor: the single dispatcher behind `/incident`, `/stakeholders`
 * and the Teams message grammar. Throws `HeraldError`s for the surface to render.
 */
export async function executeCommand(
  ctx: CommandContext,
  actor: Person,
  command: Command,
  source: Source,
): Promise<Reply> {
  const name = `${command.root} ${command.name}`;
  try {
    preflight(ctx, actor, command);
    await meetSlackUsers(ctx, targetsOf(command));
    const reply =
      command.root === 'incident'
        ? runIncident(ctx, actor, command, source)
        : runStakeholders(ctx, actor, command);
    ctx.observeCommand?.(name, 'ok');
    return reply;
  } catch (err) {
    ctx.observeCommand?.(name, isHeraldError(err) ? err.code : 'error');
    throw withUsage(err, command);
  }
}

/**
 * An action refused the command's input: its message says which input and why; the command's
 * usage line follows, as for any malformed command (PRODUCT §4). Other errors pass as they are.
 */
function withUsage(err: unknown, command: Command): unknown {
  if (!isHeraldError(err) || err.code !== 'INVALID_INPUT') return err;
  const usage = usageFor(command.root, command.name as UsageName<CommandRoot>);
  const lines = usage.includes('\n') ? `Usage:\n${usage}` : `Usage: ${usage}`;
  return new HeraldError('INVALID_INPUT', `${err.message} ${lines}`, err.field);
}

/** Parses command text with the shared grammar and runs it; a malformed one counts as `USAGE`. */
export async function runCommandText(
  ctx: CommandContext,
  actor: Person,
  root: CommandRoot,
  text: string,
  source: Source,
): Promise<Reply> {
  let command: Command;
  try {
    command = parseCommand(root, text);
  } catch (err) {
    ctx.observeCommand?.(root, isHeraldError(err) ? err.code : 'error');
    throw err;
  }
  return executeCommand(ctx, actor, command, source);
}

function runIncident(
  ctx: CommandContext,
  actor: Person,
  c: Extract<Command, { root: 'incident' }>,
  source: Source,
): Reply {
  switch (c.name) {
    case 'help':
      return text(INCIDENT_HELP);
    case 'new': {
      requirePermission(actor, 'declare');
      if (c.title === null) return { kind: 'modal', modal: 'declare', title: null };
      const { incident } = declareIncident(ctx, actor, { title: c.title, source });
      return text(
        `Declared ${replies.incidentLine(incident)}.\nNext: /incident summary ${incident.id} <impact in plain words>, then /incident subscribe ${incident.id}.`,
      );
    }
    case 'list':
      return text(
        replies.incidentList(listIncidents(ctx, actor), !can(actor, 'see-all-incidents')),
      );
    case 'show':
      return text(replies.incidentDetails(showIncident(ctx, actor, c.id)));
    case 'summary': {
      const incident = setSummary(ctx, actor, c.id, c.text);
      return text(`Stakeholder summary of #${incident.id} set.`);
    }
    case 'subscribe': {
      if (c.targets.length === 0) {
        return {
          kind: 'modal',
          modal: 'subscribe',
          incident: incidentFor(ctx.store, actor, c.id, 'edit-incident'),
        };
      }
      // One transaction: an email-only person made for a command that then fails is rolled back too.
      const r = ctx.store.transaction(() =>
        subscribeToIncident(ctx, actor, c.id, resolveTargets(ctx, c.targets)),
      );
      return text(replies.subscribedText(r));
    }
    case 'unsubscribe': {
      const r = unsubscribeFromIncident(
        ctx,
        actor,
        c.id,
        resolveTargets(ctx, c.targets, { createByEmail: false }),
      );
      const removed = r.people.length + r.teams.length;
      const still = r.stillViaTeam.length
        ? ` Still subscribed through a team: ${r.stillViaTeam.map(replies.personName).join(', ')}.`
        : '';
      return text(`Removed ${replies.plural(removed, 'subscription')} from #${c.id}.${still}`);
    }
    case 'update': {
      if (c.text === null) {
        const incident = incidentFor(ctx.store, actor, c.id, 'edit-incident');
        return {
          kind: 'modal',
          modal: 'update',
          incident,
          audience: previewAudience(ctx, actor, c.id),
        };
      }
      postStatusUpdate(ctx, actor, c.id, { text: c.text, notifyStakeholders: false });
      return text(`Internal update added to #${c.id} (stakeholders not notified).`);
    }
    case 'notify': {
      const r = postStatusUpdate(ctx, actor, c.id, { text: c.text, notifyStakeholders: true });
      return text(
        `Update sent to stakeholders of #${c.id}: ${replies.notifiedPhrase(r.notified)}.`,
      );
    }
    case 'resolve': {
      const r = resolveIncident(ctx, actor, c.id, c.note);
      return text(`Resolved #${c.id}; ${replies.notifiedPhrase(r.notified)}.`);
    }
    case 'stakeholders':
      return text(replies.deliveryStatusText(deliveryStatus(ctx, actor, c.id)));
  }
}

function runStakeholders(
  ctx: CommandContext,
  actor: Person,
  c: Extract<Command, { root: 'stakeholders' }>,
): Reply {
  switch (c.name) {
    case 'help':
      return text(STAKEHOLDERS_HELP);
    case 'teams':
      requirePermission(actor, 'manage-teams');
      return { kind: 'modal', modal: 'teams' };
    case 'team-list':
      return text(replies.teamList(listTeams(ctx, actor)));
    case 'team-show': {
      const { team, members } = showTeam(ctx, actor, c.team);
      return text(replies.teamDetails(team, members));
    }
    case 'team-create': {
      const team = createTeam(ctx, actor, { name: c.team, description: c.description });
      return text(
        `Created team:${team.name}. Add members with /stakeholders team add ${team.name} <people or emails>.`,
      );
    }
    case 'team-delete': {
      const team = deleteTeam(ctx, actor, c.team);
      return text(`Deleted team:${team.name} and its subscriptions.`);
    }
    case 'team-add':
    case 'team-remove': {
      requirePermission(actor, 'manage-teams');
      if (c.targets.some((t) => t.kind === 'team')) {
        throw new HeraldError(
          'INVALID_INPUT',
          'Teams cannot be members of teams: name people or emails.',
          'targets',
        );
      }
      const r = ctx.store.transaction(() => {
        const { people } = resolveTargets(ctx, c.targets, { createByEmail: c.name === 'team-add' });
        return changeTeamMembers(
          ctx,
          actor,
          c.team,
          c.name === 'team-add' ? { add: people } : { remove: people },
        );
      });
      return text(
        c.name === 'team-add'
          ? `Added ${replies.plural(r.added.length, 'member')} to team:${r.team.name}.`
          : `Removed ${replies.plural(r.removed.length, 'member')} from team:${r.team.name}.`,
      );
    }
    case 'prefs': {
      const target = c.target ? resolveOnePerson(ctx, c.target) : actor;
      return {
        kind: 'modal',
        modal: 'preferences',
        preferences: getPreferences(ctx, actor, target),
      };
    }
    case 'prefs-set': {
      const target = c.target ? resolveOnePerson(ctx, c.target) : actor;
      return text(replies.preferencesText(setPreferences(ctx, actor, c.channels, target)));
    }
    case 'role': {
      requirePermission(actor, 'manage-roles');
      const person = setRole(ctx, actor, resolveOnePerson(ctx, c.target), c.role);
      return text(
        `${replies.personName(person)} is now ${person.role === 'admin' ? 'an admin' : `a ${person.role}`}.`,
      );
    }
    case 'rules':
      requirePermission(actor, 'manage-rules');
      return { kind: 'modal', modal: 'rules' };
    case 'rule-add': {
      // Checked before resolving targets, which may create email-only people.
      requirePermission(actor, 'manage-rules');
      // One transaction: an email-only person made for a rule that then fails is rolled back too.
      const rule = ctx.store.transaction(() =>
        addRule(ctx, actor, {
          service: c.service,
          severities: c.severities,
          targets: resolveTargets(ctx, c.targets),
        }),
      );
      return text(`Rule ${rule.id} added: ${replies.ruleLine(rule)}.`);
    }
    case 'rule-list':
      return text(replies.ruleList(listRules(ctx, actor)));
    case 'rule-remove': {
      const rule = removeRule(ctx, actor, c.ruleId);
      return text(`Rule ${rule.id} removed: ${replies.ruleLine(rule)}.`);
    }
  }
}
