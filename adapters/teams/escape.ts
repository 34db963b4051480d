/**
 * Teams renders message `text`, Adaptive Card `TextBlock`s, `FactSet` values and `fallbackText` as
 * markdown (bold, italics, lists, links) and may pick up HTML, `<at>` mentions and bare URLs.
 * Text a user typed (titles, summaries, update text, names) must stay inert characters there.
 */
import { breakLinks, cleanText, inertText } from '../../src/text/inert-text.js';

/**
 * Escapes text for a Teams markdown context: CommonMark backslash escapes for the characters that
 * start emphasis, code, links, HTML (so `<at>` and `<b>` are literal), entities, tables and
 * strikethrough, and for the markers that make a line a heading, quote or list. Links are broken
 * as in {@link inertPlain}. Line breaks are kept as `\n`.
 */
export function escapeMarkdown(text: string): string {
  const escaped = cleanText(text)
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
export const inertPlain = inertText;

/**
 * Teams joins single newlines in markdown text into one line; a blank line between lines keeps
 * each on its own.
 */
export const markdownLines = (escaped: string): string => escaped.split('\n').join('\n\n');
