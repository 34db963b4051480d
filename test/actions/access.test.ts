import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ActionContext } from '../../src/actions/context.js';
import { declareIncident } from '../../src/actions/declare-incident.js';
import { deliveryStatus } from '../../src/actions/delivery-status.js';
import {
  declareForm,
  resolveForm,
  rulesForm,
  stakeholderTeamForm,
  stakeholderTeamsForm,
  subscribeForm,
  updateForm,
} from '../../src/actions/forms.js';
import { addRule, listRules, removeRule } from '../../src/actions/manage-rules.js';
import {
  changeStakeholderTeamMembers,
  createStakeholderTeam,
  deleteStakeholderTeam,
  editStakeholderTeam,
  listStakeholderTeams,
  showStakeholderTeam,
} from '../../src/actions/manage-stakeholder-teams.js';
import { postStatusUpdate } from '../../src/actions/post-status-update.js';
import { previewAudience } from '../../src/actions/preview-audience.js';
import {
  receiveAlertmanager,
  type AlertmanagerPayload,
} from '../../src/actions/receive-alertmanager.js';
import { resolveIncident } from '../../src/actions/resolve-incident.js';
import { getPreferences, isSelf, setPreferences } from '../../src/actions/set-preferences.js';
import { setRole } from '../../src/actions/set-role.js';
import { setSummary } from '../../src/actions/set-summary.js';
import { leaveIncident } from '../../src/actions/leave-incident.js';
import { myIncidents, stakeholderIncident } from '../../src/actions/stakeholder-view.js';
import { stopEverything } from '../../src/actions/stop-everything.js';
import { subscribeToIncident } from '../../src/actions/subscribe-to-incident.js';
import { unsubscribeFromIncident } from '../../src/actions/unsubscribe-from-incident.js';
import { listIncidents, showIncident } from '../../src/actions/view-incidents.js';
import type { Target } from '../../src/domain/targets.js';
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
let ruleId: number;

/** People as the neutral targets every action takes. */
const people = (...ps: Person[]): Target[] => ps.map((p) => ({ kind: 'person', personId: p.id }));

beforeEach(async () => {
  h = coreHarness();
  admin = await h.person({ name: 'Ada', role: 'admin', slack: 'UADA' });
  responder = await h.person({ name: 'Rita', role: 'responder', slack: 'URITA' });
  guest = await h.person({
    name: 'Gus',
    role: 'stakeholder',
    slack: 'UGUS',
    email: 'gus@partner.example',
  });
  bystander = await h.person({ name: 'Bea', email: 'bea@partner.example' });
  await createStakeholderTeam(h.ctx, admin, { name: 'exec', members: people(bystander) });
  watched = (await declareIncident(h.ctx, responder, { title: 'Watched', source: 'slack' }))
    .incident;
  other = (await declareIncident(h.ctx, responder, { title: 'Other', source: 'slack' })).incident;
  await subscribeToIncident(h.ctx, responder, { incidentId: watched.id, targets: people(guest) });
  await subscribeToIncident(h.ctx, responder, { incidentId: other.id, targets: people(bystander) });
  ruleId = (await addRule(h.ctx, admin, { service: 'payments', targets: people(bystander) })).id;
});
afterEach(() => h.close());

const actorOf = (role: Role) =>
  role === 'admin' ? admin : role === 'responder' ? responder : guest;

