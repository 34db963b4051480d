/** The pages shown without a session: none of them holds any data. */
import { escapeHtml } from '../html.js';
import { csrfField, layout } from './layout.js';

const NEW_LINK = '<p><a href="/my/new-link">Email me a new link</a></p>';

/**
 * The one answer to a link that is malformed, tampered with, expired, meant for someone else, or
 * whose person no longer follows its incident — and to a page address that is not the reader's.
 * The same bytes for all of them: nothing to tell one case from another.
 */
export function linkNotValidPage(): string {
  return layout(
    'Link not valid',
    `<h1>This link is not valid</h1>
<div class="card">
<p>It may have expired (links last 30 days), been changed, or be meant for someone else.</p>
<p>Open the link in the latest message Herald sent you, or ask for a new one.</p>
${NEW_LINK}
</div>`,
    null,
  );
}

export type SignedOutReason = 'logged-out' | 'stopped' | null;

const SIGNED_OUT: Record<Exclude<SignedOutReason, null>, string> = {
  'logged-out': 'You are logged out.',
  stopped:
    'Done: you no longer get messages about the incidents you followed, and you are logged out everywhere.',
};

/** Any page that needs a session, asked without one. */
export function signedOutPage(reason: SignedOutReason): string {
  const notice = reason ? `<p class="notice" role="status">${SIGNED_OUT[reason]}</p>\n` : '';
  return layout(
    reason === 'stopped' ? 'Messages stopped' : 'Not signed in',
    `${notice}<h1>${reason === 'stopped' ? 'Messages stopped' : 'Not signed in'}</h1>
<div class="card">
<p>To see your incidents, open the “View incident” link in a message from Herald.</p>
${NEW_LINK}
</div>`,
    null,
  );
}

/** The form behind "email me a new link"; `error` is our own words, never the input. */
export function newLinkPage(csrf: string, error: string | null): string {
  return layout(
    'Email me a new link',
    `<h1>Email me a new link</h1>
<div class="card">
<form method="post" action="/my/new-link" novalidate>
${csrfField(csrf)}
${error ? `<p class="error" role="alert" id="email-error">${escapeHtml(error)}</p>` : ''}
<p><label for="email">Your email address</label></p>
<p><input id="email" name="email" type="email" autocomplete="email" required maxlength="254"${error ? ' aria-invalid="true" aria-describedby="email-error"' : ''}></p>
<div class="actions"><button type="submit">Email me a link</button></div>
</form>
<p class="meta">If Herald tells this address about incidents, it sends a fresh link to each of them.</p>
</div>`,
    null,
  );
}

/** After asking: the same words whether or not the address is known. */
export function newLinkSentPage(): string {
  return layout(
    'Check your email',
    `<h1>Check your email</h1>
<div class="card">
<p>If this address follows incidents in Herald, a message with new links is on its way.</p>
</div>`,
    null,
  );
}

/** Too many requests for this address or from this client: the same for known and unknown. */
export function tooManyPage(): string {
  return layout(
    'Too many requests',
    `<h1>Too many requests</h1>
<div class="card"><p>Please wait an hour before asking for another link.</p></div>`,
    null,
  );
}

/** A form posted without its token, or with another's: nothing was changed. */
export function formExpiredPage(): string {
  return layout(
    'Form expired',
    `<h1>This form has expired</h1>
<div class="card">
<p>Nothing was changed. Go back, reload the page and try again.</p>
</div>`,
    null,
  );
}

/** Anything unexpected: nothing revealed. */
export function errorPage(): string {
  return layout(
    'Something went wrong',
    `<h1>Something went wrong</h1>
<div class="card"><p>Nothing was changed. Please try again in a moment.</p></div>`,
    null,
  );
}
