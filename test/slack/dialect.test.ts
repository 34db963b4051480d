import { describe, expect, it } from 'vitest';
import { fromSlackText } from '../../adapters/slack/dialect.js';
import { parseTargets } from '../../src/commands/grammar.js';
import { MENTION, type CommandInput } from '../../src/commands/types.js';

/** Mention characters shown as `¤`, so an expectation reads as the text does. */
const shown = ({ text, mentions }: CommandInput) => ({
  text: text.replaceAll(MENTION, '¤'),
  mentions,
});
const slackUser = (userId: string, label: string) => ({ platform: 'slack', userId, label });

describe('fromSlackText: Slack command text as the grammar’s neutral input', () => {
  it('a user mention with a label becomes a mention of that Slack user, labelled as shown', () => {
    expect(shown(fromSlackText('subscribe 1 <@U123ABC|bob>'))).toEqual({
      text: 'subscribe 1 ¤',
      mentions: [slackUser('U123ABC', '@bob')],
    });
  });

  it('a user mention without a label is labelled with the user id; mentions keep text order', () => {
    expect(shown(fromSlackText('<@W456DEF>, <@U123ABC|bob> and <@U789GHI>'))).toEqual({
      text: '¤, ¤ and ¤',
      mentions: [
        slackUser('W456DEF', '@W456DEF'),
        slackUser('U123ABC', '@bob'),
        slackUser('U789GHI', '@U789GHI'),
      ],
    });
  });

  it('a label’s entities are decoded; something that is not a user id is words', () => {
    expect(shown(fromSlackText('<@U123ABC|a&amp;b> <@notauser> <@U1>'))).toEqual({
      text: '¤ @notauser @U1',
      mentions: [slackUser('U123ABC', '@a&b')],
    });
  });

  it('an address Slack linked (mailto) is the address', () => {
    expect(fromSlackText('<mailto:cfo@corp.example|cfo@corp.example>')).toEqual({
      text: 'cfo@corp.example',
      mentions: [],
    });
    expect(parseTargets(fromSlackText('<mailto:cfo@corp.example|cfo@corp.example>'))).toEqual([
      { kind: 'email', email: 'cfo@corp.example' },
    ]);
  });

  it('a link is the words it shows, or its address with entities decoded', () => {
    expect(
      fromSlackText(
        'see <https://status.example/a?b=1&amp;c=2|the status page> or <https://status.example/a?b=1&amp;c=2>',
      ),
    ).toEqual({
      text: 'see the status page or https://status.example/a?b=1&c=2',
      mentions: [],
    });
  });

  it('a channel is its name as words', () => {
    expect(fromSlackText('<#C123|incidents> and <#C456>')).toEqual({
      text: '#incidents and #C456',
      mentions: [],
    });
  });

  it('<!here>, <!channel> and user groups are words, never a notification or a mention', () => {
    expect(
      fromSlackText('<!here> <!channel> <!everyone> <!subteam^S123|@oncall> <!subteam^S123>'),
    ).toEqual({ text: '@here @channel @everyone @oncall @group', mentions: [] });
  });

  it('a mention typed by the user (escaped by Slack as &lt;@U1&gt;) stays text', () => {
    expect(fromSlackText('&lt;@U123ABC&gt; &lt;@U1&gt; &lt;!here&gt; a &amp;lt; b')).toEqual({
      text: '<@U123ABC> <@U1> <!here> a &lt; b',
      mentions: [],
    });
    // And it is not a target either.
    expect(() => parseTargets(fromSlackText('&lt;@U123ABC&gt;'))).toThrow(
      '`<@U123ABC>` is not an email address.',
    );
  });

  it('a U+FFFC typed by the user cannot become a mention, in text or in a label', () => {
    const input = fromSlackText(
      `a${MENTION}b <@U123ABC|x${MENTION}y> <#C1|${MENTION}> <https://e.example|${MENTION}> ${MENTION}`,
    );
    expect(shown(input)).toEqual({
      text: 'ab ¤ #  ',
      mentions: [slackUser('U123ABC', '@xy')],
    });
    // One mention character for one mention: the typed ones are gone.
    expect([...input.text].filter((c) => c === MENTION)).toHaveLength(input.mentions.length);
    expect(parseTargets(fromSlackText(`${MENTION} <@UANN1|ann>`))).toEqual([
      { kind: 'user', platform: 'slack', userId: 'UANN1' },
    ]);
  });
});
