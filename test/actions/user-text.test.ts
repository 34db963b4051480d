import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { declareIncident } from '../../src/actions/declare-incident.js';
import { createTeam, editTeam } from '../../src/actions/manage-teams.js';
import { postStatusUpdate } from '../../src/actions/post-status-update.js';
import { resolveIncident } from '../../src/actions/resolve-incident.js';
import { setSummary } from '../../src/actions/set-summary.js';
import type { Person } from '../../src/domain/types.js';
import { isHeraldError } from '../../src/errors.js';
import {
  BIDI,
  HOSTILE_TEXT,
  HOSTILE_TITLE,
  SHOWN_TEXT,
  SHOWN_TITLE,
} from '../support/hostile-text.js';
import { coreHarness, type CoreHarness } from '../support/core.js';

/**
 * Issue 12, item 6 at the core: every text a user gives (titles, summaries, services, update
 * texts, notes, team descriptions) is kept without control characters or bidi overrides, so no
 * surface can show them; formatting characters are kept, as typed.
 */
let h: CoreHarness;
let rita: Person;
let ada: Person;
beforeEach(() => {
  h = coreHarness();
  rita = h.person({ name: 'Rita', role: 'responder' });
  ada = h.person({ name: 'Ada', role: 'admin' });
});
afterEach(() => h.close());

describe('user text kept by the core (issue 12, item 6)', () => {
  it('drops bidi overrides and control characters from every text, keeps the rest as typed', () => {
    const { incident } = declareIncident(h.ctx, rita, {
      title: HOSTILE_TITLE,
      summary: HOSTILE_TEXT,
      service: 'pay\u202Ements\u0007',
      source: 'slack',
    });
    expect(incident).toMatchObject({
      title: SHOWN_TITLE,
      summary: SHOWN_TEXT,
      service: 'payments',
    });
    expect(setSummary(h.ctx, rita, incident.id, `${HOSTILE_TEXT}\u0000`).summary).toBe(SHOWN_TEXT);
    const { update } = postStatusUpdate(h.ctx, rita, incident.id, {
      text: HOSTILE_TEXT,
      notifyStakeholders: false,
    });
    expect(update.text).toBe(SHOWN_TEXT);
    expect(resolveIncident(h.ctx, rita, incident.id, HOSTILE_TEXT).incident.resolutionNote).toBe(
      SHOWN_TEXT,
    );
    const team = createTeam(h.ctx, ada, { name: 'exec', description: HOSTILE_TEXT });
    expect(team.description).toBe(SHOWN_TEXT);
    expect(
      editTeam(h.ctx, ada, 'exec', { description: `\u2066${HOSTILE_TITLE}` }).description,
    ).toBe(SHOWN_TITLE);
    const stored = JSON.stringify(
      h.db.$client
        .prepare('SELECT * FROM incidents')
        .all()
        .concat(
          h.db.$client.prepare('SELECT * FROM status_updates').all(),
          h.db.$client.prepare('SELECT * FROM stakeholder_teams').all(),
        ),
    );
    expect(stored).not.toMatch(BIDI);
  });

  it('a title of nothing but controls is empty, and refused as such', () => {
    const refused = (() => {
      try {
        declareIncident(h.ctx, rita, { title: '\u202E\u2066 \u0000', source: 'slack' });
      } catch (err) {
        return err;
      }
      return null;
    })();
    expect(isHeraldError(refused) && [refused.code, refused.message, refused.field]).toEqual([
      'INVALID_INPUT',
      'Title must not be empty.',
      'title',
    ]);
  });
});
