import { createHmac, timingSafeEqual } from 'node:crypto';
import express, { type Request, type RequestHandler, type Response } from 'express';
import type { Clock } from '../../src/clock.js';
import type { Logger } from '../../src/logger.js';
import { classifySlackRequest } from './classify-request.js';
import { SlackRequestError } from './request-error.js';
import type { SeenRequests } from './seen-requests.js';

/** Slack's replay window: a request's timestamp may be this far from Herald's clock, either way. */
export const SLACK_WINDOW_MS = 5 * 60 * 1000;

/** The largest body `/slack/events` reads; a big modal submission is a few tens of kB. */
export const SLACK_BODY_LIMIT_BYTES = 256 * 1024;

export interface SlackRequestGuardOptions {
  signingSecret: string;
  clock: Clock;
  seen: SeenRequests;
  logger: Logger;
  /** Hands a verified, new command, interaction or event to Bolt (receiver.ts). */
  dispatch: (req: Request, res: Response, body: Record<string, unknown>) => Promise<void>;
}

const unauthorized = (message: string) => new SlackRequestError(401, 'UNAUTHORIZED', message);

/** body-parser's failures, as the caller should read them. */
function bodyError(err: unknown): SlackRequestError {
  switch ((err as { type?: unknown } | null)?.type) {
    case 'entity.too.large':
      return new SlackRequestError(
        413,
        'PAYLOAD_TOO_LARGE',
        `The body is larger than ${SLACK_BODY_LIMIT_BYTES / 1024} kB.`,
      );
    case 'encoding.unsupported':
      return new SlackRequestError(
        415,
        'UNSUPPORTED_MEDIA_TYPE',
        'Send the body uncompressed, as Slack does.',
      );
    case 'request.aborted':
    case 'request.size.invalid':
      return new SlackRequestError(400, 'INVALID_INPUT', 'The body was cut short.');
    default:
      return new SlackRequestError(400, 'INVALID_INPUT', 'The body could not be read.');
  }
}

const readRaw = express.raw({ type: () => true, limit: SLACK_BODY_LIMIT_BYTES, inflate: false });

function readBody(req: Request, res: Response): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    void readRaw(req, res, (err?: unknown) => {
      if (err) reject(bodyError(err));
      else resolve(Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0));
    });
  });
}

/**
 * Slack's request signing: `v0=` HMAC-SHA256 over `v0:{timestamp}:{body bytes}`, and a timestamp
 * within five minutes of now either way (Bolt checks only the past). Returns the signature.
 */
function authenticate(req: Request, body: Buffer, secret: string, now: number): string {
  const signature = req.get('x-slack-signature');
  const stamp = req.get('x-slack-request-timestamp');
  if (!signature || !stamp) {
    throw unauthorized(
      'Signed requests only: the x-slack-signature and x-slack-request-timestamp headers are required.',
    );
  }
  if (!/^\d{1,12}$/.test(stamp)) {
    throw unauthorized('The request timestamp is not a whole number of seconds.');
  }
  const hmac = createHmac('sha256', secret).update(`v0:${stamp}:`).update(body).digest('hex');
  const expected = Buffer.from(`v0=${hmac}`);
  const given = Buffer.from(signature);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    throw unauthorized('The request signature does not match.');
  }
  const skew = now - Number(stamp) * 1000;
  if (skew > SLACK_WINDOW_MS) {
    throw unauthorized('The request timestamp is more than five minutes old.');
  }
  if (skew < -SLACK_WINDOW_MS) {
    throw unauthorized('The request timestamp is more than five minutes in the future.');
  }
  return signature;
}

/**
 * `POST /slack/events`: decides, before any listener runs, whether the request is Slack's and new.
 * It reads the body (bounded), checks the signature and the timestamp window, makes sure the body
 * is a kind of request Herald handles, and acknowledges a repeat — the same signed request, or
 * another delivery of an event id already handled — without acting on it again. Every refusal is
 * answered at once with a JSON error; Slack's housekeeping (`url_verification`, `ssl_check`,
 * `app_rate_limited`) is answered here; the rest goes to Bolt, parsed, through `dispatch`.
 *
 * It is the only signature check: Bolt, behind it, is handed the body it verified and does not
 * verify it again (the door's tests send forged, unsigned and stale requests through it).
 */
export function slackRequestGuard(opts: SlackRequestGuardOptions): RequestHandler {
  const { signingSecret, clock, seen, logger, dispatch } = opts;
  return async (req: Request, res: Response) => {
    try {
      const body = await readBody(req, res);
      const signature = authenticate(req, body, signingSecret, clock.now());
      const request = classifySlackRequest(body.toString('utf8'), req.get('content-type'));
      const first =
        (await seen.claim(`signature:${signature}`)) &&
        (request.eventId === null || (await seen.claim(`event:${request.eventId}`)));
      if (!first) {
        logger.info(
          { kind: request.kind, eventId: request.eventId, retryNum: req.get('x-slack-retry-num') },
          'slack: repeated request acknowledged, not acted on again',
        );
        res.status(200).end();
        return;
      }
      switch (request.kind) {
        case 'rate_limited':
          logger.warn({}, 'slack: Slack is withholding events (app_rate_limited)');
          res.status(200).end();
          return;
        case 'url_verification':
          res.json({ challenge: request.body.challenge });
          return;
        case 'ssl_check':
          res.status(200).end();
          return;
        default:
          await dispatch(req, res, request.body);
      }
    } catch (err) {
      if (!(err instanceof SlackRequestError)) {
        logger.error({ err }, 'slack: request guard failed');
        new SlackRequestError(500, 'INTERNAL', 'Internal error.').send(res);
        return;
      }
      logger.info(
        { status: err.status, code: err.code },
        `slack: request refused (${err.message})`,
      );
      err.send(res);
    }
  };
}
