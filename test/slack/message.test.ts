import { describe, expect, it } from 'vitest';
import { notificationBlocks, notificationText } from '../../adapters/slack/views/message.js';
import type { EventPayload } from '../../src/domain/types.js';

const payload: EventPayload = {
  kind: 'update',
  incident: {
    id: 7,
    title: 'Login <b>broken</b> on www.app.example',
    summary: 'See https://evil.example & <!here>',
    severity: 'SEV2',
    service: 'auth',
    status: 'open',
  },
  text: 'Mail boss@evil.example or <@U123|bob>; <https://evil.example|click>',
  at: Date.UTC(2026, 10, 26, 9, 5),
  by: 'Rita <!channel>',
};

describe('a Slack stakeholder message', () => {
  it('keeps every piece of user text inert: no mention, no link, no markup', () => {
    // Slack parses markup in the message text and in mrkdwn objects (plain_text shows it literally).
    const mrkdwn: string[] = [];
    JSON.stringify(notificationBlocks(payload), (_k, v: unknown) => {
      if (v && typeof v === 'object' && (v as { type?: string }).type === 'mrkdwn')
        mrkdwn.push((v as { text: string }).text);
      return v;
    });
    const all = [notificationText(payload), ...mrkdwn].join('\n');
    expect(mrkdwn.length).toBeGreaterThan(3);
    expect(all).not.toMatch(/<!here>|<!channel>|<@U123|<https?:|<b>/);
    expect(all).not.toMatch(/https:\/\/evil|www\.app|evil\.example/);
    // Readable all the same once the invisible link breakers are removed.
    expect(all.replace(/\u200B/g, '')).toContain('See https://evil.example &amp; &lt;!here&gt;');
  });

  it('names the incident, its facts and the event, with a plain-text fallback', () => {
    expect(notificationText(payload).replace(/\u200B/g, '')).toMatch(
      /^\[Status update\] #7 Login &lt;b&gt;broken&lt;\/b&gt; on www.app.example — Mail/,
    );
    const blocks = JSON.stringify(notificationBlocks(payload));
    for (const fact of [
      '*Status*\\nOpen',
      '*Severity*\\nSEV2',
      '*Service*\\nauth',
      '2026-11-26 09:05 UTC',
    ])
      expect(blocks).toContain(fact);
  });
});
