import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const manifest = JSON.parse(
  readFileSync(new URL('../../manifest/slack/manifest.json', import.meta.url), 'utf8'),
);

describe('the Slack app manifest', () => {
  it('declares both commands on /slack/events with escaping on (mentions arrive as <@U…>)', () => {
    const commands = manifest.features.slash_commands;
    expect(commands.map((c: { command: string }) => c.command)).toEqual([
      '/incident',
      '/stakeholders',
    ]);
    for (const c of commands) {
      expect(new URL(c.url).pathname).toBe('/slack/events');
      expect(c.should_escape).toBe(true);
      expect(c.description.length).toBeLessThanOrEqual(100);
    }
  });

  it('turns on interactivity and the app_home_opened and user_change events at /slack/events', () => {
    expect(manifest.settings.interactivity).toMatchObject({ is_enabled: true });
    expect(new URL(manifest.settings.interactivity.request_url).pathname).toBe('/slack/events');
    expect(new URL(manifest.settings.event_subscriptions.request_url).pathname).toBe(
      '/slack/events',
    );
    expect(manifest.settings.event_subscriptions.bot_events).toEqual([
      'app_home_opened',
      'user_change',
    ]);
    expect(manifest.features.app_home.home_tab_enabled).toBe(true);
  });

  it('asks for exactly the scopes Herald uses', () => {
    expect([...manifest.oauth_config.scopes.bot].sort()).toEqual(
      ['chat:write', 'commands', 'im:write', 'users:read', 'users:read.email'].sort(),
    );
  });

  it('uses a placeholder host to be replaced on setup', () => {
    const urls = [
      ...manifest.features.slash_commands.map((c: { url: string }) => c.url),
      manifest.settings.interactivity.request_url,
      manifest.settings.event_subscriptions.request_url,
    ];
    expect(new Set(urls.map((u: string) => new URL(u).host))).toEqual(
      new Set(['herald.example.com']),
    );
    expect(manifest.display_information.name).toBe('Herald');
  });
});
