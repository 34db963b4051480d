/**
 * The stakeholder pages under `/my/`: thin handlers — read the session and the form, check the
 * CSRF token, call the action, render. The signed link (`/my/link/:token`) is the only way in;
 * incidents are addressed by refs bound to the session's person (incident-ref.ts), never by
 * number. Every page is HTML with no script, under a CSP that allows nothing but this origin's
 * stylesheet and forms.
 */
import { sendPage } from '../html.js';
import express, {
  type Express,
  type NextFunction,
  type Request,
  type RequestHandler,
  type Response,
} from 'express';
import type { ActionContext } from '../../src/actions/context.js';
import { requestNewLink, type NewLinks } from '../../src/actions/request-new-link.js';
import { getPreferences, setPreferences } from '../../src/actions/set-preferences.js';
import { myIncidents, stakeholderIncident } from '../../src/actions/stakeholder-view.js';
import { stopEverything } from '../../src/actions/stop-everything.js';
import { leaveIncident } from '../../src/actions/leave-incident.js';
import {
  endSession,
  openSession,
  sessionPerson,
  SESSION_TTL_MS,
} from '../../src/actions/web-session.js';
import { CHANNELS, type Channel, type Person } from '../../src/domain/types.js';
import { isHeraldError } from '../../src/errors.js';
import type { Logger } from '../../src/logger.js';
import { verifyIncidentLink } from '../../src/stakeholder-link.js';
import { methodNotAllowed } from '../method-not-allowed.js';
import {
  clearCookie,
  cookieNames,
  csrfToken,
  csrfValid,
  randomValue,
  readCookies,
  setCookie,
} from './cookies.js';
import { incidentRef, refIncident } from './incident-ref.js';
import { incidentPage, incidentsPage } from './incident-pages.js';
import type { Chrome } from './layout.js';
import {
  errorPage,
  formExpiredPage,
  linkNotValidPage,
  newLinkPage,
  newLinkSentPage,
  signedOutPage,
  tooManyPage,
} from './notice-pages.js';
import { reachPage } from './reach-page.js';
import { STYLESHEET, STYLESHEET_PATH } from './stylesheet.js';
import { isZone, zoneOf } from './time.js';

export interface WebRouteDeps {
  ctx: ActionContext;
  /** Signs incident refs and CSRF tokens. */
  secret: string;
  /** `PUBLIC_URL` is https: cookies are `Secure` and `__Host-`. */
  secure: boolean;
  logger: Logger;
  /** Sends "email me a new link" mails; null when email is off (the answer is the same). */
  sendLinks: ((links: NewLinks) => void) | null;
}

const YEAR_S = 365 * 24 * 60 * 60;

/** Only this origin's stylesheet and forms; no script, no frames, no base, no plugins. */
export const PAGE_CSP =
  "default-src 'none'; style-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

function page(res: Response, status: number, html: string): void {
  sendPage(res, status, html, PAGE_CSP);
}

const seeOther = (res: Response, path: string): void => {
  res.set('Cache-Control', 'no-store').set('Referrer-Policy', 'no-referrer').redirect(303, path);
};

/** The words after a redirect, chosen by a fixed key: no request text is ever shown back. */
const NOTICES: Record<string, string> = {
  saved: 'Saved. The next message reaches you on the channels ticked below.',
  default: 'Saved: Herald uses the default channels.',
  'time-zone': 'Time zone saved.',
  unsubscribed: 'Done: you will get no more messages about that incident.',
};
const noticeOf = (req: Request): string | null => {
  const done: unknown = req.query.done;
  return typeof done === 'string' ? (NOTICES[done] ?? null) : null;
};

interface Signed {
  person: Person;
  sessionId: string;
  chrome: (current: Chrome['current']) => Chrome;
  zone: string;
  zoneChosen: boolean;
  refOf: (incidentId: number) => string;
}