/** Every action, run against incident `id` where it takes one. */
const actions: Record<string, (ctx: ActionContext, actor: Person, id: number) => Promise<unknown>> =
  {
    declare: (ctx, a) => declareIncident(ctx, a, { title: 'New', source: 'slack' }),
    'set summary': (ctx, a, id) =>
      setSummary(ctx, a, { incidentId: id, summary: 'Payments are slow' }),
    subscribe: (ctx, a, id) =>
      subscribeToIncident(ctx, a, { incidentId: id, targets: people(admin) }),
    'unsubscribe someone else': (ctx, a, id) =>
      unsubscribeFromIncident(ctx, a, {
        incidentId: id,
        targets: people(...[bystander, guest].filter((p) => p.id !== a.id).slice(0, 1)),
      }),
    'internal update': (ctx, a, id) =>
      postStatusUpdate(ctx, a, { incidentId: id, text: 'x', notifyStakeholders: false }),
    'stakeholder update': (ctx, a, id) =>
      postStatusUpdate(ctx, a, { incidentId: id, text: 'x', notifyStakeholders: true }),
    resolve: (ctx, a, id) => resolveIncident(ctx, a, { incidentId: id }),
    show: (ctx, a, id) => showIncident(ctx, a, id),
    'delivery status': (ctx, a, id) => deliveryStatus(ctx, a, id),
    'audience preview': (ctx, a, id) => previewAudience(ctx, a, id),
    'list teams': (ctx, a) => listStakeholderTeams(ctx, a),
    'create team': (ctx, a) => createStakeholderTeam(ctx, a, { name: 'legal' }),
    'edit team': (ctx, a) =>
      editStakeholderTeam(ctx, a, { team: 'exec', description: 'Executives' }),
    'team members': (ctx, a) =>
      changeStakeholderTeamMembers(ctx, a, { team: 'exec', add: people(guest) }),
    'delete team': (ctx, a) => deleteStakeholderTeam(ctx, a, 'exec'),
    'own preferences': (ctx, a) => setPreferences(ctx, a, { channels: ['email'] }),
    "someone else's preferences": (ctx, a) =>
      setPreferences(ctx, a, { channels: ['email'], target: people(bystander)[0] }),
    'read own preferences': (ctx, a) => getPreferences(ctx, a),
    "read someone else's preferences": (ctx, a) => getPreferences(ctx, a, people(bystander)[0]),
    'set role': (ctx, a) => setRole(ctx, a, { target: people(bystander)[0]!, role: 'responder' }),
    'list incidents': (ctx, a) => listIncidents(ctx, a),
    'unsubscribe themselves': (ctx, a, id) =>
      unsubscribeFromIncident(ctx, a, { incidentId: id, targets: people(a) }),
    'show team': (ctx, a) => showStakeholderTeam(ctx, a, 'exec'),
    'add rule': (ctx, a) =>
      addRule(ctx, a, { severities: ['SEV1'], targets: [{ kind: 'email', email: 'x@y.example' }] }),
    'list rules': (ctx, a) => listRules(ctx, a),
    'remove rule': (ctx, a) => removeRule(ctx, a, ruleId),
    'declare form': (_ctx, a) => Promise.resolve().then(() => declareForm(a)),
    'subscribe form': (ctx, a, id) => subscribeForm(ctx, a, id),
    'update form': (ctx, a, id) => updateForm(ctx, a, id),
    'resolve form': (ctx, a, id) => resolveForm(ctx, a, id),
    'stakeholder teams form': (ctx, a) => stakeholderTeamsForm(ctx, a),
    'stakeholder team form': (ctx, a) => stakeholderTeamForm(ctx, a, 'exec'),
    'new stakeholder team form': (ctx, a) => stakeholderTeamForm(ctx, a, null),
    'rules form': (ctx, a) => rulesForm(ctx, a),
    'alertmanager firing': (ctx, a) => receiveAlertmanager(ctx, a, firing),
    'stakeholder page': (ctx, a, id) => stakeholderIncident(ctx, a, id),
    'my incidents page': (ctx, a) => myIncidents(ctx, a),
    'leave incident': (ctx, a, id) => leaveIncident(ctx, a, id),
    'stop everything': (ctx, a) => stopEverything(ctx, a),
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
  "read someone else's preferences": ['ok', 'FORBIDDEN', 'FORBIDDEN'],
  'set role': ['ok', 'FORBIDDEN', 'FORBIDDEN'],
  'list incidents': ['ok', 'ok', 'ok'],
  'unsubscribe themselves': ['ok', 'ok', 'ok'],
  'show team': ['ok', 'ok', 'FORBIDDEN'],
  'add rule': ['ok', 'FORBIDDEN', 'FORBIDDEN'],
  'list rules': ['ok', 'FORBIDDEN', 'FORBIDDEN'],
  'remove rule': ['ok', 'FORBIDDEN', 'FORBIDDEN'],
  'declare form': ['ok', 'ok', 'FORBIDDEN'],
  'subscribe form': ['ok', 'ok', 'FORBIDDEN'],
  'update form': ['ok', 'ok', 'FORBIDDEN'],
  'resolve form': ['ok', 'ok', 'FORBIDDEN'],
  'stakeholder teams form': ['ok', 'FORBIDDEN', 'FORBIDDEN'],
  'stakeholder team form': ['ok', 'FORBIDDEN', 'FORBIDDEN'],
  'new stakeholder team form': ['ok', 'FORBIDDEN', 'FORBIDDEN'],
  'rules form': ['ok', 'FORBIDDEN', 'FORBIDDEN'],
  // The Alertmanager receiver acts as the system responder; any other actor is held to its role.
  'alertmanager firing': ['ok', 'ok', 'FORBIDDEN'],
  // The stakeholder pages show anyone — whatever their role — only the incidents they follow;
  // the admin and the responder here do not follow this one.
  'stakeholder page': ['INCIDENT_NOT_FOUND', 'INCIDENT_NOT_FOUND', 'ok'],
  'my incidents page': ['ok', 'ok', 'ok'],
  'leave incident': ['INCIDENT_NOT_FOUND', 'INCIDENT_NOT_FOUND', 'ok'],
  'stop everything': ['ok', 'ok', 'ok'],
};

