import { sendPage } from '../html.js';
import express, { type Express, type Request, type Response } from 'express';
import type { ActionContext } from '../../src/actions/context.js';
import { linkSubject, unsubscribeByLink } from '../../src/actions/unsubscribe-by-link.js';
import { methodNotAllowed } from '../method-not-allowed.js';
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

  const route = app.route('/unsubscribe');
  route.get(async (req: Request, res: Response) => {
    const token = tokenOf(req);
    const subject = verifyUnsubscribeToken(secret, token);
    if (!subject) return page(res, 400, invalidLinkPage());
    const found = await linkSubject(ctx, subject);
    if (!found) return page(res, 404, goneLinkPage());
    page(res, 200, confirmPage(found.incident, token));
  });

  // The body carries nothing we need (the token is in the URL) but is bounded all the same.
  // Multipart one-click posts, which RFC 8058 also allows, are simply not read.
  route.post(
    express.urlencoded({ extended: false, limit: '4kb' }),
    async (req: Request, res: Response) => {
      const subject = verifyUnsubscribeToken(secret, tokenOf(req));
      if (!subject) return page(res, 400, invalidLinkPage());
      try {
        const r = await unsubscribeByLink(ctx, subject);
        if (r.outcome === 'gone') return page(res, 404, goneLinkPage());
        const shown: PageIncident = { id: r.incident.id, title: r.incident.title };
        logger.info({ ...subject }, 'unsubscribed by email link');
        page(res, 200, donePage(shown));
      } catch (err) {
        logger.error({ err, incidentId: subject.incidentId }, 'unsubscribe failed');
        page(res, 500, errorPage());
      }
    },
  );
  route.all(methodNotAllowed('GET', 'POST'));
}

/** `?token=…` once; a repeated or structured parameter is no token at all. */
function tokenOf(req: Request): string {
  const token: unknown = req.query.token;
  return typeof token === 'string' ? token : '';
}

/** The unsubscribe pages carry their styles inline (one self-contained page each). */
const UNSUBSCRIBE_CSP =
  "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

function page(res: Response, status: number, html: string): void {
  sendPage(res, status, html, UNSUBSCRIBE_CSP);
}
