/**
 * Teams renders message `text`, Adaptive Card `TextBlock`s, `FactSet` values and `fallbackText` as
 * markdown (bold, italics, lists, links) and may pick up HTML, `<at>` mentions and bare URLs.
 * Text a user typed (titles, summaries, update text, names) must stay inert characters there.
 */

/** C0 controls (tab and newline aside), DEL, and bidi overrides that could disguise text. */
// eslint-disable-next-line no-control-regex -- matching control characters is the point.
const CONTROL = /[\u0000-\u0008\u000B-\u001F\u007F\u202A-\u202E\u2066-\u2069]/g;
const ZWSP = '\u200B';

/** Newlines normalized, control characters dropped. */
const clean = (text: string): string => text.replace(/\r\n?/g, '\n').replace(CONTROL, '');

/**
 * Keeps linkifiers from turning text into links: an invisible zero-width space after the scheme's
 * colon (`https:` ZWSP `//`), inside `www.` and after a dot between a name and a letter
 * (`example.` ZWSP `com`, which also covers email addresses). Shown text is unchanged.
 */
const breakLinks = (text: string): string =>
  text
    .replace(/:\/\//g, `:${ZWSP}//`)
    .replace(/\bwww\./gi, (m) => `${m.slice(0, 3)}${ZWSP}.`)
    .replace(/(?<=[\p{L}\p{N}])\.(?=\p{L})/gu, `.${ZWSP}`);

/**
 * Escapes text for a Teams markdown context: CommonMark backslash escapes for the characters that
 * start emphasis, code, links, HTML (so `<at>` and `<b>` are literal), entities, tables and
 * strikethrough, and for the markers that make a line a heading, quote or list. Links are broken
 * as in {@link inertPlain}. Line breaks are kept as `\n`.
 */
export function escapeMarkdown(text: string): string {
  const escaped = clean(text)
    .replace(/[\\`*_[\]<>~|&]/g, '\\$&')
    // A heading, list item or setext underline only starts a line.
    .replace(/^([ \t]*)([#+=-])/gm, '$1\\$2')
    .replace(/^([ \t]*\d+)([.)])/gm, '$1\\$2');
  return breakLinks(escaped);
}

/**
 * For text Teams shows without markdown (the notification `summary`): no escapes, which would
 * show, but no links either.
 */
export const inertPlain = (text: string): string => breakLinks(clean(text));

/**
 * Teams joins single newlines in markdown text into one line; a blank line between lines keeps
 * each on its own.
 */
export const markdownLines = (escaped: string): string => escaped.split('\n').join('\n\n');
