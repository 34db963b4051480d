import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { declareIncident } from '../../src/actions/declare-incident.js';
import {
  createStakeholderTeam,
  editStakeholderTeam,
} from '../../src/actions/manage-stakeholder-teams.js';
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
beforeEach(async () => {
  h = coreHarness();
  rita = await h.person({ name: 'Rita', role: 'responder' });
  ada = await h.person({ name: 'Ada', role: 'admin' });
});
afterEach(() => h.close());

describe('user text kept by the core (issue 12, item 6)', () => {
  it('drops bidi overrides and control characters from every text, keeps the rest as typed', async () => {
    const { incident } = await declareIncident(h.ctx, rita, {
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
    expect(
      (await setSummary(h.ctx, rita, { incidentId: incident.id, summary: `${HOSTILE_TEXT}\u0000` }))
        .summary,
    ).toBe(SHOWN_TEXT);
    const { update } = await postStatusUpdate(h.ctx, rita, {
      incidentId: incident.id,
      text: HOSTILE_TEXT,
      notifyStakeholders: false,
    });
    expect(update.text).toBe(SHOWN_TEXT);
    expect(
      (await resolveIncident(h.ctx, rita, { incidentId: incident.id, note: HOSTILE_TEXT })).incident
        .resolutionNote,
    ).toBe(SHOWN_TEXT);
    const team = await createStakeholderTeam(h.ctx, ada, {
      name: 'exec',
      description: HOSTILE_TEXT,
    });
    expect(team.description).toBe(SHOWN_TEXT);
    expect(
      (
        await editStakeholderTeam(h.ctx, ada, {
          team: 'exec',
          description: `\u2066${HOSTILE_TITLE}`,
        })
      ).team.description,
    ).toBe(SHOWN_TITLE);
    const stored = JSON.stringify(
      h.db.sqlite
        .prepare('SELECT * FROM incidents')
        .all()
        .concat(
          h.db.sqlite.prepare('SELECT * FROM status_updates').all(),
          h.db.sqlite.prepare('SELECT * FROM stakeholder_teams').all(),
        ),
    );
    expect(stored).not.toMatch(BIDI);
  });

  it('a title of nothing but controls is empty, and refused as such', async () => {
    const refused = await declareIncident(h.ctx, rita, {
      title: '\u202E\u2066 \u0000',
      source: 'slack',
    }).then(
      () => null,
      (err: unknown) => err,
    );
    expect(isHeraldError(refused) && [refused.code, refused.message, refused.field]).toEqual([
      'INVALID_INPUT',
      'Title must not be empty.',
      'title',
    ]);
  });
});
