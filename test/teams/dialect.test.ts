import type { Activity } from 'botbuilder';
import { describe, expect, it } from 'vitest';
import { fromTeamsActivity } from '../../adapters/teams/dialect.js';
import { parseChatMessage } from '../../src/commands/grammar.js';
import { MENTION, type CommandInput } from '../../src/commands/types.js';
import { BOT } from '../support/teams-user.js';

/** Mention characters shown as `¤`, so an expectation reads as the text does. */
const shown = ({ text, mentions }: CommandInput) => ({
  text: text.replaceAll(MENTION, '¤'),
  mentions,
});

interface Mentioned {
  id: string;
  name: string;
  aadObjectId?: string;
}

/** A mention entity as Teams sends it: the `<at>` text exactly as it is in the message. */
const mention = (mentioned: Mentioned, name = mentioned.name) => ({
  type: 'mention',
  text: `<at>${name}</at>`,
  mentioned,
});

/** A personal-chat message to the bot, as Teams posts it. */
const message = (text: string, entities: unknown[] = []): Partial<Activity> =>
  ({
    type: 'message',
    text,
    textFormat: 'plain',
    from: { id: '29:rita', name: 'Rita', aadObjectId: 'aad-rita' },
    recipient: BOT,
    entities,
  }) as Partial<Activity>;

const THEO = { id: '29:theo', name: 'Theo' };
const ANN = { id: '29:ann', name: 'Ann Lee', aadObjectId: 'aad-ann' };

describe('fromTeamsActivity: a Teams message as the grammar’s neutral input', () => {
  it('the bot’s own mention is not part of the command', () => {
    expect(fromTeamsActivity(message('<at>Herald</at> incidents', [mention(BOT)]))).toEqual({
      text: 'incidents',
      mentions: [],
    });
  });

  it('leaves the activity as it was, and reads one without recipient or text as it stands', () => {
    const activity = message('<at>Herald</at> incidents', [mention(BOT)]);
    expect(fromTeamsActivity(activity).text).toBe('incidents');
    expect(activity.text).toBe('<at>Herald</at> incidents');
    const noRecipient = { ...message('<at>Herald</at> incidents', [mention(BOT)]) };
    delete noRecipient.recipient;
    // Without a recipient no mention is the bot's own: each is a person's, as its entity says.
    expect(shown(fromTeamsActivity(noRecipient))).toEqual({
      text: '¤ incidents',
      mentions: [{ platform: 'teams', userId: BOT.id, label: '@Herald' }],
    });
    const noText = { ...message('', [mention(BOT)]) };
    delete noText.text;
    expect(fromTeamsActivity(noText)).toEqual({ text: '', mentions: [] });
  });

  it('mentions follow the text’s order, whatever the order of the entities', () => {
    const input = fromTeamsActivity(
      message('<at>Herald</at> incident subscribe 42 <at>Theo</at>, <at>Ann Lee</at>', [
        mention(ANN),
        mention(BOT),
        mention(THEO),
      ]),
    );
    expect(shown(input)).toEqual({
      text: 'incident subscribe 42 ¤, ¤',
      mentions: [
        // Without aadObjectId in the entity: the Teams user id, for the directory to look up.
        { platform: 'teams', userId: '29:theo', label: '@Theo' },
        // With it: the Entra ID object id Herald knows people by.
        { platform: 'teams', userId: 'aad-ann', label: '@Ann Lee' },
      ],
    });
    expect(parseChatMessage(input)).toEqual({
      root: 'incident',
      name: 'subscribe',
      id: 42,
      targets: [
        { kind: 'user', platform: 'teams', userId: '29:theo' },
        { kind: 'user', platform: 'teams', userId: 'aad-ann' },
      ],
    });
  });

  it('two mentions with the same name are two people, each entity used once', () => {
    const input = fromTeamsActivity(
      message('<at>Theo</at> <at>Theo</at>', [
        mention({ id: '29:theo-1', name: 'Theo' }),
        mention({ id: '29:theo-2', name: 'Theo' }),
      ]),
    );
    expect(shown(input)).toEqual({
      text: '¤ ¤',
      mentions: [
        { platform: 'teams', userId: '29:theo-1', label: '@Theo' },
        { platform: 'teams', userId: '29:theo-2', label: '@Theo' },
      ],
    });
  });

  it('an <at> without a mention entity becomes the words it shows', () => {
    expect(fromTeamsActivity(message('incident subscribe 1 <at>Nobody</at>'))).toEqual({
      text: 'incident subscribe 1 Nobody',
      mentions: [],
    });
    expect(() =>
      parseChatMessage(fromTeamsActivity(message('incident subscribe 1 <at>Nobody</at>'))),
    ).toThrow(/not a target/);
  });

  it('HTML entities are decoded, and an <at> written as entities stays text', () => {
    expect(
      fromTeamsActivity(
        message(
          'a &amp; b &lt;at&gt;Theo&lt;/at&gt; &#39;q&#39; &#x41;&#66; &quot;x&quot;&nbsp;<b>bold</b> &bogus;',
          [mention(THEO)],
        ),
      ),
    ).toEqual({ text: `a & b <at>Theo</at> 'q' AB "x" bold &bogus;`, mentions: [] });
  });

  it('a &#65532; (or a typed U+FFFC) cannot forge a mention', () => {
    const input = fromTeamsActivity(
      message(`incident subscribe 1 &#65532; &#xFFFC; ${MENTION} <at>Theo</at>`, [mention(THEO)]),
    );
    expect(shown(input)).toEqual({
      text: 'incident subscribe 1    ¤',
      mentions: [{ platform: 'teams', userId: '29:theo', label: '@Theo' }],
    });
    expect([...input.text].filter((c) => c === MENTION)).toHaveLength(1);
    // Alone, the forged character is nothing at all: no target.
    expect(fromTeamsActivity(message('incident subscribe 1 &#65532;'))).toEqual({
      text: 'incident subscribe 1 ',
      mentions: [],
    });
  });
});
