import type { ServerResponse } from 'node:http';
import type { AnyMiddlewareArgs, Middleware } from '@slack/bolt';
import type { Logger } from '../../src/logger.js';
import { SlackRequestError } from './request-error.js';

/** The context key under which each request's HTTP response reaches Bolt middleware. */
const RESPONSE = 'heraldHttpResponse';

/** Never thrown, only sent: one instance serves every request. */
const NOT_HANDLED = new SlackRequestError(
  404,
  'NOT_FOUND',
  'Herald has no handler for this Slack request.',
);
const internal = (message = 'Internal error.') => new SlackRequestError(500, 'INTERNAL', message);

/**
 * Bolt answers a request no listener acknowledges only after three seconds, with an empty 404,
 * and a listener that throws before its ack with nothing at all. These hooks answer such requests
 * the moment Bolt is done with them, with the contract's JSON error.
 */
export const unhandledSlackRequests = {
  /** The receiver's `customProperties`: hands the HTTP response to the middleware below. */
  responseOf: (res: ServerResponse): Record<string, unknown> => ({ [RESPONSE]: res }),

  /**
   * Global Bolt middleware: once every listener has run, a request still unanswered had no
   * listener (404) or lost it to an error (500). Events were acknowledged by Bolt beforehand.
   */
  middleware(): Middleware<AnyMiddlewareArgs> {
    return async ({ context, next }) => {
      const res = context[RESPONSE] as ServerResponse | undefined;
      try {
        await next();
      } catch (err) {
        if (res) internal().send(res);
        throw err;
      }
      if (res) NOT_HANDLED.send(res);
    };
  },

  /** `unhandledRequestHandler`: Bolt's three-second timer; silent when the answer went out. */
  onTimeout(logger: Logger) {
    return ({ response }: { response: ServerResponse }): void => {
      if (response.headersSent) return;
      logger.warn({}, 'slack: a listener did not acknowledge within three seconds');
      internal('Herald did not answer in time.').send(response);
    };
  },

  /** `processEventErrorHandler`: Bolt itself failed (not a listener); true means "answered". */
  onProcessError(logger: Logger) {
    return ({ error, response }: { error: Error; response: ServerResponse }): Promise<boolean> => {
      logger.error({ err: error }, 'slack: Bolt could not process a request');
      if (response.headersSent) return Promise.resolve(false);
      internal().send(response);
      return Promise.resolve(true);
    };
  },
};
