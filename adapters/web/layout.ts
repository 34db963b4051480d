import { escapeHtml } from '../html.js';
import { STYLESHEET_PATH } from './stylesheet.js';

/** What a signed-in page adds around its content: the navigation and the log-out form. */
export interface Chrome {
  csrf: string;
  current: 'incidents' | 'reach' | null;
}

/** The hidden field every form carries. */
export const csrfField = (csrf: string): string =>
  `<input type="hidden" name="csrf" value="${escapeHtml(csrf)}">`;

const navLink = (href: string, label: string, current: boolean): string =>
  `<li><a href="${href}"${current ? ' aria-current="page"' : ''}>${label}</a></li>`;

/**
 * The page around `body` (already escaped HTML). Landmarks for screen readers (banner, navigation,
 * main), a skip link, the language, and a viewport for phones. No script anywhere.
 */
export function layout(title: string, body: string, chrome: Chrome | null): string {
  const header = chrome
    ? `<header class="top">
<p class="brand">Herald</p>
<nav aria-label="Herald">
<ul>
${navLink('/my/incidents', 'My incidents', chrome.current === 'incidents')}
${navLink('/my/reach', 'How to reach me', chrome.current === 'reach')}
<li><form method="post" action="/my/logout">${csrfField(chrome.csrf)}<button type="submit">Log out</button></form></li>
</ul>
</nav>
</header>`
    : `<header class="top"><p class="brand">Herald</p></header>`;
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<meta name="referrer" content="no-referrer">
<title>${escapeHtml(title)} · Herald</title>
<link rel="stylesheet" href="${STYLESHEET_PATH}">
</head>
<body>
<a class="skip" href="#main">Skip to content</a>
${header}
<main id="main">
${body}
</main>
</body>
</html>
`;
}
