import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ActionContext } from '../../src/actions/context.js';
import { declareIncident } from '../../src/actions/declare-incident.js';
import { deliveryStatus } from '../../src/actions/delivery-status.js';
import {
  changeTeamMembers,
  createTeam,
  deleteTeam,
  editTeam,
  listTeams,
} from '../../src/actions/manage-teams.js';
import { postStatusUpdate } from '../../src/actions/post-status-update.js';
import { previewAudience } from '../../src/actions/preview-audience.js';
import { resolveIncident } from '../../src/actions/resolve-incident.js';
import { getPreferences, setPreferences } from '../../src/actions/set-preferences.js';
import { setRole } from '../../src/actions/set-role.js';
import { setSummary } from '../../src/actions/set-summary.js';
import { subscribeToIncident } from '../../src/actions/subscribe-to-incident.js';
import { unsubscribeFromIncident } from '../../src/actions/unsubscribe-from-incident.js';
import { listIncidents, showIncident } from '../../src/actions/view-incidents.js';
import type { Incident, Person, Role } from '../../src/domain/types.js';
import { isHeraldError } from '../../src/errors.js';
import { coreHarness, type CoreHarness } from '../support/core.js';

let h: CoreHarness;
let admin: Person;
let responder: Person;
let watched: Incident; // the stakeholder is subscribed to this one
let other: Incident; // and not to this one
let guest: Person;
let bystander: Person;

beforeEach(() => {
  h = coreHarness();
  admin = h.person({ name: 'Ada', role: 'admin', slack: 'UADA' });
  responder = h.person({ name: 'Rita', role: 'responder', slack: 'URITA' });
  guest = h.person({
    name: 'Gus',
    role: 'stakeholder',
    slack: 'UGUS',
    email: 'gus@partner.example',
  });
  bystander = h.person({ name: 'Bea', email: 'bea@partner.example' });
  createTeam(h.ctx, admin, { name: 'exec', members: [bystander] });
  watched = declareIncident(h.ctx, responder, { title: 'Watched', source: 'slack' }).incident;
  other = declareIncident(h.ctx, responder, { title: 'Other', source: 'slack' }).incident;
  subscribeToIncident(h.ctx, responder, watched.id, { people: [guest], teams: [] });
  subscribeToIncident(h.ctx, responder, other.id, { people: [bystander], teams: [] });
});
afterEach(() => h.close());

const actorOf = (role: Role) =>
  role === 'admin' ? admin : role === 'responder' ? responder : guest;

/** Every action, run against incident `id` where it takes one. */
const actions: Record<string, (ctx: ActionContext, actor: Person, id: number) => unknown> = {
  declare: (ctx, a) => declareIncident(ctx, a, { title: 'New', source: 'slack' }),
  'set summary': (ctx, a, id) => setSummary(ctx, a, id, 'Payments are slow'),
  subscribe: (ctx, a, id) => subscribeToIncident(ctx, a, id, { people: [admin], teams: [] }),
  'unsubscribe someone else': (ctx, a, id) =>
    unsubscribeFromIncident(ctx, a, id, {
      people: [bystander, guest].filter((p) => p.id !== a.id).slice(0, 1),
      teams: [],
    }),
  'internal update': (ctx, a, id) =>
    postStatusUpdate(ctx, a, id, { text: 'x', notifyStakeholders: false }),
  'stakeholder update': (ctx, a, id) =>
    postStatusUpdate(ctx, a, id, { text: 'x', notifyStakeholders: true }),
  resolve: (ctx, a, id) => resolveIncident(ctx, a, id, null),
  show: (ctx, a, id) => showIncident(ctx, a, id),
  'delivery status': (ctx, a, id) => deliveryStatus(ctx, a, id),
  'audience preview': (ctx, a, id) => previewAudience(ctx, a, id),
  'list teams': (ctx, a) => listTeams(ctx, a),
  'create team': (ctx, a) => createTeam(ctx, a, { name: 'legal' }),
  'edit team': (ctx, a) => editTeam(ctx, a, 'exec', { description: 'Executives' }),
  'team members': (ctx, a) => changeTeamMembers(ctx, a, 'exec', { add: [guest] }),
  'delete team': (ctx, a) => deleteTeam(ctx, a, 'exec'),
  'own preferences': (ctx, a) => setPreferences(ctx, a, ['email']),
  "someone else's preferences": (ctx, a) => setPreferences(ctx, a, ['email'], bystander),
  'read own preferences': (ctx, a) => getPreferences(ctx, a),
  'set role': (ctx, a) => setRole(ctx, a, bystander, 'responder'),
};

