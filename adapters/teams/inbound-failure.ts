/** How `/api/messages` answers an activity it could not take: status and the JSON error. */
export interface InboundFailure {
  status: number;
  code: string;
  message: string;
}

const UNAUTHORIZED: InboundFailure = {
  status: 401,
  code: 'UNAUTHORIZED',
  message: 'A valid Bot Framework bearer token is required.',
};

const UNAVAILABLE: InboundFailure = {
  status: 503,
  code: 'AUTHENTICATION_UNAVAILABLE',
  message: 'Herald cannot check Bot Framework tokens right now. Try again later.',
};

const INTERNAL: InboundFailure = { status: 500, code: 'INTERNAL', message: 'Internal error.' };

/** jsonwebtoken's own errors: a bad signature, an expired or not-yet-valid token. */
const TOKEN_ERRORS = new Set(['JsonWebTokenError', 'TokenExpiredError', 'NotBeforeError']);

/** The system errors of a request that never got an answer. */
const NETWORK_ERRORS = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
]);

/**
 * What the SDK threw while authenticating an activity, as the HTTP answer: 401 for a token that
 * does not hold (the SDK's `AuthenticationError` with a 4xx, jsonwebtoken's errors, which the SDK
 * would have answered 500 with "invalid signature"); 503 when the token issuer's keys cannot be
 * fetched (network errors, or its `AuthenticationError` with a 5xx), since a retry may succeed;
 * 500 otherwise. The body never carries the error's own text: it names hosts and ports.
 */
export function inboundFailure(err: unknown): InboundFailure {
  const e = (typeof err === 'object' && err !== null ? err : {}) as {
    name?: unknown;
    code?: unknown;
    statusCode?: unknown;
  };
  if (typeof e.statusCode === 'number') return e.statusCode >= 500 ? UNAVAILABLE : UNAUTHORIZED;
  if (typeof e.name === 'string' && TOKEN_ERRORS.has(e.name)) return UNAUTHORIZED;
  if (e.name === 'FetchError' || (typeof e.code === 'string' && NETWORK_ERRORS.has(e.code))) {
    return UNAVAILABLE;
  }
  return INTERNAL;
}
