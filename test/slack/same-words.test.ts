import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { eventually } from '../support/eventually.js';
import { blockAction, viewSubmission } from '../support/slack-requests.js';
import { ephemeralReply, openedModal, slackHarness, type SlackHarness } from './harness.js';

/**
 * Each Slack form is a command: submitted, it runs through the same dispatcher as the slash
 * command and answers in the same words. Each pair runs on an equivalent fresh incident (or the
 * same person), so only the numbers may differ.
 */

let h: SlackHarness;
beforeEach(async () => {
  h = await slackHarness();
});
afterEach(async () => {
  await h.close();
});

type Cmd = '/incident' | '/stakeholders';

/** The ephemeral reply as Slack shows it: message text carries `<`, `>`, `&` as entities. */
const command = async (user: string, cmd: Cmd, text: string): Promise<string> =>
  (await ephemeralReply(h, user, cmd, text))
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');

const opens = (user: string, cmd: Cmd, text: string) => openedModal(h, user, cmd, text);

/** Submits a modal and returns the text of the done view it turns into (with its title). */
async function submitted(
  user: string,
  view: Record<string, any>,
  values: Record<string, object>,
): Promise<{ title: string; text: string }> {
  const res = await h.requests.interaction(viewSubmission(user, view, values));
  expect(res.status).toBe(200);
  const ack = (await res.json()) as Record<string, any>;
  expect(ack.response_action).toBe('update');
  return { title: String(ack.view.title.text), text: String(ack.view.blocks[0].text.text) };
}