export function mountWeb(app: Express, deps: WebRouteDeps): void {
  const { ctx, secret, secure, logger } = deps;
  const names = cookieNames(secure);
  const form = express.urlencoded({ extended: false, limit: '4kb', parameterLimit: 20 });

  /** Async handler whose failure is an HTML page, not the JSON error of the API routes. */
  const handle =
    (fn: (req: Request, res: Response) => Promise<void>): RequestHandler =>
    (req: Request, res: Response, _next: NextFunction) => {
      fn(req, res).catch((err: unknown) => {
        logger.error({ err }, 'web: page failed');
        if (!res.headersSent) page(res, 500, errorPage());
      });
    };

  async function signedIn(req: Request): Promise<Signed | null> {
    const cookies = readCookies(req);
    const sessionId = cookies.get(names.session) ?? null;
    const person = await sessionPerson(ctx, sessionId);
    if (!person || !sessionId) return null;
    const csrf = csrfToken(secret, sessionId);
    const chosen = cookies.get(names.timeZone);
    return {
      person,
      sessionId,
      chrome: (current) => ({ csrf, current }),
      zone: zoneOf(chosen),
      zoneChosen: isZone(chosen),
      refOf: (incidentId) => incidentRef(secret, person.id, incidentId),
    };
  }

  /** A page or form that needs a session: without one, the signed-out page and nothing done. */
  const withSession = (
    fn: (req: Request, res: Response, s: Signed) => Promise<void>,
    opts: { form?: boolean } = {},
  ) =>
    handle(async (req, res) => {
      const s = await signedIn(req);
      if (!s) return page(res, 401, signedOutPage(null));
      if (
        opts.form &&
        !csrfValid(secret, s.sessionId, (req.body as Record<string, unknown>)?.csrf)
      ) {
        return page(res, 403, formExpiredPage());
      }
      await fn(req, res, s);
    });

  const notFoundAsInvalid = (err: unknown, res: Response): void => {
    if (isHeraldError(err) && err.code === 'INCIDENT_NOT_FOUND') {
      return page(res, 404, linkNotValidPage());
    }
    throw err;
  };

  app
    .route(STYLESHEET_PATH)
    .get((_req, res) => {
      res
        .set({
          'Content-Type': 'text/css; charset=utf-8',
          'Cache-Control': 'public, max-age=86400',
          'X-Content-Type-Options': 'nosniff',
        })
        .send(STYLESHEET);
    })
    .all(methodNotAllowed('GET'));

  app
    .route('/my')
    .get(
      handle(async (req, res) => {
        if (await signedIn(req)) return seeOther(res, '/my/incidents');
        const done: unknown = req.query.done;
        const reason = done === 'logged-out' || done === 'stopped' ? done : null;
        page(res, 200, signedOutPage(reason));
      }),
    )
    .all(methodNotAllowed('GET'));

  // The link from a message: opens a session for its person and lands on its incident.
  app
    .route('/my/link/:token')
    .get(
      handle(async (req, res) => {
        const subject = verifyIncidentLink(secret, req.params.token, ctx.clock.now());
        const previous = readCookies(req).get(names.session) ?? null;
        const opened = subject ? await openSession(ctx, subject, previous) : null;
        if (!opened) return page(res, 404, linkNotValidPage());
        setCookie(res, names.session, opened.sessionId, {
          secure,
          maxAgeSeconds: Math.floor(SESSION_TTL_MS / 1000),
        });
        logger.info({ personId: opened.person.id }, 'web: session opened by link');
        seeOther(res, `/my/incidents/${incidentRef(secret, opened.person.id, opened.incidentId)}`);
      }),
    )
    .all(methodNotAllowed('GET'));

  app
    .route('/my/incidents')
    .get(
      withSession(async (req, res, s) => {
        const mine = await myIncidents(ctx, s.person);
        page(
          res,
          200,
          incidentsPage({
            mine,
            refOf: s.refOf,
            zone: s.zone,
            chrome: s.chrome('incidents'),
            notice: noticeOf(req),
          }),
        );
      }),
    )
    .all(methodNotAllowed('GET'));

  app
    .route('/my/incidents/:ref')
    .get(
      withSession(async (req, res, s) => {
        const incidentId = refIncident(secret, s.person.id, req.params.ref);
        if (incidentId === null) return page(res, 404, linkNotValidPage());
        try {
          const view = await stakeholderIncident(ctx, s.person, incidentId);
          page(
            res,
            200,
            incidentPage({
              view,
              ref: s.refOf(incidentId),
              zone: s.zone,
              chrome: s.chrome(null),
              notice: noticeOf(req),
            }),
          );
        } catch (err) {
          notFoundAsInvalid(err, res);
        }
      }),
    )
    .all(methodNotAllowed('GET'));

  async function renderReach(
    req: Request,
    res: Response,
    s: Signed,
    status: number,
    error: string | null,
  ): Promise<void> {
    const prefs = await getPreferences(ctx, s.person);
    const mine = await myIncidents(ctx, s.person);
    page(
      res,
      status,
      reachPage({
        prefs,
        enabled: ctx.channels,
        followed: [...mine.open, ...mine.resolved],
        refOf: s.refOf,
        zone: s.zone,
        zoneChosen: s.zoneChosen,
        chrome: s.chrome('reach'),
        notice: error ? null : noticeOf(req),
        error,
      }),
    );
  }

  app
    .route('/my/reach')
    .get(withSession((req, res, s) => renderReach(req, res, s, 200, null)))
    .post(
      form,
      withSession(
        async (req, res, s) => {
          const body = req.body as Record<string, unknown>;
          const given: unknown[] = [body.channel ?? []].flat();
          const channels = given.filter((c): c is Channel => CHANNELS.includes(c as Channel));
          if (channels.length !== given.length) {
            return renderReach(req, res, s, 400, 'Choose among the channels listed.');
          }
          const useDefault = body.use === 'default';
          try {
            // The very action Slack's `/stakeholders prefs` and the Teams card call.
            await setPreferences(ctx, s.person, { channels: useDefault ? null : channels });
          } catch (err) {
            if (isHeraldError(err) && err.code === 'INVALID_INPUT') {
              return renderReach(req, res, s, 400, err.message);
            }
            throw err;
          }
          seeOther(res, `/my/reach?done=${useDefault ? 'default' : 'saved'}`);
        },
        { form: true },
      ),
    )
    .all(methodNotAllowed('GET', 'POST'));

  app
    .route('/my/time-zone')
    .post(
      form,
      withSession(
        async (req, res, s) => {
          const tz: unknown = (req.body as Record<string, unknown>).tz;
          if (!isZone(tz)) {
            return renderReach(req, res, s, 400, 'Choose a time zone from the list.');
          }
          setCookie(res, names.timeZone, tz, { secure, maxAgeSeconds: YEAR_S });
          seeOther(res, '/my/reach?done=time-zone');
        },
        { form: true },
      ),
    )
    .all(methodNotAllowed('POST'));

  app
    .route('/my/unsubscribe/:ref')
    .post(
      form,
      withSession(
        async (req, res, s) => {
          const incidentId = refIncident(secret, s.person.id, req.params.ref);
          if (incidentId === null) return page(res, 404, linkNotValidPage());
          try {
            await leaveIncident(ctx, s.person, incidentId);
          } catch (err) {
            return notFoundAsInvalid(err, res);
          }
          seeOther(res, '/my/incidents?done=unsubscribed');
        },
        { form: true },
      ),
    )
    .all(methodNotAllowed('POST'));

  app
    .route('/my/stop')
    .post(
      form,
      withSession(
        async (_req, res, s) => {
          const r = await stopEverything(ctx, s.person);
          logger.info({ personId: s.person.id, ...r }, 'web: stopped everything');
          clearCookie(res, names.session, secure);
          seeOther(res, '/my?done=stopped');
        },
        { form: true },
      ),
    )
    .all(methodNotAllowed('POST'));

  app
    .route('/my/logout')
    .post(
      form,
      withSession(
        async (_req, res, s) => {
          await endSession(ctx, s.sessionId);
          clearCookie(res, names.session, secure);
          seeOther(res, '/my?done=logged-out');
        },
        { form: true },
      ),
    )
    .all(methodNotAllowed('POST'));

  // Before any session: its CSRF token is bound to a random cookie of its own.
  const formBinding = (req: Request, res: Response): string => {
    const existing = readCookies(req).get(names.form);
    if (existing) return existing;
    const value = randomValue();
    setCookie(res, names.form, value, { secure, maxAgeSeconds: 24 * 60 * 60 });
    return value;
  };

  app
    .route('/my/new-link')
    .get((req, res) => {
      page(res, 200, newLinkPage(csrfToken(secret, formBinding(req, res)), null));
    })
    .post(
      form,
      handle(async (req, res) => {
        const body = req.body as Record<string, unknown>;
        const binding = readCookies(req).get(names.form) ?? null;
        if (!csrfValid(secret, binding, body.csrf)) return page(res, 403, formExpiredPage());
        let outcome;
        try {
          outcome = await requestNewLink(
            ctx,
            { email: body.email, client: req.ip ?? 'unknown' },
            (links) => deps.sendLinks?.(links),
          );
        } catch (err) {
          if (isHeraldError(err) && err.code === 'INVALID_INPUT') {
            return page(res, 400, newLinkPage(csrfToken(secret, binding ?? ''), err.message));
          }
          throw err;
        }
        if (outcome === 'limited') return page(res, 429, tooManyPage());
        page(res, 200, newLinkSentPage());
      }),
    )
    .all(methodNotAllowed('GET', 'POST'));
}
