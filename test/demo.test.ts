import { describe, expect, it } from 'vitest';
import { renderHtml } from '../demo/html.js';
import { playDemo } from '../demo/scenario.js';

describe('npm run demo, headless', () => {
  it('every stakeholder gets what the rules predict, on their channel, and the transcript renders', async () => {
    const { steps, table, arrived } = await playDemo();
    expect(table).toEqual([
      { who: 'Gus Guest', channel: 'slack', subscribed: 1, updates: 2, resolved: 1 },
      { who: 'Tina Teams', channel: 'teams', subscribed: 1, updates: 2, resolved: 1 },
      { who: 'Theo Teams', channel: 'teams', subscribed: 1, updates: 2, resolved: 1 },
      { who: 'Erin External', channel: 'email', subscribed: 1, updates: 2, resolved: 1 },
    ]);
    // What the emulators saw arrive matches the outbox: 4 messages per stakeholder.
    expect(arrived).toEqual({ slack: 4, teams: 8, email: 4 });
    // The internal update reached nobody; Gus, in two teams, was told once per event.
    const internal = steps.find((s) => s.input.startsWith('/incident update'));
    expect(internal?.received).toEqual([]);
    const subscribe = steps.find((s) => s.input.startsWith('/incident subscribe'));
    expect(subscribe?.reply).toBe(
      'Subscribed 4 people (3 via team:exec, team:support) to #1; notified 1 by Slack, 2 by Teams, 1 by email.',
    );
    expect(subscribe?.received.map((r) => `${r.who}/${r.channel}`).sort()).toEqual([
      'Erin External/email',
      'Gus Guest/slack',
      'Theo Teams/teams',
      'Tina Teams/teams',
    ]);
    const html = renderHtml(steps, table);
    expect(html).toContain('<h1>Herald demo</h1>');
    expect(html).toContain('Checkout errors for EU customers');
    expect(html).not.toMatch(/<script/i);
  });
});