/** Incident and rule numbers as `N`: the one thing an equivalent fresh incident changes. */
const normalised = (text: string) =>
  text
    .replace(/#\d+/g, '#N')
    .replace(/(\/incident \w+) \d+/g, '$1 N')
    .replace(/^Rule \d+/, 'Rule N');

const text = (value: string) => ({ type: 'plain_text_input', value });
const users = (...ids: string[]) => ({ type: 'multi_users_select', selected_users: ids });
const options = (type: string, ...values: string[]) => ({
  type,
  selected_options: values.map((value) => ({ value })),
});

/** Declares an incident by command and returns its number. */
async function declared(title: string): Promise<number> {
  const reply = await command('URITA', '/incident', `new ${title}`);
  return Number(/^Declared #(\d+)/.exec(reply)![1]);
}

describe('a Slack form and its slash command answer in the same words', () => {
  it('declare modal without a summary and /incident new', async () => {
    const view = await opens('URITA', '/incident', 'new');
    const modal = await submitted('URITA', view, {
      title: text('Payments failing'),
      severity: { type: 'static_select', selected_option: { value: 'SEV3' } },
    });
    const slash = await command('URITA', '/incident', 'new Payments failing');
    expect(modal.title).toBe('Declared #1');
    expect(modal.text).toBe(
      'Declared #1 Payments failing — SEV3 · open.\nNext: /incident summary 1 <impact in plain words>, then /incident subscribe 1.',
    );
    expect(normalised(modal.text)).toBe(normalised(slash));
    expect(slash).toMatch(/^Declared #2 /);
  });

  it('declare modal with a summary and /incident new + /incident summary', async () => {
    const view = await opens('URITA', '/incident', 'new');
    const modal = await submitted('URITA', view, {
      title: text('Payments failing'),
      summary: text('Card payments fail for some customers'),
    });
    const slash = await command('URITA', '/incident', 'new Payments failing');
    const [declaredLine, next] = modal.text.split('\n');
    expect(modal.text).toBe(
      'Declared #1 Payments failing — SEV3 · open.\nNext: /incident subscribe 1 to tell stakeholders.',
    );
    // The same declaration in the same words; the form already has the summary the command
    // asks for next, so its next step is the one after.
    expect(normalised(slash).split('\n')[0]).toBe(normalised(declaredLine!));
    expect(slash).toContain('Next: /incident summary 2 ');
    expect(
      await command('URITA', '/incident', 'summary 2 Card payments fail for some customers'),
    ).toBe('Stakeholder summary of #2 set.');
    expect(next).toBe('Next: /incident subscribe 1 to tell stakeholders.');
    // And the two incidents are now the same.
    expect(normalised(await command('URITA', '/incident', 'show 2'))).toBe(
      normalised(await command('URITA', '/incident', 'show 1')),
    );
  });

  it('subscribe modal and /incident subscribe', async () => {
    await command('UADA', '/stakeholders', 'team create exec');
    await command('UADA', '/stakeholders', 'team add exec <@UANN|ann>');
    const formIncident = await declared('Checkout errors');
    const slashIncident = await declared('Checkout errors');
    const view = await opens('URITA', '/incident', `subscribe ${formIncident}`);
    const modal = await submitted('URITA', view, {
      summary: text('Checkout errors'),
      people: users('UGUS'),
      teams: options('multi_static_select', 'exec'),
      emails: text('cfo@corp.example'),
    });
    const slash = await command(
      'URITA',
      '/incident',
      `subscribe ${slashIncident} <@UGUS|gus> team:exec <mailto:cfo@corp.example|cfo@corp.example>`,
    );
    expect(modal.title).toBe(`Subscribed to #${formIncident}`);
    expect(modal.text).toBe(
      `Subscribed 3 people (1 via team:exec) to #${formIncident}; notified 2 by Slack, 1 by email.`,
    );
    expect(normalised(modal.text)).toBe(normalised(slash));
  });

  it('update modal with the checkbox and /incident notify; without it and /incident update', async () => {
    const formIncident = await declared('Outage');
    const slashIncident = await declared('Outage');
    for (const id of [formIncident, slashIncident]) {
      expect(await command('URITA', '/incident', `subscribe ${id} <@UGUS> cfo@corp.example`)).toBe(
        `Subscribed 2 people to #${id}; notified 1 by Slack, 1 by email.`,
      );
    }
    const view = await opens('URITA', '/incident', `update ${formIncident}`);

    const flagged = await submitted('URITA', view, {
      text: text('Service is recovering'),
      notify: options('checkboxes', 'notify'),
    });
    const notify = await command(
      'URITA',
      '/incident',
      `notify ${slashIncident} Service is recovering`,
    );
    expect(flagged.title).toBe(`Update on #${formIncident}`);
    expect(flagged.text).toBe(
      `Update sent to stakeholders of #${formIncident}: notified 1 by Slack, 1 by email.`,
    );
    expect(normalised(flagged.text)).toBe(normalised(notify));

    const internal = await submitted('URITA', view, { text: text('Failing over the database') });
    const update = await command(
      'URITA',
      '/incident',
      `update ${slashIncident} Failing over the database`,
    );
    expect(internal.text).toBe(
      `Internal update added to #${formIncident} (stakeholders not notified).`,
    );
    expect(normalised(internal.text)).toBe(normalised(update));
  });

  it('resolve modal (from App Home) and /incident resolve', async () => {
    const formIncident = await declared('Outage');
    const slashIncident = await declared('Outage');
    for (const id of [formIncident, slashIncident]) {
      await command('URITA', '/incident', `subscribe ${id} <@UGUS> cfo@corp.example`);
    }
    await h.requests.interaction(
      blockAction('URITA', {
        type: 'button',
        action_id: 'home-resolve',
        block_id: `incident-actions-${formIncident}`,
        value: String(formIncident),
      }),
    );
    const view = await eventually(() => {
      const c = h.slack
        .callsOf('views.open')
        .find((x) => (x.args.view as any).callback_id === 'herald-resolve');
      if (!c) throw new Error('no resolve modal');
      return c.args.view as Record<string, any>;
    });
    const modal = await submitted('URITA', view, { note: text('Rolled back the release') });
    const slash = await command(
      'URITA',
      '/incident',
      `resolve ${slashIncident} Rolled back the release`,
    );
    expect(modal.title).toBe(`Resolved #${formIncident}`);
    expect(modal.text).toBe(`Resolved #${formIncident}; notified 1 by Slack, 1 by email.`);
    expect(normalised(modal.text)).toBe(normalised(slash));
  });

  it('preferences modal and /stakeholders prefs set', async () => {
    const view = await opens('UGUS', '/stakeholders', 'prefs');
    const modal = await submitted('UGUS', view, {
      channels: options('checkboxes', 'slack', 'email'),
    });
    const slash = await command('UGUS', '/stakeholders', 'prefs set slack,email');
    expect(modal.title).toBe('Channels saved');
    expect(modal.text).toBe('Saved. Gus <gus@partner.example> is told by Slack, email.');
    expect(slash).toBe(modal.text);
  });

  it('rules modal and /stakeholders rule add', async () => {
    await command('UADA', '/stakeholders', 'team create exec');
    const view = await opens('UADA', '/stakeholders', 'rules');
    const modal = await submitted('UADA', view, {
      service: text('payments'),
      severities: options('multi_static_select', 'SEV1', 'SEV2'),
      teams: options('multi_static_select', 'exec'),
      people: users('UGUS'),
    });
    const slash = await command(
      'UADA',
      '/stakeholders',
      'rule add <@UGUS|gus> team:exec when service=payments severity=SEV1,SEV2',
    );
    expect(modal.title).toBe('Rule added');
    expect(modal.text).toBe(
      'Rule 1 added: SEV1 or SEV2 incidents of service payments → team:exec, Gus <gus@partner.example>.',
    );
    expect(slash).toMatch(/^Rule 2 added: /);
    expect(normalised(modal.text)).toBe(normalised(slash));
  });
});
