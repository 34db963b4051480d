import { getPreferences } from '../../src/actions/set-preferences.js';
import { unsubscribeFromIncident } from '../../src/actions/unsubscribe-from-incident.js';
import { listIncidents, showIncident } from '../../src/actions/view-incidents.js';
import { can } from '../../src/access.js';
import { executeCommand, type CommandContext } from '../../src/commands/execute.js';
import { parseMessage } from '../../src/commands/grammar.js';
import * as replies from '../../src/commands/replies.js';
import type { Person } from '../../src/domain/types.js';
import { preferencesCard } from './preferences-card.js';
import { parsePersonalCommand, type PersonalCommand } from './personal-command.js';
import { fromCommandReply, textReply, type TeamsReply } from './teams-reply.js';

const PERSONAL_HELP = [
  'Herald keeps you posted about incidents. In this chat:',
  '• help — this help',
  '• incidents — the open incidents you follow',
  '• incident <id> — one incident',
  '• preferences — where Herald tells you: Teams, Slack or email',
  '• unsubscribe <id> — stop hearing about an incident',
];

const RESPONDER_HELP = [
  'As a responder you may also type the Slack commands here, without the slash:',
  'incident new <title>, incident notify <id> <text>, incident resolve <id> [note], stakeholders team list…',
  'incident help and stakeholders help list them all.',
];

const isResponder = (p: Person) => p.role !== 'stakeholder';

function helpText(actor: Person): string {
  return [
    ...PERSONAL_HELP.map((l) =>
      isResponder(actor) ? l.replace('the open incidents you follow', 'open incidents') : l,
    ),
    ...(isResponder(actor) ? ['', ...RESPONDER_HELP] : []),
  ].join('\n');
}

function runPersonal(ctx: CommandContext, actor: Person, c: PersonalCommand): TeamsReply {
  switch (c.name) {
    case 'help':
      return textReply(helpText(actor));
    case 'incidents':
      return textReply(
        replies.incidentList(listIncidents(ctx, actor), !can(actor, 'see-all-incidents')),
      );
    case 'incident':
      return textReply(replies.incidentDetails(showIncident(ctx, actor, c.id)));
    case 'preferences':
      return { kind: 'card', card: preferencesCard(getPreferences(ctx, actor), ctx.channels) };
    case 'unsubscribe': {
      const r = unsubscribeFromIncident(ctx, actor, c.id, { people: [actor], teams: [] });
      return textReply(
        r.people.length > 0
          ? `You will no longer hear about #${c.id}.`
          : r.stillViaTeam.length > 0
            ? `You are still told about #${c.id} through a stakeholder team.`
            : `You were not following #${c.id}.`,
      );
    }
  }
}

/**
 * Answers a message in the personal chat: the personal commands for everyone; for responders and
 * admins also the `/incident` and `/stakeholders` grammar, run by the same dispatcher as Slack.
 * Visibility and permissions are the core's: a stakeholder sees only what they follow.
 * @throws HeraldError for the caller to turn into a friendly reply.
 */
export async function answerMessage(
  ctx: CommandContext,
  actor: Person,
  text: string,
): Promise<TeamsReply> {
  const personal = parsePersonalCommand(text);
  if (personal) return runPersonal(ctx, actor, personal);
  if (/^\/?(incident|stakeholders)\b/i.test(text.trim())) {
    if (!isResponder(actor)) {
      return textReply(
        `Only responders can use the incident and stakeholders commands.\n${PERSONAL_HELP.slice(1).join('\n')}`,
      );
    }
    const command = parseMessage(text);
    if (command)
      return fromCommandReply(await executeCommand(ctx, actor, command, 'teams'), ctx.channels);
  }
  const word = text.trim().split(/\s+/)[0] ?? '';
  return textReply(
    `I did not understand “${word.length > 40 ? `${word.slice(0, 40)}…` : word}”. Type help for what I understand.`,
  );
}
