import type { DeliveryStatusView } from '../actions/delivery-status.js';
import type { Channel, Incident, Person, StakeholderTeam } from '../domain/types.js';
import type { FanOutSummary } from '../notify/fan-out.js';
import type { SubscribeResult } from '../actions/subscribe-to-incident.js';
import type { UnsubscribeResult } from '../actions/unsubscribe-from-incident.js';
import type { IncidentList, IncidentView } from '../actions/view-incidents.js';
import type { PreferencesView } from '../actions/set-preferences.js';
import type { RuleView } from '../actions/manage-rules.js';

/**
 * Plain-text replies, the same words on every surface (a Slack ephemeral reply or modal, a Teams
 * message). Each adapter escapes them for its own markup, so user text here stays inert. Nothing
 * else in Herald words a reply.
 */

const CHANNEL_NAME: Record<Channel, string> = { slack: 'Slack', teams: 'Teams', email: 'email' };

export const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

export const incidentLine = (i: Incident) =>
  `#${i.id} ${i.title} — ${i.severity}${i.service ? ` · ${i.service}` : ''} · ${i.status}`;

/** "notified 2 by Teams, 1 by email" — or "nobody new to notify". */
export function notifiedPhrase(s: FanOutSummary): string {
  const parts = (Object.keys(s.byChannel) as Channel[])
    .filter((c) => s.byChannel[c] > 0)
    .map((c) => `${s.byChannel[c]} by ${CHANNEL_NAME[c]}`);
  const undeliverable =
    s.undeliverable > 0 ? `; ${s.undeliverable} unreachable (no channel or email)` : '';
  return parts.length > 0
    ? `notified ${parts.join(', ')}${undeliverable}`
    : `nobody notified${undeliverable}`;
}

/** "Subscribed 3 people (1 via team:exec) to #42; notified 2 by Teams, 1 by email." */
export function subscribedText(r: SubscribeResult): string {
  const teams = r.teams.map((t) => `team:${t.name}`).join(', ');
  const via = r.viaTeams > 0 ? ` (${r.viaTeams} via ${teams})` : '';
  const already = r.alreadySubscribed > 0 ? ` ${r.alreadySubscribed} already subscribed.` : '';
  return `Subscribed ${plural(r.newlyNotified, 'person', 'people')}${via} to #${r.incident.id}; ${notifiedPhrase(r.notified)}.${already}`;
}

/** "will notify 37 people: 30 Teams, 5 Slack, 12 email" for the update modal. */
export function audiencePhrase(s: FanOutSummary): string {
  if (s.people === 0) return 'No stakeholders are subscribed yet: nobody will be notified.';
  const parts = (Object.keys(s.byChannel) as Channel[])
    .filter((c) => s.byChannel[c] > 0)
    .map((c) => `${s.byChannel[c]} ${CHANNEL_NAME[c]}`);
  const unreachable = s.undeliverable > 0 ? ` (${s.undeliverable} unreachable)` : '';
  return `Will notify ${plural(s.people, 'person', 'people')}: ${parts.join(', ') || 'none reachable'}${unreachable}.`;
}

export function incidentList({ incidents, scope }: IncidentList): string {
  const stakeholder = scope === 'mine';
  if (incidents.length === 0) {
    return stakeholder ? 'You are not subscribed to any open incident.' : 'No open incidents.';
  }
  return [
    stakeholder ? 'Your incidents:' : 'Open incidents:',
    ...incidents.map((i) => `• ${incidentLine(i)}`),
  ].join('\n');
}

export function incidentDetails(view: IncidentView): string {
  const { incident: i, updates, subscribers } = view;
  const lines = [
    incidentLine(i),
    `Summary: ${i.summary || '(none yet)'}`,
    ...(i.resolutionNote ? [`Resolution: ${i.resolutionNote}`] : []),
  ];
  if (subscribers) {
    const names = [
      ...subscribers.teams.map((t) => `team:${t.name}`),
      ...subscribers.people.map(personName),
    ];
    lines.push(
      `Stakeholders: ${names.length ? names.join(', ') : 'none'} (${plural(subscribers.recipients, 'person', 'people')} in all)`,
    );
  }
  if (updates.length > 0) {
    lines.push('Updates:');
    for (const u of updates.slice(0, 5)) {
      lines.push(
        `• ${new Date(u.createdAt).toISOString().slice(0, 16).replace('T', ' ')} UTC${subscribers ? (u.notifyStakeholders ? ' [stakeholders]' : ' [internal]') : ''} ${u.text}`,
      );
    }
  }
  return lines.join('\n');
}

export const personName = (p: Person) =>
  p.displayName && p.displayName !== p.email
    ? `${p.displayName}${p.email ? ` <${p.email}>` : ''}`
    : (p.email ?? `person ${p.id}`);

export function deliveryStatusText(view: DeliveryStatusView): string {
  const { incident, subscribers } = view;
  if (subscribers.length === 0) return `#${incident.id} has no stakeholders yet.`;
  const lines = [
    `Stakeholders of #${incident.id} (${plural(subscribers.length, 'person', 'people')}):`,
  ];
  for (const s of subscribers) {
    const states = s.channels.length
      ? s.channels
          .map(
            (c) =>
              `${CHANNEL_NAME[c.channel]} ${c.state}${c.error && c.state !== 'sent' ? ` (${c.error})` : ''}`,
          )
          .join(', ')
      : 'nothing sent yet';
    lines.push(`• ${personName(s.person)} — via ${s.via.join(', ')} — ${states}`);
  }
  return lines.join('\n');
}

