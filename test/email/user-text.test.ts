import { afterEach, describe, expect, it } from 'vitest';
import { declareIncident } from '../../src/actions/declare-incident.js';
import { postStatusUpdate } from '../../src/actions/post-status-update.js';
import { subscribeToIncident } from '../../src/actions/subscribe-to-incident.js';
import { eventually } from '../support/eventually.js';
import {
  BIDI,
  HOSTILE_NAME,
  HOSTILE_TEXT,
  HOSTILE_TITLE,
  SHOWN_NAME,
  SHOWN_TEXT,
  SHOWN_TITLE,
} from '../support/hostile-text.js';
import { startEmailHerald, unsubscribeUrl, type EmailHarness } from './email-harness.js';

/**
 * Issue 12, item 6 in email: user text shows as typed (the text part is plain, the HTML part
 * escaped, so `*bold*` stays asterisks) and no bidi control reaches the subject, a display name,
 * either part, or the unsubscribe page.
 */
let h: EmailHarness | undefined;
afterEach(async () => {
  await h?.stop();
  h = undefined;
});

const seen = (s: string) => s.replace(/\u200B/g, '');
const html = (s: string) =>
  seen(s)
    .replace(/<br>\n?/g, '\n')
    .replace(/&gt;/g, '>')
    .replace(/&lt;/g, '<')
    .replace(/&#39;/g, "'")
    .replace(/&quot;/g, '"')
    .replace(/&amp;/g, '&');

describe('user text in email (issue 12, item 6)', () => {
  it('subject, sender name, text and HTML parts and the unsubscribe page show it literally', async () => {
    h = await startEmailHerald();
    const { ctx } = h.herald;
    const eve = await h.person(HOSTILE_NAME, 'eve@corp.example', 'responder');
    const ann = await h.person(`Ann ${HOSTILE_NAME}`, 'ann@corp.example');
    const { incident } = await declareIncident(ctx, eve, { title: 'x', source: 'slack' });
    // Rows written before Herald stripped controls at input: the surface must strip them too.
    await ctx.store.incidents.update(incident.id, { title: HOSTILE_TITLE, summary: HOSTILE_TEXT });
    await subscribeToIncident(ctx, eve, {
      incidentId: incident.id,
      targets: [{ kind: 'person', personId: ann.id }],
    });
    await h.smtp.waitFor(1);
    await eventually(() => expect(h!.deliveries().map((d) => d.state)).toEqual(['sent']));
    await postStatusUpdate(ctx, eve, {
      incidentId: incident.id,
      text: HOSTILE_TEXT,
      notifyStakeholders: true,
    });
    const [, received] = await h.smtp.waitFor(2);
    const mail = received!.parsed;

    expect(received!.raw.toString('utf8')).not.toMatch(BIDI);
    expect(mail.subject).toBe(`[Update] #${incident.id} ${SHOWN_TITLE}`);
    expect(mail.to && !Array.isArray(mail.to) ? mail.to.value[0]?.name : null).toBe(
      `Ann ${SHOWN_NAME}`,
    );
    for (const part of [mail.text as string, mail.html as string]) expect(part).not.toMatch(BIDI);
    const text = seen(mail.text as string);
    expect(text).toContain(`#${incident.id} ${SHOWN_TITLE}`);
    expect(text).toContain(`from ${SHOWN_NAME}`);
    expect(text).toContain(SHOWN_TEXT);
    expect(text).toContain(
      SHOWN_TEXT.split('\n')
        .map((l) => `  ${l}`)
        .join('\n'),
    );
    const body = html(mail.html as string);
    expect(body).toContain(`<title>[Update] #${incident.id} ${SHOWN_TITLE}</title>`);
    expect(body).toContain(`#${incident.id} ${SHOWN_TITLE}`);
    expect(body).toContain(SHOWN_TEXT);
    expect(mail.html).not.toMatch(/<(b|strong|code|blockquote|em|i)>/);

    const page = await h.request(unsubscribeUrl(mail));
    const pageHtml = await page.text();
    expect(page.status).toBe(200);
    expect(pageHtml).not.toMatch(BIDI);
    expect(html(pageHtml)).toContain(`#${incident.id} ${SHOWN_TITLE}`);
  });
});
