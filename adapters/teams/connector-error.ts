import { DeliveryError } from '../../src/delivery/ports.js';

/** The parts of a Bot Framework connector failure (an Azure `RestError`) Herald looks at. */
interface ConnectorFailure {
  statusCode?: number;
  code?: string;
  message?: string;
  response?: { status?: number; headers?: unknown };
}

/** A response header from Azure's `HttpHeaders` (`get`) or a plain object. */
function header(failure: ConnectorFailure, name: string): string | undefined {
  const headers: unknown = failure.response?.headers;
  if (typeof headers !== 'object' || headers === null) return undefined;
  const get = (headers as { get?: unknown }).get;
  const value: unknown =
    typeof get === 'function'
      ? (get as (n: string) => unknown).call(headers, name)
      : (headers as Record<string, unknown>)[name];
  return typeof value === 'string' ? value : undefined;
}

/** `Retry-After` as seconds or an HTTP date, in milliseconds from `now`. */
export function retryAfterMs(value: string | undefined, now = Date.now()): number | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(value);
  return Number.isFinite(date) ? Math.max(0, date - now) : undefined;
}

/** The HTTP status of a connector failure; undefined when no response came back. */
export function connectorStatus(err: unknown): number | undefined {
  const failure = (typeof err === 'object' && err !== null ? err : {}) as ConnectorFailure;
  return failure.statusCode ?? failure.response?.status;
}

/** A 429's `Retry-After` in milliseconds, when it carried one. */
export const connectorRetryAfterMs = (err: unknown): number | undefined =>
  typeof err === 'object' && err !== null ? retryAfterMs(header(err, 'retry-after')) : undefined;

/**
 * Classifies a failed send for the delivery engine. 429 (with its `Retry-After`), 5xx, 408 and
 * network errors are transient; 403 (`MessageWritesBlocked`: the user blocked or removed the app)
 * and 404 (`ConversationNotFound`) mean Teams can no longer reach the person; any other 4xx is a
 * permanent failure of this message. A 401 is treated as transient: a token hiccup heals, and a
 * wrong password shows up as retries in the logs before the email fallback.
 */
export function connectorDeliveryError(err: unknown): DeliveryError {
  if (err instanceof DeliveryError) return err;
  const failure = (typeof err === 'object' && err !== null ? err : {}) as ConnectorFailure;
  const status = connectorStatus(err);
  const code = typeof failure.code === 'string' ? failure.code : undefined;
  const what = `Teams connector ${status ?? 'unreachable'}${code ? ` ${code}` : ''}${
    failure.message ? `: ${failure.message.slice(0, 300)}` : ''
  }`;
  if (status === 429) {
    const wait = retryAfterMs(header(failure, 'retry-after'));
    return new DeliveryError('transient', what, wait === undefined ? {} : { retryAfterMs: wait });
  }
  if (status === 403 || status === 404) {
    return new DeliveryError('permanent', what, { unreachable: true });
  }
  if (status === undefined || status >= 500 || status === 408 || status === 401) {
    return new DeliveryError('transient', what);
  }
  return new DeliveryError('permanent', what);
}
