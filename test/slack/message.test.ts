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

/** Every Block Kit text object in the blocks, by type. */
function texts(blocks: unknown): { plain: string[]; mrkdwn: string[] } {
  const found = { plain: [] as string[], mrkdwn: [] as string[] };
  JSON.stringify(blocks, (_k, v: unknown) => {
    const t = v as { type?: string; text?: unknown } | null;
    if (t?.type === 'plain_text' && typeof t.text === 'string') found.plain.push(t.text);
    if (t?.type === 'mrkdwn' && typeof t.text === 'string') found.mrkdwn.push(t.text);
    return v;
  });
  return found;
}

describe('a Slack stakeholder message', () => {
  it('keeps every piece of user text inert: no mention, no link, no markup', () => {
    // User text sits only in plain_text, which Slack shows as is; the fallback text is escaped.
    const { plain, mrkdwn } = texts(notificationBlocks(payload));
    expect(mrkdwn).toEqual([]);
    const all = [notificationText(payload), ...plain].join('\n');
    expect(plain.length).toBeGreaterThan(6);
    expect(all).not.toMatch(/<!here>|<!channel>|<@U123|<https?:/);
    expect(all).not.toMatch(/https:\/\/evil|www\.app|evil\.example/);
    // Readable all the same once the invisible link and mention breakers are removed.
    expect(plain.join('\n').replace(/\u200B/g, '')).toContain('See https://evil.example & <!here>');
    expect(notificationText(payload).replace(/\u200B/g, '')).toContain('&lt;@U123|bob&gt;');
  });

  it('names the incident, its facts and the event, with a plain-text fallback', () => {
    expect(notificationText(payload).replace(/\u200B/g, '')).toMatch(
      /^\[Status update\] #7 Login &lt;b&gt;broken&lt;\/b&gt; on www.app.example — Mail/,
    );
    const { plain } = texts(notificationBlocks(payload));
    for (const fact of [
      'Status\nOpen',
      'Severity\nSEV2',
      'Service\nauth',
      'Status update\n2026-11-26 09:05 UTC',
    ])
      expect(plain).toContain(fact);
  });
});
