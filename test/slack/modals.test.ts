import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { eventually } from '../support/eventually.js';
import { blockAction, viewSubmission } from '../support/slack-requests.js';
import { openedModal, slackHarness, type SlackHarness } from './harness.js';

let h: SlackHarness;
beforeEach(async () => {
  h = await slackHarness();
});
afterEach(async () => {
  await h.close();
});

const opens = (user: string, cmd: '/incident' | '/stakeholders', text: string) =>
  openedModal(h, user, cmd, text);

async function submit(
  user: string,
  view: Record<string, any>,
  values: Record<string, object>,
  extra: object = {},
) {
  const res = await h.requests.interaction(viewSubmission(user, view, values, extra));
  expect(res.status).toBe(200);
  const text = await res.text();
  return (text ? JSON.parse(text) : {}) as Record<string, any>;
}

const text = (value: string) => ({ type: 'plain_text_input', value });
const blockIds = (view: Record<string, any>) =>
  (view.blocks as Array<{ block_id?: string }>).map((b) => b.block_id).filter(Boolean);
const doneText = (ack: Record<string, any>) => String(ack.view?.blocks?.[0]?.text?.text ?? '');

describe('modals', () => {
  it('declare: opens without a title, shows field errors, declares on submit', async () => {
    const view = await opens('URITA', '/incident', 'new');
    expect(view.callback_id).toBe('herald-declare');
    expect(blockIds(view)).toEqual(['title', 'summary', 'severity', 'service']);
    const refused = await submit('URITA', view, { title: text('   ') });
    expect(refused).toEqual({
      response_action: 'errors',
      errors: { title: 'Title must not be empty.' },
    });
    expect(h.count('incidents')).toBe(0);
    const ack = await submit('URITA', view, {
      title: text('Payments failing'),
      summary: text('Card payments fail for some customers'),
      severity: { type: 'static_select', selected_option: { value: 'SEV1' } },
      service: text('payments'),
    });
    expect(ack.response_action).toBe('update');
    expect(ack.view.title.text).toBe('Declared #1');
    expect(doneText(ack)).toBe(
      'Declared #1 Payments failing — SEV1 · payments · open.\nNext: /incident subscribe 1 to tell stakeholders.',
    );
    expect(await h.herald.ctx.store.incidents.byId(1)).toMatchObject({
      severity: 'SEV1',
      service: 'payments',
      summary: 'Card payments fail for some customers',
    });
  });

  it('subscribe: summary pre-filled with the title, people, teams and emails; one DM each', async () => {
    await h.requests.command('UADA', '/stakeholders', 'team create exec');
    await h.requests.command('UADA', '/stakeholders', 'team add exec <@UANN>');
    await h.requests.command('URITA', '/incident', 'new Checkout errors');
    await eventually(() => expect(h.count('team_members') + h.count('incidents')).toBe(2));
    const view = await opens('URITA', '/incident', 'subscribe 1');
    expect(view.callback_id).toBe('herald-subscribe');
    const summary = view.blocks.find((b: any) => b.block_id === 'summary');
    expect(summary.element.initial_value).toBe('Checkout errors');
    expect(
      view.blocks.find((b: any) => b.block_id === 'teams').element.options.map((o: any) => o.value),
    ).toEqual(['exec']);

    const summaryBefore = (await h.herald.ctx.store.incidents.byId(1))?.summary;
    const empty = await submit('URITA', view, { summary: text('Checkout errors') });
    // The subscribe command's own words (the form runs the command), on the people field.
    expect(empty).toEqual({
      response_action: 'errors',
      errors: { people: 'Name at least one person, team or email to subscribe.' },
    });
    // A refused submission does not save the summary either.
    expect((await h.herald.ctx.store.incidents.byId(1))?.summary).toBe(summaryBefore);
    const badEmail = await submit('URITA', view, {
      summary: text('x'),
      emails: text('not-an-address'),
    });
    expect(badEmail.errors).toEqual({
      emails: 'Enter email addresses separated by spaces or commas.',
    });

    const ack = await submit('URITA', view, {
      summary: text('Some customers cannot check out'),
      people: { type: 'multi_users_select', selected_users: ['UGUS', 'UANN'] },
      teams: { type: 'multi_static_select', selected_options: [{ value: 'exec' }] },
      emails: text('cfo@corp.example, ext@partner.example'),
    });
    expect(doneText(ack)).toBe('Subscribed 4 people to #1; notified 2 by Slack, 2 by email.');
    expect((await h.herald.ctx.store.incidents.byId(1))?.summary).toBe(
      'Some customers cannot check out',
    );
    await eventually(() =>
      expect(
        h.slack
          .dms()
          .map((d) => d.to)
          .sort(),
      ).toEqual(['UANN', 'UGUS']),
    );
  });

  it('status update: the audience preview follows the checkbox; flagged updates reach stakeholders', async () => {
    await h.requests.command('URITA', '/incident', 'new Outage');
    await eventually(() => expect(h.count('incidents')).toBe(1));
    await h.requests.command('URITA', '/incident', 'subscribe 1 <@UGUS> cfo@corp.example');
    await eventually(() => expect(h.count('subscriptions')).toBe(2));
    const view = await opens('URITA', '/incident', 'update 1');
    expect(view.blocks.find((b: any) => b.block_id === 'notify').element.options[0].text.text).toBe(
      'Send as update to stakeholders',
    );
    expect(JSON.stringify(view.blocks.find((b: any) => b.block_id === 'audience'))).toContain(
      'Internal update',
    );

    const opened = { ...view, id: 'V-update', hash: 'h1' };
    const ticked = { type: 'checkboxes', selected_options: [{ value: 'notify' }] };
    await h.requests.interaction(
      blockAction(
        'URITA',
        {
          type: 'checkboxes',
          action_id: 'notify',
          block_id: 'notify',
          selected_options: [{ value: 'notify' }],
        },
        {
          view: { ...opened, state: { values: { notify: { notify: ticked } } } },
        },
      ),
    );
    const updated = await eventually(() => {
      const c = h.slack.callsOf('views.update').find((x) => x.args.view_id === 'V-update');
      if (!c) throw new Error('no preview update');
      return c.args.view as Record<string, any>;
    });
    expect(JSON.stringify(updated.blocks.find((b: any) => b.block_id === 'audience'))).toContain(
      'Will notify 2 people: 1 Slack, 1 email.',
    );

    const internal = await submit('URITA', view, { text: text('Failing over the database') });
    expect(doneText(internal)).toBe('Internal update added to #1 (stakeholders not notified).');
    const dmsBefore = h.slack.dms().length;
    const flagged = await submit('URITA', view, {
      text: text('Service is recovering'),
      notify: ticked,
    });
    expect(doneText(flagged)).toBe(
      'Update sent to stakeholders of #1: notified 1 by Slack, 1 by email.',
    );
    await eventually(() => expect(h.slack.dms()).toHaveLength(dmsBefore + 1));
    expect(h.slack.dms().at(-1)?.text).toContain('Service is recovering');
  });

  it('resolve from App Home: a responder sees open incidents with actions, a guest only theirs', async () => {
    await h.requests.command('URITA', '/incident', 'new First');
    await h.requests.command('URITA', '/incident', 'new Second');
    await eventually(() => expect(h.count('incidents')).toBe(2));
    await h.requests.command('URITA', '/incident', 'subscribe 2 <@UGUS>');
    await eventually(() => expect(h.count('subscriptions')).toBe(1));

    await h.requests.event({
      type: 'app_home_opened',
      user: 'UGUS',
      channel: 'D1',
      tab: 'home',
      event_ts: '1',
    });
    await h.requests.event({
      type: 'app_home_opened',
      user: 'URITA',
      channel: 'D2',
      tab: 'home',
      event_ts: '2',
    });
    const homes = await eventually(() => {
      const calls = h.slack.callsOf('views.publish');
      if (calls.length < 2) throw new Error('not published yet');
      return Object.fromEntries(
        calls.map((c) => [String(c.args.user_id), JSON.stringify(c.args.view)]),
      );
    });
    expect(homes.UGUS).toContain('#2 Second');
    expect(homes.UGUS).not.toContain('#1 First');
    expect(homes.UGUS).not.toContain('home-resolve');
    expect(homes.URITA).toContain('#1 First');
    expect(homes.URITA).toContain('home-resolve');

    await h.requests.interaction(
      blockAction('URITA', {
        type: 'button',
        action_id: 'home-resolve',
        block_id: 'incident-actions-2',
        value: '2',
      }),
    );
    const view = await eventually(() => {
      const c = h.slack
        .callsOf('views.open')
        .find((x) => (x.args.view as any).callback_id === 'herald-resolve');
      if (!c) throw new Error('no resolve modal');
      return c.args.view as Record<string, any>;
    });
    const ack = await submit('URITA', view, { note: text('Rolled back the release') });
    expect(doneText(ack)).toBe('Resolved #2; notified 1 by Slack.');
    const again = await submit('URITA', view, { note: text('twice') });
    expect(again).toEqual({
      response_action: 'errors',
      errors: { note: 'Incident #2 is already resolved.' },
    });

    // A guest pressing a responder's button (a forged payload) changes nothing.
    await h.requests.interaction(
      blockAction('UGUS', { type: 'button', action_id: 'home-resolve', block_id: 'x', value: '1' }),
    );
    const forged = await submit(
      'UGUS',
      { ...view, private_metadata: JSON.stringify({ incidentId: 1 }) },
      { note: text('mine') },
    );
    expect(forged.errors).toEqual({ note: 'Incident #1 not found.' });
    expect((await h.herald.ctx.store.incidents.byId(1))?.status).toBe('open');
  });

  it('admin team editor: list, create with members, field error on a taken name, edit, delete with confirmation', async () => {
    const list = await opens('UADA', '/stakeholders', 'teams');
    expect(list.callback_id).toBe('herald-teams');
    expect(JSON.stringify(list.blocks)).toContain('No stakeholder teams yet.');
    const root = { ...list, id: 'V-teams' };

    await h.requests.interaction(
      blockAction(
        'UADA',
        { type: 'button', action_id: 'team-create', block_id: 'team-actions', value: 'create' },
        { view: root },
      ),
    );
    const create = await eventually(() => {
      const c = h.slack.callsOf('views.push')[0];
      if (!c) throw new Error('no editor pushed');
      return c.args.view as Record<string, any>;
    });
    expect(create.callback_id).toBe('herald-team-edit');
    const created = await submit(
      'UADA',
      create,
      {
        name: text('exec'),
        description: text('Executives'),
        members: { type: 'multi_users_select', selected_users: ['UANN'] },
        emails: text('cfo@corp.example'),
      },
      { previous_view_id: 'V-teams' },
    );
    expect(created).toEqual({});
    await eventually(() => {
      const refreshed = h.slack.callsOf('views.update').find((c) => c.args.view_id === 'V-teams');
      expect(JSON.stringify(refreshed?.args.view)).toContain('exec');
    });
    const teams = h.herald.ctx.store.stakeholderTeams;
    expect((await teams.members((await teams.byName('exec'))!.id)).map((p) => p.email)).toEqual([
      'ann@corp.example',
      'cfo@corp.example',
    ]);

    const taken = await submit('UADA', create, { name: text('EXEC') });
    expect(taken).toEqual({
      response_action: 'errors',
      errors: { name: 'A stakeholder team named "EXEC" already exists.' },
    });

    await h.requests.interaction(
      blockAction(
        'UADA',
        {
          type: 'overflow',
          action_id: 'team-menu',
          block_id: 'team-1',
          selected_option: { value: 'edit:exec' },
        },
        { view: root },
      ),
    );
    const edit = await eventually(() => {
      const c = h.slack.callsOf('views.push')[1];
      if (!c) throw new Error('no edit view');
      return c.args.view as Record<string, any>;
    });
    expect(edit.blocks.find((b: any) => b.block_id === 'members').element.initial_users).toEqual([
      'UANN',
    ]);
    await submit('UADA', edit, {
      name: text('executives'),
      description: text('C-level'),
      members: { type: 'multi_users_select', selected_users: ['UANN', 'UGUS'] },
    });
    const team = (await teams.byName('executives'))!;
    expect(team.description).toBe('C-level');
    expect((await teams.members(team.id)).map((p) => p.slackUserId)).toEqual(['UANN', 'UGUS']);

    await h.requests.interaction(
      blockAction(
        'UADA',
        {
          type: 'overflow',
          action_id: 'team-menu',
          block_id: 'team-1',
          selected_option: { value: 'delete:executives' },
        },
        { view: root },
      ),
    );
    const confirm = await eventually(() => {
      const c = h.slack.callsOf('views.push')[2];
      if (!c) throw new Error('no confirmation');
      return c.args.view as Record<string, any>;
    });
    expect(JSON.stringify(confirm.blocks)).toContain('Delete team:executives (2 members)');
    await submit('UADA', confirm, {});
    expect(await teams.byName('executives')).toBeNull();
    expect(h.slack.problems).toEqual([]);
  });

  it('the team editor is admin-only, including forged submissions', async () => {
    const reply = await h.requests.command('URITA', '/stakeholders', 'teams');
    const refused = await eventually(() => {
      const r = h.slack.responses.find((x) => x.id === reply.responseId);
      if (!r) throw new Error('no reply');
      return r.body;
    });
    expect(refused.text).toBe('You are not allowed to manage stakeholder teams.');
    const forged = await submit(
      'URITA',
      {
        callback_id: 'herald-team-edit',
        private_metadata: JSON.stringify({ team: null }),
        blocks: [],
      },
      { name: text('sneaky') },
    );
    expect(forged.errors).toEqual({ name: 'You are not allowed to manage stakeholder teams.' });
    expect(h.count('stakeholder_teams')).toBe(0);
  });

  it('preferences: a stakeholder saves their own channels', async () => {
    const view = await opens('UGUS', '/stakeholders', 'prefs');
    expect(view.callback_id).toBe('herald-preferences');
    const empty = await submit('UGUS', view, {
      channels: { type: 'checkboxes', selected_options: [] },
    });
    expect(empty.errors).toEqual({
      channels: 'Choose at least one channel: slack, teams or email.',
    });
    const ack = await submit('UGUS', view, {
      channels: { type: 'checkboxes', selected_options: [{ value: 'email' }] },
    });
    expect(doneText(ack)).toBe('Saved. Gus <gus@partner.example> is told by email.');
    expect((await h.herald.ctx.store.people.bySlackUserId('UGUS'))?.preferences).toEqual(['email']);
  });

  it('auto-subscription rules: admins add one in the modal and remove it with a button', async () => {
    await h.requests.command('UADA', '/stakeholders', 'team create exec');
    await eventually(() => expect(h.count('stakeholder_teams')).toBe(1));
    const view = await opens('UADA', '/stakeholders', 'rules');
    expect(view.callback_id).toBe('herald-rules');
    expect(JSON.stringify(view.blocks)).toContain('No rules yet.');
    const none = await submit('UADA', view, { service: text('payments') });
    expect(none.errors).toEqual({
      people: 'Name at least one person, team or email for the rule.',
    });
    const ack = await submit('UADA', view, {
      service: text('payments'),
      severities: { type: 'multi_static_select', selected_options: [{ value: 'SEV1' }] },
      teams: { type: 'multi_static_select', selected_options: [{ value: 'exec' }] },
      people: { type: 'multi_users_select', selected_users: ['UGUS'] },
    });
    expect(doneText(ack)).toMatch(
      /^Rule 1 added: SEV1 incidents of service payments → team:exec, Gus/,
    );

    const list = await opens('UADA', '/stakeholders', 'rules');
    expect(JSON.stringify(list.blocks)).toContain('rule-remove');
    await h.requests.interaction(
      blockAction(
        'UADA',
        { type: 'button', action_id: 'rule-remove', block_id: 'rule-1', value: '1' },
        { view: { ...list, id: 'V-rules' } },
      ),
    );
    await eventually(() => expect(h.count('subscription_rules')).toBe(0));
    const refreshed = await eventually(() => {
      const c = h.slack.callsOf('views.update').find((x) => x.args.view_id === 'V-rules');
      if (!c) throw new Error('not refreshed');
      return c.args.view;
    });
    expect(JSON.stringify(refreshed)).toContain('No rules yet.');
    expect(h.slack.problems).toEqual([]);
  });

  it('the rules modal is admin-only', async () => {
    const { responseId } = await h.requests.command('URITA', '/stakeholders', 'rules');
    const reply = await eventually(() => {
      const r = h.slack.responses.find((x) => x.id === responseId);
      if (!r) throw new Error('no reply');
      return r.body.text;
    });
    expect(reply).toBe('You are not allowed to manage auto-subscription rules.');
    const forged = await submit(
      'URITA',
      { callback_id: 'herald-rules', blocks: [] },
      {
        service: text('payments'),
        people: { type: 'multi_users_select', selected_users: ['UGUS'] },
      },
    );
    expect(forged.errors).toEqual({
      service: 'You are not allowed to manage auto-subscription rules.',
    });
    expect(h.count('subscription_rules')).toBe(0);
  });
});
