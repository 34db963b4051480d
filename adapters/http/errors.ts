import type { NextFunction, Request, Response } from 'express';
import type { z } from 'zod';
import type { ErrorCode } from '../../src/errors.js';
import { isHeraldError } from '../../src/errors.js';
import type { Logger } from '../../src/logger.js';

/** An HTTP-level refusal (auth, media type, body shape) with the JSON error it becomes. */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly field?: string,
  ) {
    super(message);
  }
}

/** The one error shape of `/api/v1/*`: `{ error: { code, message, field? } }`. */
export function sendError(
  res: Response,
  status: number,
  code: string,
  message: string,
  field?: string,
): void {
  res.status(status).json({ error: { code, message, ...(field ? { field } : {}) } });
}

const STATUS_OF: Record<ErrorCode, number> = {
  INVALID_INPUT: 400,
  USAGE: 400,
  FORBIDDEN: 403,
  INCIDENT_NOT_FOUND: 404,
  TEAM_NOT_FOUND: 404,
  PERSON_NOT_FOUND: 404,
  TEAM_EXISTS: 409,
  ALREADY_RESOLVED: 409,
  CONFIG_INVALID: 500,
};

/** body-parser's `limit` (bytes) as the client configured it: `64 kB`. */
const kB = (limit: unknown) =>
  typeof limit === 'number' ? `${Math.round(limit / 1024)} kB` : 'the limit';

/**
 * body-parser's errors, as the client should read them. A body that does not inflate as its
 * `Content-Encoding` says comes as zlib's error (`Z_DATA_ERROR`, `Z_BUF_ERROR`…) with status 400
 * and no `type`; zlib's own words stay out of the answer.
 */
function bodyParserError(err: unknown): ApiError | null {
  const e = err as { type?: unknown; code?: unknown; limit?: unknown } | null;
  if (typeof e?.code === 'string' && e.code.startsWith('Z_')) {
    return new ApiError(
      400,
      'INVALID_INPUT',
      'The body does not decode as its Content-Encoding says.',
      'body',
    );
  }
  switch (e?.type) {
    case 'entity.parse.failed':
      return new ApiError(400, 'MALFORMED_JSON', 'The body is not valid JSON.', 'body');
    case 'entity.too.large':
      return new ApiError(413, 'PAYLOAD_TOO_LARGE', `The body is larger than ${kB(e?.limit)}.`);
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return new ApiError(415, 'UNSUPPORTED_MEDIA_TYPE', 'Send UTF-8 JSON.');
    case 'request.aborted':
    case 'request.size.invalid':
      return new ApiError(400, 'INVALID_INPUT', 'The body was cut short.', 'body');
    default:
      return null;
  }
}

/**
 * What a client did wrong, from any error a middleware threw: body-parser's as above, any other
 * with a 4xx `status` (http-errors) as a generic line — never the error's own words.
 */
export function clientError(err: unknown): ApiError | null {
  const known = bodyParserError(err);
  if (known) return known;
  const status = (err as { status?: unknown } | null)?.status;
  return typeof status === 'number' && status >= 400 && status < 500
    ? new ApiError(status, 'INVALID_INPUT', 'Malformed request.')
    : null;
}

/**
 * Parses a request body with a zod schema; the first issue becomes a 400 naming its field. Issues
 * about the body as a whole (not an object, unknown keys) name the key or `body`.
 */
export function parseBody<T>(schema: z.ZodType<T>, body: unknown): T {
  const result = schema.safeParse(body);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  if (issue?.code === 'unrecognized_keys') {
    const key = issue.keys[0] ?? 'body';
    throw new ApiError(400, 'INVALID_INPUT', `Unknown field "${key}".`, key);
  }
  const field = issue?.path.map(String).join('.') || 'body';
  const message = issue?.path.length
    ? `${field}: ${issue.message}`
    : `The body must be a JSON object (${issue?.message ?? 'invalid'}).`;
  throw new ApiError(400, 'INVALID_INPUT', message, field);
}

/** Turns whatever a route threw into the API's JSON error; unexpected ones are logged as 500. */
export function apiErrorHandler(logger: Logger) {
  return (err: unknown, _req: Request, res: Response, _next: NextFunction): void => {
    const known = err instanceof ApiError ? err : clientError(err);
    if (known) return sendError(res, known.status, known.code, known.message, known.field);
    if (isHeraldError(err)) {
      return sendError(res, STATUS_OF[err.code], err.code, err.message, err.field);
    }
    logger.error({ err }, 'intake request failed');
    sendError(res, 500, 'INTERNAL', 'Internal error.');
  };
}
