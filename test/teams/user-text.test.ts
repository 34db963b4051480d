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
import { startTeamsHarness, type TeamsHarness } from './harness.js';

/**
 * Issue 12, item 6 on Teams: user text shows as typed. Teams renders markdown in card text and
 * message text, so every markdown character of user text is backslash-escaped (the reader sees the
 * character), and bidi controls are dropped.
 */
let h: TeamsHarness | undefined;
afterEach(async () => {
  await h?.stop();
  h = undefined;
});

/** What a Teams reader sees of escaped markdown: escapes and invisible link breakers removed. */
const read = (markdown: string) =>
  markdown
    .replace(/\\(.)/g, '$1')
    .replace(/\u200B/g, '')
    .replace(/\n\n/g, '\n');

describe('user text on Teams (issue 12, item 6)', () => {
  it('a notification card and a text reply show title, summary, update and author literally', async () => {
    h = await startTeamsHarness();
    const { ctx } = h.herald;
    const ann = h.user('Ann Stakeholder');
    await h.send(ann.install());
    const eve = await ctx.store.people.create(
      { displayName: HOSTILE_NAME, email: 'eve@corp.example', role: 'responder' },
      Date.now(),
    );
    const { incident } = await declareIncident(ctx, eve, { title: 'x', source: 'slack' });
    // Rows written before Herald stripped controls at input: the surface must strip them too.
    await ctx.store.incidents.update(incident.id, { title: HOSTILE_TITLE, summary: HOSTILE_TEXT });
    await subscribeToIncident(ctx, eve, {
      incidentId: incident.id,
      targets: [{ kind: 'person', personId: (await h.person(ann)).id }],
    });
    await postStatusUpdate(ctx, eve, {
      incidentId: incident.id,
      text: HOSTILE_TEXT,
      notifyStakeholders: true,
    });
    await eventually(() => expect(h!.fake.cardsIn(ann.conversationId)).toHaveLength(2));

    const [, update] = h.fake.sentTo(ann.conversationId).slice(-2);
    const card = h.fake.cardsIn(ann.conversationId)[1]!;
    expect(JSON.stringify(update!.activity)).not.toMatch(BIDI);
    const blocks = (card.body as Array<{ type: string; text?: string }>)
      .filter((b) => b.type === 'TextBlock')
      .map((b) => b.text ?? '');
    // Escaped: no emphasis, code or quote marker is left for markdown to act on.
    for (const text of blocks) expect(text).not.toMatch(/(^|[^\\])[*`]|^>/m);
    const seen = blocks.map(read);
    expect(seen).toContain(`#${incident.id} ${SHOWN_TITLE}`);
    expect(seen).toContain(SHOWN_TEXT);
    expect(seen.join('\n')).toContain(SHOWN_NAME);

    await h.send(ann.message(`incident ${incident.id}`));
    const answer = await eventually(() => {
      const last = h!.fake.sentTo(ann.conversationId).at(-1)!;
      if (last.id === update!.id) throw new Error('no answer yet');
      return last.activity.text ?? '';
    });
    expect(answer).not.toMatch(BIDI);
    expect(answer).not.toMatch(/(^|[^\\])[*`]|^>/m);
    expect(read(answer)).toContain(SHOWN_TITLE);
  });
});