export function teamList(teams: ReadonlyArray<StakeholderTeam & { memberCount: number }>): string {
  if (teams.length === 0)
    return 'No stakeholder teams yet. Create one with /stakeholders team create <name> [description].';
  return [
    'Stakeholder teams:',
    ...teams.map(
      (t) =>
        `• ${t.name} (${plural(t.memberCount, 'member')})${t.description ? ` — ${t.description}` : ''}`,
    ),
  ].join('\n');
}

export function teamDetails(team: StakeholderTeam, members: readonly Person[]): string {
  return [
    `team:${team.name}${team.description ? ` — ${team.description}` : ''}`,
    members.length ? `Members: ${members.map(personName).join(', ')}` : 'No members yet.',
  ].join('\n');
}

export function preferencesText(p: PreferencesView): string {
  const chosen = p.channels.map((c) => CHANNEL_NAME[c]).join(', ');
  const unreachable = p.channels.filter((c) => !p.reachable.includes(c));
  return [
    `${personName(p.person)} is told by ${chosen}${p.explicit ? '' : ' (the default)'}.`,
    ...(unreachable.length
      ? [
          `Not reachable on ${unreachable.map((c) => CHANNEL_NAME[c]).join(', ')}: those messages go by email when an address is known.`,
        ]
      : []),
  ].join('\n');
}

/** "SEV1 incidents of service payments → team:exec, Ann <ann@corp.example>" */
export function ruleLine(rule: RuleView): string {
  const list = rule.severities ?? [];
  const severities =
    list.length > 1 ? `${list.slice(0, -1).join(', ')} or ${list.at(-1)}` : list[0];
  const what = severities ? `${severities} incidents` : 'incidents';
  const condition = rule.service ? `${what} of service ${rule.service}` : what;
  const targets = [...rule.teams.map((t) => `team:${t.name}`), ...rule.people.map(personName)];
  // Targets deleted since (a team, a person) leave a rule that subscribes no one: say so.
  return `${condition} → ${targets.length ? targets.join(', ') : 'nobody (its targets were deleted)'}`;
}

export function ruleList(rules: readonly RuleView[]): string {
  if (rules.length === 0) {
    return 'No auto-subscription rules yet. Add one with /stakeholders rule add <targets> when service=<name> severity=<SEV1,…>.';
  }
  return ['Auto-subscription rules:', ...rules.map((r) => `• ${r.id}: ${ruleLine(r)}`)].join('\n');
}

/** After `/incident new`: what was declared and what to do next. */
export const declaredText = (i: Incident) =>
  i.summary
    ? `Declared ${incidentLine(i)}.\nNext: /incident subscribe ${i.id} to tell stakeholders.`
    : `Declared ${incidentLine(i)}.\nNext: /incident summary ${i.id} <impact in plain words>, then /incident subscribe ${i.id}.`;

export const summarySetText = (id: number) => `Stakeholder summary of #${id} set.`;

export const internalUpdateText = (id: number) =>
  `Internal update added to #${id} (stakeholders not notified).`;

export const notifiedText = (id: number, notified: FanOutSummary) =>
  `Update sent to stakeholders of #${id}: ${notifiedPhrase(notified)}.`;

export const resolvedText = (id: number, notified: FanOutSummary) =>
  `Resolved #${id}; ${notifiedPhrase(notified)}.`;

export function unsubscribedText(id: number, r: UnsubscribeResult): string {
  const removed = r.people.length + r.teams.length;
  const still = r.stillViaTeam.length
    ? ` Still subscribed through a team: ${r.stillViaTeam.map(personName).join(', ')}.`
    : '';
  return `Removed ${plural(removed, 'subscription')} from #${id}.${still}`;
}

/** Someone leaving an incident themselves (the personal `unsubscribe <id>`). */
export const unsubscribedSelfText = (id: number, r: UnsubscribeResult) =>
  r.people.length > 0
    ? `You will no longer hear about #${id}.`
    : r.stillViaTeam.length > 0
      ? `You are still told about #${id} through a stakeholder team.`
      : `You were not following #${id}.`;

export const teamCreatedText = (team: StakeholderTeam) =>
  `Created team:${team.name}. Add members with /stakeholders team add ${team.name} <people or emails>.`;

export const teamEditedText = (team: StakeholderTeam, added: number, removed: number) =>
  `Saved team:${team.name} (${plural(added, 'member')} added, ${removed} removed).`;

export const teamDeletedText = (team: StakeholderTeam) =>
  `Deleted team:${team.name} and its subscriptions.`;

export const membersAddedText = (team: StakeholderTeam, n: number) =>
  `Added ${plural(n, 'member')} to team:${team.name}.`;

export const membersRemovedText = (team: StakeholderTeam, n: number) =>
  `Removed ${plural(n, 'member')} from team:${team.name}.`;

export const roleSetText = (p: Person) =>
  `${personName(p)} is now ${p.role === 'admin' ? 'an admin' : `a ${p.role}`}.`;

export const ruleAddedText = (rule: RuleView) => `Rule ${rule.id} added: ${ruleLine(rule)}.`;

export const ruleRemovedText = (rule: RuleView) => `Rule ${rule.id} removed: ${ruleLine(rule)}.`;

export const preferencesSavedText = (p: PreferencesView) => `Saved. ${preferencesText(p)}`;

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

/** `help` in a personal chat; responders also hear about the slash grammar. */
export function personalHelp(responder: boolean): string {
  return [
    ...PERSONAL_HELP.map((l) =>
      responder ? l.replace('the open incidents you follow', 'open incidents') : l,
    ),
    ...(responder ? ['', ...RESPONDER_HELP] : []),
  ].join('\n');
}

/** A stakeholder typing the slash grammar in a personal chat. */
export const respondersOnlyText = `Only responders can use the incident and stakeholders commands.\n${PERSONAL_HELP.slice(1).join('\n')}`;
