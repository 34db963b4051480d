/**
 * User text that must stay characters wherever it is shown (PRODUCT §3: it never becomes a
 * mention, a link or a header). Each surface escapes its own markup; this is what they share.
 */

/** C0 controls (tab and newline aside), DEL, and bidi overrides that could disguise text. */
// eslint-disable-next-line no-control-regex -- matching control characters is the point.
const CONTROL = /[\u0000-\u0008\u000B-\u001F\u007F\u202A-\u202E\u2066-\u2069]/g;
const ZWSP = '\u200B';

/** Newlines normalized, control characters dropped. */
export const cleanText = (text: string): string =>
  text.replace(/\r\n?/g, '\n').replace(CONTROL, '');

/**
 * Keeps linkifiers (Teams, mail clients) from turning text into links: an invisible zero-width
 * space after the scheme's colon (`https:` ZWSP `//`), inside `www.` and after a dot between a
 * name and a letter (`example.` ZWSP `com`, which also covers email addresses). Shown text is
 * unchanged.
 */
export const breakLinks = (text: string): string =>
  text
    .replace(/:\/\//g, `:${ZWSP}//`)
    .replace(/\bwww\./gi, (m) => `${m.slice(0, 3)}${ZWSP}.`)
    .replace(/(?<=[\p{L}\p{N}])\.(?=\p{L})/gu, `.${ZWSP}`);

/** Clean and link-free: for text shown without markup. */
export const inertText = (text: string): string => breakLinks(cleanText(text));
