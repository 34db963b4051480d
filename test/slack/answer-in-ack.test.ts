import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ANSWER_IN_ACK_MS } from '../../adapters/slack/listeners/commands.js';
import { eventually } from '../support/eventually.js';
import { ephemeralReply, slackHarness, type SlackHarness } from './harness.js';

// Where a slash command's answer goes: in the ack when it is ready in time, through the command's
// `response_url` when it is not, and never both.

let h: SlackHarness;
beforeEach(async () => {
  h = await slackHarness();
});
afterEach(async () => {
  await h.close();
});

const repliesTo = (responseId: string) => h.slack.responses.filter((r) => r.id === responseId);

describe('slash-command answers', () => {
  it('a quick command is answered in its ack, as an ephemeral plain-text message, and only there', async () => {
    // Slack sends "<b>" as typed escaped; the reply escapes it again.
    const { res, responseId } = await h.requests.command(
      'UADA',
      '/incident',
      'new Checkout &lt;b&gt;',
    );
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    const ack = (await res.json()) as Record<string, unknown>;
    expect(ack).toEqual({
      response_type: 'ephemeral',
      text: expect.stringMatching(/^Declared #1/) as unknown,
      mrkdwn: false,
    });
    // The listener is done once its ack is out: a reply through response_url would be in by now.
    const list = await h.requests.command('UADA', '/incident', 'list');
    expect(list.res.status).toBe(200);
    expect(repliesTo(responseId).map((r) => r.via)).toEqual(['ack']);
    expect(repliesTo(list.responseId).map((r) => r.via)).toEqual(['ack']);
    expect(h.slack.responses.filter((r) => r.via === 'response_url')).toEqual([]);
    expect(String(ack.text)).toContain('Checkout &lt;b&gt;');
  });

  it('a failed command is answered in its ack with its coded message', async () => {
    const { res, responseId } = await h.requests.command('UADA', '/incident', 'resolve 99 Done.');
    expect(res.status).toBe(200);
    expect(((await res.json()) as { text: string }).text).toBe('Incident #99 not found.');
    expect(repliesTo(responseId).map((r) => r.via)).toEqual(['ack']);
    expect(h.count('incidents')).toBe(0);
  });

  it(
    `a command still running after ${ANSWER_IN_ACK_MS} ms is acked empty and answered through response_url`,
    async () => {
      // Adding someone Herald has not met, while Slack sits on the look-up of who they are.
      expect(await ephemeralReply(h, 'UADA', '/stakeholders', 'team create Payments')).toMatch(
        /Payments/,
      );
      h.slack.addUser({ id: 'UNEW', name: 'Nia', email: 'nia@corp.example' });
      const release = h.slack.hold('users.info');
      const started = Date.now();
      const command = h.requests.command('UADA', '/stakeholders', 'team add Payments <@UNEW>');
      await eventually(() =>
        expect(h.slack.callsOf('users.info').filter((c) => c.args.user === 'UNEW')).toHaveLength(1),
      );
      const { res, responseId } = await command;
      expect(Date.now() - started).toBeGreaterThanOrEqual(ANSWER_IN_ACK_MS - 50);
      expect(res.status).toBe(200);
      expect(await res.text()).toBe('');
      expect(repliesTo(responseId)).toEqual([]);
      release();
      const reply = await eventually(() => {
        const [only, ...more] = repliesTo(responseId);
        if (!only) throw new Error('no reply yet');
        expect(more).toEqual([]);
        return only;
      });
      expect(reply.via).toBe('response_url');
      expect(reply.body).toEqual({
        response_type: 'ephemeral',
        text: 'Added 1 member to team:Payments.',
        mrkdwn: false,
      });
      expect(h.count('team_members')).toBe(1);
    },
    ANSWER_IN_ACK_MS + 10_000,
  );

  it('a command that opens a modal acks empty, then opens it with its trigger id', async () => {
    const { res, responseId, triggerId } = await h.requests.command('UADA', '/incident', 'new');
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('');
    await eventually(() =>
      expect(
        h.slack.callsOf('views.open').filter((c) => c.args.trigger_id === triggerId),
      ).toHaveLength(1),
    );
    expect(repliesTo(responseId)).toEqual([]);
  });
});