type Outcome = 'ok' | 'FORBIDDEN' | 'INCIDENT_NOT_FOUND';
//                                   admin   responder   stakeholder (on an incident they follow)
const matrix: Record<string, [Outcome, Outcome, Outcome]> = {
  declare: ['ok', 'ok', 'FORBIDDEN'],
  'set summary': ['ok', 'ok', 'FORBIDDEN'],
  subscribe: ['ok', 'ok', 'FORBIDDEN'],
  'unsubscribe someone else': ['ok', 'ok', 'FORBIDDEN'],
  'internal update': ['ok', 'ok', 'FORBIDDEN'],
  'stakeholder update': ['ok', 'ok', 'FORBIDDEN'],
  resolve: ['ok', 'ok', 'FORBIDDEN'],
  show: ['ok', 'ok', 'ok'],
  'delivery status': ['ok', 'ok', 'FORBIDDEN'],
  'audience preview': ['ok', 'ok', 'FORBIDDEN'],
  'list teams': ['ok', 'ok', 'FORBIDDEN'],
  'create team': ['ok', 'FORBIDDEN', 'FORBIDDEN'],
  'edit team': ['ok', 'FORBIDDEN', 'FORBIDDEN'],
  'team members': ['ok', 'FORBIDDEN', 'FORBIDDEN'],
  'delete team': ['ok', 'FORBIDDEN', 'FORBIDDEN'],
  'own preferences': ['ok', 'ok', 'ok'],
  "someone else's preferences": ['ok', 'FORBIDDEN', 'FORBIDDEN'],
  'read own preferences': ['ok', 'ok', 'ok'],
  'set role': ['ok', 'FORBIDDEN', 'FORBIDDEN'],
};

function outcome(fn: () => unknown): string {
  try {
    fn();
    return 'ok';
  } catch (err) {
    if (isHeraldError(err)) return err.code;
    throw err;
  }
}

const cases = Object.entries(matrix).flatMap(([action, outcomes]) =>
  (['admin', 'responder', 'stakeholder'] as const).map((role, i) => ({
    action,
    role,
    expected: outcomes[i],
  })),
);

describe('the role matrix (PRODUCT §1)', () => {
  it.each(cases)('$action as $role → $expected', ({ action, role, expected }) => {
    expect(outcome(() => actions[action]!(h.ctx, actorOf(role), watched.id))).toBe(expected);
  });

  it('covers every action', () => {
    expect(Object.keys(matrix).sort()).toEqual(Object.keys(actions).sort());
  });
});

describe('stakeholder isolation', () => {
  const incidentActions = Object.keys(matrix).filter((a) =>
    [
      'set summary',
      'subscribe',
      'unsubscribe someone else',
      'internal update',
      'stakeholder update',
      'resolve',
      'show',
      'delivery status',
      'audience preview',
    ].includes(a),
  );

  it.each(incidentActions)(
    '%s on an incident they do not follow reads exactly like a missing one',
    (action) => {
      const unseen = capture(() => actions[action]!(h.ctx, guest, other.id));
      const missing = capture(() => actions[action]!(h.ctx, guest, 9999));
      expect(unseen.code).toBe('INCIDENT_NOT_FOUND');
      expect(unseen.message.replace(String(other.id), 'N')).toBe(
        missing.message.replace('9999', 'N'),
      );
      expect(unseen.field).toBe(missing.field);
    },
  );

  it('lists only the incidents a stakeholder follows, directly or through a team', () => {
    expect(listIncidents(h.ctx, guest).map((i) => i.title)).toEqual(['Watched']);
    expect(listIncidents(h.ctx, bystander).map((i) => i.title)).toEqual(['Other']);
    const team = h.ctx.store.teams.byName('exec')!;
    subscribeToIncident(h.ctx, responder, watched.id, { people: [], teams: [team] });
    expect(listIncidents(h.ctx, bystander).map((i) => i.title)).toEqual(['Other', 'Watched']);
    expect(listIncidents(h.ctx, responder).map((i) => i.title)).toEqual(['Other', 'Watched']);
  });

  it('shows a stakeholder only the updates sent to stakeholders, and no subscriber list', () => {
    postStatusUpdate(h.ctx, responder, watched.id, {
      text: 'internal: db failover',
      notifyStakeholders: false,
    });
    postStatusUpdate(h.ctx, responder, watched.id, {
      text: 'We are recovering',
      notifyStakeholders: true,
    });
    const view = showIncident(h.ctx, guest, watched.id);
    expect(view.updates.map((u) => u.text)).toEqual(['We are recovering']);
    expect(view.subscribers).toBeNull();
    expect(showIncident(h.ctx, responder, watched.id).updates).toHaveLength(2);
  });

  it('lets a stakeholder unsubscribe themselves', () => {
    unsubscribeFromIncident(h.ctx, guest, watched.id, { people: [guest], teams: [] });
    expect(listIncidents(h.ctx, guest)).toEqual([]);
  });

  it('keeps the last admin an admin', () => {
    expect(() => setRole(h.ctx, admin, admin, 'responder')).toThrow(
      expect.objectContaining({ code: 'INVALID_INPUT' }),
    );
    setRole(h.ctx, admin, responder, 'admin');
    expect(setRole(h.ctx, admin, admin, 'responder').role).toBe('responder');
  });
});

function capture(fn: () => unknown): { code: string; message: string; field: string | undefined } {
  try {
    fn();
  } catch (err) {
    if (isHeraldError(err)) return { code: err.code, message: err.message, field: err.field };
    throw err;
  }
  throw new Error('expected an error');
}

describe('a stakeholder’s view of the timeline', () => {
  it('still shows their updates when many internal ones came after', () => {
    postStatusUpdate(h.ctx, responder, watched.id, {
      text: 'Stakeholders: we are on it',
      notifyStakeholders: true,
    });
    for (let i = 0; i < 30; i++) {
      postStatusUpdate(h.ctx, responder, watched.id, {
        text: `internal ${i}`,
        notifyStakeholders: false,
      });
    }
    expect(showIncident(h.ctx, guest, watched.id).updates.map((u) => u.text)).toEqual([
      'Stakeholders: we are on it',
    ]);
  });
});
