import type { DeliveryStatusView } from '../actions/delivery-status.js';
import type { Channel, Incident, Person, StakeholderTeam } from '../domain/types.js';
import type { FanOutSummary } from '../notify/fan-out.js';
import type { SubscribeResult } from '../actions/subscribe-to-incident.js';
import type { IncidentView } from '../actions/view-incidents.js';
import type { PreferencesView } from '../actions/set-preferences.js';
import type { RuleView } from '../actions/manage-rules.js';

/**
 * Plain-text replies, the same words on every surface. Each adapter escapes them for its own
 * markup, so user text here stays inert.
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

export function incidentList(incidents: readonly Incident[], stakeholder: boolean): string {
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
