import type { Activity, InvokeResponse } from 'botbuilder';
// The SDK's own clean-up of a posted activity (timestamps to dates), as `process` applies it.
import { validateAndFixActivity } from 'botbuilder/lib/activityValidator.js';
import type { Request, Response } from 'express';
import type { Logger } from '../../src/logger.js';
import type { HeraldTeamsAdapter } from './create-adapter.js';
import { inboundFailure } from './inbound-failure.js';
import type { TeamsBot } from './teams-bot.js';
import { claimedTenants, isFromTenant } from './tenant.js';

const sendError = (res: Response, status: number, code: string, message: string) => {
  res.status(status).json({ error: { code, message } });
};

const TENANT_REFUSED =
  'This Herald serves one Microsoft Entra tenant only, and this activity is not from it.';

/** The adapter would answer other shapes with a bare 400 or a 500 (and console noise). */
const isActivity = (body: unknown): body is Partial<Activity> & { type: string } =>
  typeof body === 'object' &&
  body !== null &&
  !Array.isArray(body) &&
  typeof (body as { type?: unknown }).type === 'string' &&
  (body as { type: string }).type !== '';

/** An invoke's answer; the SDK gives an unhandled invoke a bare 501. */
function answer(res: Response, invoke: InvokeResponse | undefined): void {
  if (!invoke) {
    res.status(200).end();
  } else if (invoke.body !== undefined) {
    res.status(invoke.status).json(invoke.body);
  } else if (invoke.status >= 400) {
    sendError(
      res,
      invoke.status,
      'NOT_IMPLEMENTED',
      'Herald does not handle this kind of activity.',
    );
  } else {
    res.status(invoke.status).end();
  }
}

/**
 * `POST /api/messages`: authenticates the activity (when credentials are set), refuses it when
 * `tenantId` is set and the activity is not from that tenant, and runs the bot on it. Not the
 * adapter's `process`, which writes the SDK's error text into the body (a DNS error naming the
 * token issuer, "invalid signature" with a 500) and logs it to the console: here every refusal is
 * a JSON error with a fixed message, and the cause goes to the log.
 */
export function messagesRoute(opts: {
  adapter: HeraldTeamsAdapter;
  bot: TeamsBot;
  authenticated: boolean;
  /** `TEAMS_TENANT_ID` in lower case: the one tenant served, or null for any. */
  tenantId: string | null;
  logger: Logger;
}) {
  const { adapter, bot, authenticated, tenantId, logger } = opts;
  return async (req: Request, res: Response): Promise<void> => {
    const authorization = req.headers.authorization ?? '';
    // The SDK would say 401 as well, but only after decoding: turn away requests with no token.
    if (authenticated && !/^Bearer \S+$/i.test(authorization)) {
      sendError(res, 401, 'UNAUTHORIZED', 'A Bot Framework bearer token is required.');
      return;
    }
    const body: unknown = req.body;
    if (!isActivity(body)) {
      sendError(res, 400, 'INVALID_INPUT', 'Not a Bot Framework activity.');
      return;
    }
    const activity = validateAndFixActivity(body as Activity);
    let invoke: InvokeResponse | undefined;
    let foreign = false;
    try {
      invoke = await adapter.serve(authorization, activity, async (turn) => {
        // After authentication (a caller without a valid token learns nothing about tenants),
        // before the bot identifies anyone or stores anything.
        if (tenantId !== null && !isFromTenant(turn.activity, tenantId)) {
          foreign = true;
          return;
        }
        await bot.run(turn);
      });
    } catch (err) {
      const failure = inboundFailure(err);
      if (failure.status === 401) {
        logger.warn({ reason: (err as Error).message }, 'teams: activity refused: bad token');
      } else {
        logger.error({ err }, 'teams: activity not served');
      }
      sendError(res, failure.status, failure.code, failure.message);
      return;
    }
    if (foreign) {
      logger.warn(
        {
          tenant: claimedTenants(activity).join(',') || null,
          activityType: activity.type,
          aadObjectId: activity.from?.aadObjectId,
        },
        'teams: activity from another tenant refused',
      );
      // A 403 rather than a quiet 200: a 4xx says the refusal is final (a 5xx would read as a
      // fault worth retrying), a user of another organisation sees that the app does not work
      // for them instead of a bot that never answers, and a mistyped TEAMS_TENANT_ID shows at
      // once (every activity refused, in the log and in the bot's channel health) rather than
      // as silence.
      sendError(res, 403, 'FORBIDDEN', TENANT_REFUSED);
      return;
    }
    answer(res, invoke);
  };
}
