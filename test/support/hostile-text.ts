/**
 * One piece of user text for every surface (issue 12, item 6): bidirectional controls that would
 * make it read otherwise than it is, and Slack/markdown formatting that must stay characters.
 */

/** Every bidi embedding, override and isolate control (U+202A–U+202E, U+2066–U+2069). */
export const BIDI = /[\u202A-\u202E\u2066-\u2069]/;

/** A title: one line, formatting and bidi controls (an override reversing "evil" reads "live"). */
export const HOSTILE_TITLE =
  'Pay \u202Eevil\u202C *bold* `code` _it_ ~gone~ \u2066iso\u2069 \u202A\u202B\u202D\u2067\u2068done';

/** What a reader should see of it: the same characters, without the controls. */
export const SHOWN_TITLE = 'Pay evil *bold* `code` _it_ ~gone~ iso done';

/** Multi-line text (summaries, updates, notes): a quote marker at the start of a line as well. */
export const HOSTILE_TEXT = `> quote \u202Eme\u202C\n*bold* and \`code\`\n\u2066> not a quote either\u2069`;

/** What a reader should see of it. */
export const SHOWN_TEXT = '> quote me\n*bold* and `code`\n> not a quote either';

/** A display name as a chat profile may carry it. */
export const HOSTILE_NAME = 'Rita \u202E*boss*\u202C';
export const SHOWN_NAME = 'Rita *boss*';
