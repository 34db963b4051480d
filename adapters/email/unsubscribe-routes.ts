import express, { type Express, type Request, type Response } from 'express';
import type { ActionContext } from '../../src/actions/context.js';
import { unsubscribeFromIncident } from '../../src/actions/unsubscribe-from-incident.js';
import { isHeraldError } from '../../src/errors.js';
import { methodNotAllowed } from '../http/method-not-allowed.js';
import type { Logger } from '../../src/logger.js';
import { verifyUnsubscribeToken } from '../../src/unsubscribe-token.js';
import {
  confirmPage,
  donePage,
  errorPage,
  goneLinkPage,
  invalidLinkPage,
  type PageIncident,
} from './unsubscribe-pages.js';

export interface UnsubscribeRouteDeps {
  ctx: ActionContext;
  secret: string;
  logger: Logger;
}

/**
 * `GET /unsubscribe?token=…` shows a confirmation page and changes nothing (mail scanners follow
 * links); `POST /unsubscribe?token=…` unsubscribes at once — the RFC 8058 one-click request
 * (`List-Unsubscribe=One-Click`) and the confirmation button alike. The signed token is the only
 * authority: it names one person and one incident, and the action runs as that person.
 */
export function mountUnsubscribe(app: Express, deps: UnsubscribeRouteDeps): void {
  const { ctx, secret, logger } = deps;
  const store = ctx.store;

  const route = app.route('/unsubscribe');
  route.get((req: Request, res: Response) => {
    const token = tokenOf(req);
    const subject = verifyUnsubscribeToken(secret, token);
    if (!subject) return page(res, 400, invalidLinkPage());
    const incident = store.incidents.byId(subject.incidentId);
    if (!incident || !store.people.byId(subject.personId)) return page(res, 404, goneLinkPage());
    page(res, 200, confirmPage(incident, token));
  });

  // The body carries nothing we need (the token is in the URL) but is bounded all the same.
  // Multipart one-click posts, which RFC 8058 also allows, are simply not read.
  route.post(
    express.urlencoded({ extended: false, limit: '4kb' }),
    (req: Request, res: Response) => {
      const subject = verifyUnsubscribeToken(secret, tokenOf(req));
      if (!subject) return page(res, 400, invalidLinkPage());
      const person = store.people.byId(subject.personId);
      const incident = store.incidents.byId(subject.incidentId);
      if (!person || !incident) return page(res, 404, goneLinkPage());
      const shown: PageIncident = { id: incident.id, title: incident.title };
      try {
        unsubscribeFromIncident(ctx, person, incident.id, { people: [person], teams: [] });
      } catch (err) {
        // A stakeholder no longer subscribed cannot see the incident: they are already where the
        // click wants them, so the answer is the same success (a second click, a retried POST).
        if (isHeraldError(err) && err.code === 'INCIDENT_NOT_FOUND') {
          return page(res, 200, donePage(shown));
        }
        logger.error({ err, incidentId: incident.id }, 'unsubscribe failed');
        return page(res, 500, errorPage());
      }
      logger.info({ personId: person.id, incidentId: incident.id }, 'unsubscribed by email link');
      page(res, 200, donePage(shown));
    },
  );
  route.all(methodNotAllowed('GET', 'POST'));
}

/** `?token=…` once; a repeated or structured parameter is no token at all. */
function tokenOf(req: Request): string {
  const token: unknown = req.query.token;
  return typeof token === 'string' ? token : '';
}

function page(res: Response, status: number, html: string): void {
  res
    .status(status)
    .set({
      'Content-Type': 'text/html; charset=utf-8',
      'Cache-Control': 'no-store',
      // The token is in the URL: never hand it to another site.
      'Referrer-Policy': 'no-referrer',
      'X-Robots-Tag': 'noindex',
      'X-Content-Type-Options': 'nosniff',
      'Content-Security-Policy':
        "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    })
    .send(html);
}
