import { describe, expect, it } from 'vitest';
import { escapeMarkdown, inertPlain } from '../../adapters/teams/escape.js';
import { notificationMessage } from '../../adapters/teams/notification-message.js';
import { preferencesCard } from '../../adapters/teams/preferences-card.js';
import type { EventPayload, Person } from '../../src/domain/types.js';
import { adaptiveCardErrors } from '../support/adaptive-card-schema.js';
import { specsAvailable, specsMissingReason } from '../support/specs.js';

const ZWSP = '\u200B';
const HOSTILE =
  '[click me](https://evil.example/x) **bold** _it_ `code` ~~gone~~ <at>Everyone</at> <b>x</b> <img src=x onerror=alert(1)> &lt;i&gt; www.evil.example ann@corp.example';

/** Markdown syntax that survives escaping: an unescaped delimiter, a link, a tag, a URL. */
function live(text: string): string[] {
  const found: string[] = [];
  if (/(^|[^\\])\]\(/.test(text)) found.push('link');
  if (/(^|[^\\])[*_`~]/.test(text)) found.push('emphasis/code');
  if (/(^|[^\\])<[a-z/!]/i.test(text)) found.push('html or mention');
  if (/(^|[^\\])&[a-z#]/i.test(text)) found.push('entity');
  if (/https?:\/\//.test(text) || /www\./i.test(text) || /\w\.\w/.test(text)) found.push('url');
  if (/^\s*([#>]|[-+*]\s|\d+[.)])/m.test(text)) found.push('block');
  return found;
}

describe('escapeMarkdown', () => {
  it('leaves no link, emphasis, code, HTML, mention, entity or bare URL alive', () => {
    const escaped = escapeMarkdown(HOSTILE);
    expect(live(HOSTILE)).not.toEqual([]);
    expect(live(escaped)).toEqual([]);
    // What a reader sees is the same text: drop the escapes and the invisible breaks.
    expect(escaped.replace(/\\(.)/g, '$1').replaceAll(ZWSP, '')).toBe(HOSTILE);
  });

  it('turns line-start markers (heading, quote, lists, setext) into text', () => {
    const lines = '# Heading\n> quote\n- item\n+ item\n1. first\n2) second\n===\nok';
    const escaped = escapeMarkdown(lines);
    expect(live(escaped)).toEqual([]);
    expect(escaped.split('\n')).toEqual([
      '\\# Heading',
      '\\> quote',
      '\\- item',
      '\\+ item',
      '1\\. first',
      '2\\) second',
      '\\===',
      'ok',
    ]);
  });

  it('drops control characters and bidi overrides, keeps ordinary text as it is', () => {
    expect(escapeMarkdown('a\u0000b\u202Ec\r\nd')).toBe('abc\nd');
    expect(escapeMarkdown('Checkout errors: 50% of payments fail (EU only) #42')).toBe(
      'Checkout errors: 50% of payments fail (EU only) #42',
    );
  });

  it('inertPlain (the notification summary) breaks links without showing escapes', () => {
    expect(inertPlain('see https://evil.example now')).toBe(
      `see https:${ZWSP}//evil.${ZWSP}example now`,
    );
    expect(inertPlain('**bold**')).toBe('**bold**');
  });
});

const payload = (text: string): EventPayload => ({
  kind: 'resolved',
  incident: {
    id: 42,
    title: text,
    summary: `${text}\n- and a list`,
    severity: 'SEV1',
    service: 'pay_api',
    status: 'resolved',
  },
  text,
  at: Date.UTC(2026, 0, 2, 10, 30),
  by: '<at>Rita</at>',
});

describe('cards with hostile user text', () => {
  it('every text field of the notification is escaped, the text fallback too', () => {
    const message = notificationMessage(payload(HOSTILE));
    const card = message.attachments?.[0]?.content as {
      body: Array<{ text?: string; facts?: Array<{ value: string }> }>;
      fallbackText: string;
    };
    const texts = [
      ...card.body.flatMap((e) => [e.text ?? '', ...(e.facts ?? []).map((f) => f.value)]),
      card.fallbackText,
      message.text ?? '',
    ];
    for (const t of texts) expect(live(t.replace(/\d{4}-\d\d-\d\d \d\d:\d\d UTC/, ''))).toEqual([]);
    expect(message.summary).not.toMatch(/https?:\/\//);
  });

  describe.skipIf(!specsAvailable)(
    `against the Adaptive Card 1.5 schema (${specsMissingReason})`,
    () => {
      it('the notification and preferences cards validate', () => {
        const message = notificationMessage(payload(HOSTILE));
        expect(adaptiveCardErrors(message.attachments?.[0]?.content)).toEqual([]);
        const person = { id: 1, displayName: HOSTILE } as Person;
        const form = preferencesCard(
          { person, channels: ['teams'], explicit: false, reachable: ['teams', 'email'] },
          new Set(['slack', 'teams', 'email']),
        );
        expect(adaptiveCardErrors(form)).toEqual([]);
        expect(live(String((form.body[0] as { text: string }).text))).toEqual([]);
      });

      it('the validator catches a broken card and a version above 1.5', () => {
        expect(adaptiveCardErrors({ type: 'AdaptiveCard', version: '1.6', body: [] })).toContain(
          '/version: 1.6 is not 1.5 or lower',
        );
        expect(
          adaptiveCardErrors({
            type: 'AdaptiveCard',
            version: '1.5',
            body: [{ type: 'TextBlock' }],
          }),
        ).not.toEqual([]);
      });
    },
  );
});
