/** "How to reach me": channels, time zone, leaving one incident, stopping everything. */
import type { PreferencesView } from '../../src/actions/set-preferences.js';
import type { StakeholderIncident } from '../../src/actions/stakeholder-view.js';
import { CHANNELS, type Channel } from '../../src/domain/types.js';
import { escapeHtml } from '../html.js';
import type { RefOf } from './incident-pages.js';
import { csrfField, layout, type Chrome } from './layout.js';
import { DEFAULT_ZONE, TIME_ZONES } from './time.js';

const LABEL: Record<Channel, string> = { slack: 'Slack', teams: 'Microsoft Teams', email: 'Email' };

/** The channels offered: as in the Teams preferences card, those Herald has on and any chosen. */
export const offeredChannels = (view: PreferencesView, enabled: ReadonlySet<Channel>): Channel[] =>
  CHANNELS.filter((c) => enabled.has(c) || view.channels.includes(c));

export function reachPage(input: {
  prefs: PreferencesView;
  enabled: ReadonlySet<Channel>;
  followed: StakeholderIncident[];
  refOf: RefOf;
  zone: string;
  zoneChosen: boolean;
  chrome: Chrome;
  notice: string | null;
  error: string | null;
}): string {
  const { prefs, chrome } = input;
  const csrf = csrfField(chrome.csrf);
  const choices = offeredChannels(prefs, input.enabled)
    .map((c) => {
      const reachable = prefs.reachable.includes(c);
      const hint = reachable
        ? ''
        : ` <span class="meta" id="hint-${c}">(not reachable yet: falls back to email)</span>`;
      return `<label class="choice"><input type="checkbox" name="channel" value="${c}"${
        prefs.channels.includes(c) ? ' checked' : ''
      }${reachable ? '' : ` aria-describedby="hint-${c}"`}> ${LABEL[c]}${hint}</label>`;
    })
    .join('\n');
  const now = `${prefs.channels.map((c) => LABEL[c]).join(', ')}${prefs.explicit ? '' : ' (the default)'}`;
  const zones = TIME_ZONES.map(
    (z) =>
      `<option value="${escapeHtml(z)}"${z === input.zone ? ' selected' : ''}>${escapeHtml(z.replace(/_/g, ' '))}</option>`,
  ).join('');
  const followed =
    input.followed.length === 0
      ? '<p>You follow no open or recently resolved incident.</p>'
      : `<ul class="incidents">
${input.followed
  .map(
    (i) => `<li>
<a href="/my/incidents/${escapeHtml(input.refOf(i.id))}">#${escapeHtml(i.id)} ${escapeHtml(i.title)}</a>
<form method="post" action="/my/unsubscribe/${escapeHtml(input.refOf(i.id))}" class="actions">
${csrf}
<button type="submit" class="secondary" aria-label="Unsubscribe from #${escapeHtml(i.id)} ${escapeHtml(i.title)}">Unsubscribe</button>
</form>
</li>`,
  )
  .join('\n')}
</ul>`;
  const status = input.notice
    ? `<p class="notice" role="status">${escapeHtml(input.notice)}</p>\n`
    : '';
  const error = input.error
    ? `<p class="error" role="alert" id="channels-error">${escapeHtml(input.error)}</p>\n`
    : '';
  return layout(
    'How to reach me',
    `${status}<h1>How to reach me</h1>
<section class="card" aria-labelledby="channels">
<h2 id="channels">Channels</h2>
<p>Now: ${escapeHtml(now)}.</p>
${error}<form method="post" action="/my/reach">
${csrf}
<fieldset${input.error ? ' aria-describedby="channels-error"' : ''}>
<legend>Send my incident messages by</legend>
${choices}
</fieldset>
<div class="actions">
<button type="submit" name="use" value="chosen">Save</button>
<button type="submit" name="use" value="default" class="secondary">Use the default</button>
</div>
</form>
</section>
<section class="card" aria-labelledby="time-zone">
<h2 id="time-zone">Time zone</h2>
<form method="post" action="/my/time-zone">
${csrf}
<p><label for="tz">Show times in</label></p>
<p><select id="tz" name="tz">${zones}</select></p>
${input.zoneChosen ? '' : `<p class="meta">Times are shown in ${DEFAULT_ZONE} until you choose.</p>`}
<div class="actions"><button type="submit">Save time zone</button></div>
</form>
</section>
<section class="card" aria-labelledby="followed">
<h2 id="followed">Incidents I follow</h2>
${followed}
</section>
<section class="card" aria-labelledby="stop">
<h2 id="stop">Stop everything</h2>
<p>Leave every incident you follow and log out everywhere. If a responder adds you to a new incident later, you will hear about that one.</p>
<form method="post" action="/my/stop">
${csrf}
<button type="submit" class="danger">Stop all messages</button>
</form>
</section>`,
    chrome,
  );
}
