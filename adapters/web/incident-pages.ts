/** "My incidents" and one incident, as a stakeholder sees them. */
import type {
  MyIncidents,
  StakeholderIncident,
  StakeholderIncidentView,
} from '../../src/actions/stakeholder-view.js';
import { escapeHtml } from '../html.js';
import { csrfField, layout, type Chrome } from './layout.js';
import { timeElement } from './time.js';

/** Where an incident's page is, for this reader. */
export type RefOf = (incidentId: number) => string;

const statusWord = (i: StakeholderIncident) => (i.status === 'resolved' ? 'Resolved' : 'Open');

const badges = (i: StakeholderIncident): string =>
  `<ul class="badges" aria-label="Status and severity">
<li class="badge ${i.status}">${statusWord(i)}</li>
<li class="badge ${i.severity}">${i.severity}</li>
</ul>`;

const notice = (text: string | null): string =>
  text ? `<p class="notice" role="status">${escapeHtml(text)}</p>\n` : '';

/** The incident: its facts, the summary, every stakeholder update with its time, the resolution. */
export function incidentPage(input: {
  view: StakeholderIncidentView;
  ref: string;
  zone: string;
  chrome: Chrome;
  notice: string | null;
}): string {
  const { incident: i, updates } = input.view;
  const { zone } = input;
  const facts = [
    ['Status', escapeHtml(statusWord(i))],
    ['Severity', escapeHtml(i.severity)],
    ['Service', i.service ? escapeHtml(i.service) : 'not set'],
    ['Declared', timeElement(i.createdAt, zone)],
    ...(i.resolvedAt !== null ? [['Resolved', timeElement(i.resolvedAt, zone)]] : []),
  ]
    .map(([label, value]) => `<dt>${label}</dt><dd>${value}</dd>`)
    .join('\n');
  const summary = i.summary.trim()
    ? `<p class="text">${escapeHtml(i.summary.trim())}</p>`
    : '<p>No summary yet.</p>';
  const resolution =
    i.status === 'resolved'
      ? `<section class="card" aria-labelledby="resolution">
<h2 id="resolution">Resolution</h2>
${i.resolutionNote?.trim() ? `<p class="text">${escapeHtml(i.resolutionNote.trim())}</p>` : '<p>The incident is resolved.</p>'}
</section>`
      : '';
  const list =
    updates.length === 0
      ? '<p>No updates yet.</p>'
      : `<ol class="updates" reversed>
${updates
  .map((u) => `<li>${timeElement(u.at, zone)}<p class="text">${escapeHtml(u.text)}</p></li>`)
  .join('\n')}
</ol>`;
  return layout(
    `#${i.id} ${i.title}`,
    `${notice(input.notice)}<article aria-labelledby="incident-title">
<div class="card">
<p class="meta">Incident #${escapeHtml(i.id)}</p>
<h1 id="incident-title">${escapeHtml(i.title)}</h1>
${badges(i)}
<dl class="facts">
${facts}
</dl>
</div>
<section class="card" aria-labelledby="impact">
<h2 id="impact">What this means for you</h2>
${summary}
</section>
${resolution}
<section class="card" aria-labelledby="updates">
<h2 id="updates">Updates</h2>
${list}
</section>
<form method="post" action="/my/unsubscribe/${escapeHtml(input.ref)}">
${csrfField(input.chrome.csrf)}
<button type="submit" class="secondary">Stop messages about this incident</button>
</form>
</article>`,
    input.chrome,
  );
}

function incidentList(incidents: StakeholderIncident[], refOf: RefOf, zone: string, none: string) {
  if (incidents.length === 0) return `<p>${none}</p>`;
  return `<ul class="incidents">
${incidents
  .map(
    (i) => `<li>
<a href="/my/incidents/${escapeHtml(refOf(i.id))}">#${escapeHtml(i.id)} ${escapeHtml(i.title)}</a>
<p class="meta">${escapeHtml(i.severity)}${i.service ? ` · ${escapeHtml(i.service)}` : ''} · ${
      i.resolvedAt !== null
        ? `resolved ${timeElement(i.resolvedAt, zone)}`
        : `since ${timeElement(i.createdAt, zone)}`
    }</p>
</li>`,
  )
  .join('\n')}
</ul>`;
}

/** The open and recently resolved incidents the reader follows, and only those. */
export function incidentsPage(input: {
  mine: MyIncidents;
  refOf: RefOf;
  zone: string;
  chrome: Chrome;
  notice: string | null;
}): string {
  const { mine, refOf, zone } = input;
  return layout(
    'My incidents',
    `${notice(input.notice)}<h1>My incidents</h1>
<section aria-labelledby="open">
<h2 id="open">Open</h2>
${incidentList(mine.open, refOf, zone, 'None of the incidents you follow is open.')}
</section>
<section aria-labelledby="resolved">
<h2 id="resolved">Resolved in the last 14 days</h2>
${incidentList(mine.resolved, refOf, zone, 'None.')}
</section>`,
    input.chrome,
  );
}