/** A new alert group firing: the receiver declares its incident as the actor. */
const firing: AlertmanagerPayload = {
  groupKey: '{}:{alertname="DiskFull"}',
  status: 'firing',
  groupLabels: { alertname: 'DiskFull' },
  commonLabels: { alertname: 'DiskFull', severity: 'critical' },
  commonAnnotations: {},
  alerts: [
    { status: 'firing', labels: { alertname: 'DiskFull' }, annotations: {}, fingerprint: 'f1' },
  ],
};

/** Every row of every table: a refused action must leave the database exactly as it was. */
function snapshot(): string {
  const tables = h.db.sqlite
    .prepare(
      `SELECT name FROM sqlite_master WHERE type = 'table'
          AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '__drizzle%' ORDER BY name`,
    )
    .all() as Array<{ name: string }>;
  return JSON.stringify(
    tables.map(({ name }) => [name, h.db.sqlite.prepare(`SELECT * FROM "${name}"`).all()]),
  );
}

async function outcome(fn: () => Promise<unknown>): Promise<string> {
  try {
    await fn();
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
  it.each(cases)('$action as $role → $expected', async ({ action, role, expected }) => {
    const before = snapshot();
    expect(await outcome(() => actions[action]!(h.ctx, actorOf(role), watched.id))).toBe(expected);
    // Each action checks its own permission before it writes anything (no door does it for it).
    if (expected !== 'ok') expect(snapshot()).toBe(before);
  });

  it('covers every action', () => {
    expect(Object.keys(matrix).sort()).toEqual(Object.keys(actions).sort());
  });

  it('has a row for every exported function of src/actions that takes an actor', async () => {
    const dir = fileURLToPath(new URL('../../src/actions/', import.meta.url));
    /** Exported functions whose parameters name an `actor`, by `module.name`. */
    const takingActor: string[] = [];
    for (const path of readdirSync(dir).filter((f) => f.endsWith('.ts'))) {
      const module = (await import(join(dir, path))) as Record<string, unknown>;
      for (const [name, value] of Object.entries(module)) {
        if (typeof value !== 'function') continue;
        const params = /^[^(]*\(([^)]*)\)/.exec(String(value))?.[1] ?? '';
        if (params.split(',').some((p) => p.trim() === 'actor')) {
          takingActor.push(`${path.replace(/\.ts$/, '')}.${name}`);
        }
      }
    }
    // Each is run by at least one row above (read from the rows' source).
    const rows = Object.values(actions).map(String).join('\n');
    const uncovered = takingActor.filter((f) => {
      const name = f.split('.')[1]!;
      // Not an action: the predicate the preferences actions use to tell "self" from "someone else".
      if (name === isSelf.name) return false;
      return !new RegExp(`\\b${name}\\b`).test(rows);
    });
    expect(takingActor.length).toBeGreaterThanOrEqual(30);
    expect(uncovered).toEqual([]);
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
      'unsubscribe themselves',
      'subscribe form',
      'update form',
      'resolve form',
      'stakeholder page',
      'leave incident',
    ].includes(a),
  );

  it.each(incidentActions)(
    '%s on an incident they do not follow reads exactly like a missing one',
    async (action) => {
      const before = snapshot();
      const unseen = await capture(() => actions[action]!(h.ctx, guest, other.id));
      const missing = await capture(() => actions[action]!(h.ctx, guest, 9999));
      expect(snapshot()).toBe(before);
      expect(unseen.code).toBe('INCIDENT_NOT_FOUND');
      expect(unseen.message.replace(String(other.id), 'N')).toBe(
        missing.message.replace('9999', 'N'),
      );
      expect(unseen.field).toBe(missing.field);
    },
  );

  it('lists only the incidents a stakeholder follows, directly or through a team', async () => {
    const titles = async (p: Person) =>
      (await listIncidents(h.ctx, p)).incidents.map((i) => i.title);
    expect(await titles(guest)).toEqual(['Watched']);
    expect(await titles(bystander)).toEqual(['Other']);
    await subscribeToIncident(h.ctx, responder, {
      incidentId: watched.id,
      targets: [{ kind: 'team', name: 'exec' }],
    });
    expect(await titles(bystander)).toEqual(['Other', 'Watched']);
    expect(await titles(responder)).toEqual(['Other', 'Watched']);
  });

  it('shows a stakeholder only the updates sent to stakeholders, and no subscriber list', async () => {
    await postStatusUpdate(h.ctx, responder, {
      incidentId: watched.id,
      text: 'internal: db failover',
      notifyStakeholders: false,
    });
    await postStatusUpdate(h.ctx, responder, {
      incidentId: watched.id,
      text: 'We are recovering',
      notifyStakeholders: true,
    });
    const view = await showIncident(h.ctx, guest, watched.id);
    expect(view.updates.map((u) => u.text)).toEqual(['We are recovering']);
    expect(view.subscribers).toBeNull();
    expect((await showIncident(h.ctx, responder, watched.id)).updates).toHaveLength(2);
  });

  it('lets a stakeholder unsubscribe themselves', async () => {
    await unsubscribeFromIncident(h.ctx, guest, { incidentId: watched.id, targets: people(guest) });
    expect((await listIncidents(h.ctx, guest)).incidents).toEqual([]);
  });

  it('keeps the last admin an admin', async () => {
    const role = (p: Person, r: Role) => setRole(h.ctx, admin, { target: people(p)[0]!, role: r });
    await expect(role(admin, 'responder')).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    await role(responder, 'admin');
    expect((await role(admin, 'responder')).role).toBe('responder');
  });
});

async function capture(
  fn: () => Promise<unknown>,
): Promise<{ code: string; message: string; field: string | undefined }> {
  try {
    await fn();
  } catch (err) {
    if (isHeraldError(err)) return { code: err.code, message: err.message, field: err.field };
    throw err;
  }
  throw new Error('expected an error');
}

describe('a stakeholder’s view of the timeline', () => {
  it('still shows their updates when many internal ones came after', async () => {
    await postStatusUpdate(h.ctx, responder, {
      incidentId: watched.id,
      text: 'Stakeholders: we are on it',
      notifyStakeholders: true,
    });
    for (let i = 0; i < 30; i++) {
      await postStatusUpdate(h.ctx, responder, {
        incidentId: watched.id,
        text: `internal ${i}`,
        notifyStakeholders: false,
      });
    }
    expect((await showIncident(h.ctx, guest, watched.id)).updates.map((u) => u.text)).toEqual([
      'Stakeholders: we are on it',
    ]);
  });
});
