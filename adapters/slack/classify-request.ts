import { z } from 'zod';
import { SlackRequestError } from './request-error.js';

const FORM = 'application/x-www-form-urlencoded';
const JSON_TYPE = 'application/json';

/** What a request to `/slack/events` is, once its body has been read and checked. */
export interface SlackRequestKind {
  kind: 'command' | 'interaction' | 'event' | 'url_verification' | 'ssl_check' | 'rate_limited';
  /** The Events API delivery id (`event_id`), the same on each of Slack's retries. */
  eventId: string | null;
  /** The body as Bolt's listeners read it: the form's fields, or the JSON (of `payload`). */
  body: Record<string, unknown>;
}

const id = z.string().min(1);
const user = z.object({ id }).loose();

/** The fields Herald's listeners read without checking: their absence must stop at the door. */
const command = z.object({ command: z.string().startsWith('/'), user_id: id }).loose();
const interactions = {
  block_actions: z
    .object({ user, actions: z.array(z.object({ action_id: z.string() }).loose()).min(1) })
    .loose(),
  view_submission: z.object({ user, view: z.object({ callback_id: z.string() }).loose() }).loose(),
} as const;
const eventCallback = z.object({ event_id: id, event: z.object({ type: id }).loose() }).loose();
const urlVerification = z.object({ challenge: z.string() }).loose();

const unsupported = () =>
  new SlackRequestError(
    400,
    'UNSUPPORTED_PAYLOAD',
    'Herald does not handle this kind of Slack request.',
  );

const invalid = (message: string) => new SlackRequestError(400, 'INVALID_INPUT', message);

/** Checks a body against a schema; the first problem names its field, never the parser's words. */
function check(schema: z.ZodType, body: unknown): void {
  const result = schema.safeParse(body);
  if (result.success) return;
  const field = result.error.issues[0]?.path.map(String).join('.') || 'body';
  throw invalid(
    `The payload is not a Slack request Herald handles: ${field} is missing or malformed.`,
  );
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw invalid(`${what} is not valid JSON.`);
  }
}

function classifyForm(raw: string): SlackRequestKind {
  const form = new URLSearchParams(raw);
  // Bolt would hand a repeated field to the listeners as an array where they expect a string.
  const keys = [...form.keys()];
  if (new Set(keys).size !== keys.length) throw invalid('A form field is repeated.');
  const payload = form.get('payload');
  if (payload !== null) {
    let body: unknown;
    try {
      body = JSON.parse(payload) as unknown;
    } catch {
      throw invalid('The payload field is not JSON.');
    }
    const type = isObject(body) ? body.type : undefined;
    if (type !== 'block_actions' && type !== 'view_submission') throw unsupported();
    check(interactions[type], body);
    return { kind: 'interaction', eventId: null, body: body as Record<string, unknown> };
  }
  const fields = Object.fromEntries(form);
  if (form.has('ssl_check')) return { kind: 'ssl_check', eventId: null, body: fields };
  if (form.has('command')) {
    check(command, fields);
    return { kind: 'command', eventId: null, body: fields };
  }
  throw unsupported();
}

function classifyJson(raw: string): SlackRequestKind {
  const body = parseJson(raw, 'The body');
  if (!isObject(body)) throw unsupported();
  switch (body.type) {
    case 'event_callback': {
      check(eventCallback, body);
      return { kind: 'event', eventId: (body as { event_id: string }).event_id, body };
    }
    case 'url_verification':
      check(urlVerification, body);
      return { kind: 'url_verification', eventId: null, body };
    case 'app_rate_limited':
      return { kind: 'rate_limited', eventId: null, body };
    default:
      throw unsupported();
  }
}

/**
 * Reads what a signed request to `/slack/events` is: a slash command, an interactivity payload
 * Herald has listeners for (`block_actions`, `view_submission`), an Events API callback, or one of
 * Slack's housekeeping requests. Anything else is refused here, at once, instead of waiting three
 * seconds in Bolt for an acknowledgement no listener will give.
 */
export function classifySlackRequest(
  raw: string,
  contentType: string | undefined,
): SlackRequestKind {
  const mediaType = (contentType ?? '').split(';')[0]?.trim().toLowerCase();
  if (mediaType === FORM) return classifyForm(raw);
  if (mediaType === JSON_TYPE) return classifyJson(raw);
  throw new SlackRequestError(
    415,
    'UNSUPPORTED_MEDIA_TYPE',
    `Send ${FORM} or ${JSON_TYPE}, as Slack does.`,
  );
}
