import { createHash, timingSafeEqual } from 'node:crypto';
import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import { z } from 'zod';
import type { ActionContext } from '../../src/actions/context.js';
import { declareIncident } from '../../src/actions/declare-incident.js';
import { postStatusUpdate } from '../../src/actions/post-status-update.js';
import { resolveIncident } from '../../src/actions/resolve-incident.js';
import { longText, optionalLongText, serviceName, title } from '../../src/actions/validate.js';
import { showIncident } from '../../src/actions/view-incidents.js';
import type { Incident, Person, StatusUpdate } from '../../src/domain/types.js';
import { SEVERITIES } from '../../src/domain/types.js';
import type { Logger } from '../../src/logger.js';
import { receiveAlertmanager } from '../../src/actions/receive-alertmanager.js';
import { alertmanagerPayload } from './alertmanager.js';
import { ApiError, apiErrorHandler, parseBody } from './errors.js';
import { methodNotAllowed } from '../method-not-allowed.js';
import { openApiDocument } from './openapi.js';

export interface IntakeOptions {
  ctx: ActionContext;
  /** `INTAKE_TOKEN`. */
  token: string;
  /** The person the API acts as (see `systemActor`). */
  actor(): Promise<Person>;
  /** Base URL for the OpenAPI document's `servers`. */
  publicUrl: string;
  logger: Logger;
}

/** Bodies above this are refused with 413 before they are parsed. */
export const BODY_LIMIT = '64kb';
const JSON_TYPES = ['application/json', 'application/*+json'];

/** The alertmanager: prefix belongs to the receiver; a client reusing it could hijack a group. */
const externalKey = z
  .string()
  .trim()
  .min(1, 'must not be empty')
  .max(200, 'must be at most 200 characters')
  .refine((k) => !k.toLowerCase().startsWith('alertmanager:'), {
    message: 'the "alertmanager:" prefix is reserved',
  });

const declareBody = z.strictObject({
  title,
  summary: optionalLongText(3000).optional(),
  severity: z.enum(SEVERITIES).optional(),
  service: serviceName.nullish(),
  externalKey: externalKey.nullish(),
});
const updateBody = z.strictObject({
  text: longText(3000),
  notify: z.boolean().default(false),
});
const resolveBody = z.strictObject({ note: optionalLongText(3000).nullish() });

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/** An incident as the API shows it (OpenAPI `Incident`). */
export function incidentJson(i: Incident) {
  return {
    id: i.id,
    title: i.title,
    summary: i.summary,
    severity: i.severity,
    service: i.service,
    status: i.status,
    source: i.source,
    externalKey: i.externalKey,
    createdAt: iso(i.createdAt),
    resolvedAt: iso(i.resolvedAt),
    resolutionNote: i.resolutionNote,
    lastStakeholderUpdateAt: iso(i.lastStakeholderUpdateAt),
  };
}

const updateJson = (u: StatusUpdate) => ({
  id: u.id,
  text: u.text,
  notify: u.notifyStakeholders,
  createdAt: iso(u.createdAt),
});

const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();

/**
 * `Authorization: Bearer <INTAKE_TOKEN>`. Both sides are hashed first so `timingSafeEqual` compares
 * equal lengths and the time taken says nothing about the token, not even its length.
 */
function requireBearer(token: string) {
  const expected = digest(token);
  return (req: Request, res: Response, next: NextFunction) => {
    // Everything after the scheme: a token may hold spaces (the config only trims its ends).
    const given = /^Bearer[ \t]+(.*?)[ \t]*$/i.exec(req.get('authorization') ?? '')?.[1];
    const ok = given ? timingSafeEqual(digest(given), expected) : false;
    if (ok) return next();
    res.set('WWW-Authenticate', 'Bearer realm="herald"');
    throw new ApiError(
      401,
      'UNAUTHORIZED',
      given ? 'Invalid bearer token.' : 'Missing bearer token.',
    );
  };
}

/**
 * A non-empty body must be JSON (415 otherwise). An empty one is allowed, so
 * `POST …/resolve` without a note needs no body at all.
 */
function requireJsonBody(req: Request, _res: Response, next: NextFunction) {
  const length = Number(req.get('content-length') ?? 'NaN');
  const hasBody = req.get('transfer-encoding') !== undefined || length > 0;
  if (hasBody && !req.is(JSON_TYPES)) {
    throw new ApiError(415, 'UNSUPPORTED_MEDIA_TYPE', 'Send the body as application/json.');
  }
  next();
}

function incidentId(req: Request): number {
  const raw = String(req.params.id);
  const id = /^#?\d{1,10}$/.test(raw) ? Number(raw.replace('#', '')) : NaN;
  if (!Number.isSafeInteger(id) || id < 1 || id > 2 ** 31 - 1) {
    throw new ApiError(
      400,
      'INVALID_INPUT',
      `"${raw.slice(0, 20)}" is not an incident number.`,
      'id',
    );
  }
  return id;
}

/**
 * The intake API for monitoring tools and the Alertmanager receiver, mounted at `/api/v1`
 * (PRODUCT §6). Every route but the OpenAPI document needs the bearer token; handlers validate
 * with zod, call one action as the API's system person and render JSON.
 */
export function intakeRouter(opts: IntakeOptions): Router {
  const { ctx } = opts;
  const router = express.Router();
  const document = openApiDocument(opts.publicUrl);
  // Public on purpose: it describes the API and holds no secret.
  router
    .route('/openapi.json')
    .get((_req, res) => {
      res.json(document);
    })
    .all(methodNotAllowed('GET'));
  router.use(requireBearer(opts.token));
  router.use(requireJsonBody);
  router.use(express.json({ limit: BODY_LIMIT, type: JSON_TYPES }));

  const post = methodNotAllowed('POST');
  router
    .route('/incidents')
    .post(async (req, res) => {
      const body = parseBody(declareBody, req.body ?? {});
      const { incident, created } = await declareIncident(ctx, await opts.actor(), {
        ...body,
        source: 'api',
      });
      if (created) res.location(`/api/v1/incidents/${incident.id}`);
      res.status(created ? 201 : 200).json({ incident: incidentJson(incident), created });
    })
    .all(post);

  router
    .route('/incidents/:id')
    .get(async (req, res) => {
      const view = await showIncident(ctx, await opts.actor(), incidentId(req));
      res.json({
        incident: incidentJson(view.incident),
        updates: view.updates.map(updateJson),
        stakeholders: view.subscribers?.recipients ?? 0,
      });
    })
    .all(methodNotAllowed('GET'));

  router
    .route('/incidents/:id/updates')
    .post(async (req, res) => {
      const id = incidentId(req);
      const body = parseBody(updateBody, req.body ?? {});
      const r = await postStatusUpdate(ctx, await opts.actor(), {
        incidentId: id,
        text: body.text,
        notifyStakeholders: body.notify,
      });
      res.status(201).json({ update: updateJson(r.update), notified: r.notified.people });
    })
    .all(post);

  router
    .route('/incidents/:id/resolve')
    .post(async (req, res) => {
      const id = incidentId(req);
      const body = parseBody(resolveBody, req.body ?? {});
      const r = await resolveIncident(ctx, await opts.actor(), { incidentId: id, note: body.note });
      res.json({ incident: incidentJson(r.incident), notified: r.notified.people });
    })
    .all(post);

  router
    .route('/alertmanager')
    .post(async (req, res) => {
      const payload = parseBody(alertmanagerPayload, req.body ?? {});
      const r = await receiveAlertmanager(ctx, await opts.actor(), payload);
      if (r.truncated.length > 0) {
        opts.logger.warn(
          { groupKey: payload.groupKey, incidentId: r.incident?.id, cut: r.truncated },
          "alertmanager: derived text cut to Herald's limits",
        );
      }
      res.status(r.action === 'declared' ? 201 : 200).json({
        action: r.action,
        incident: r.incident ? incidentJson(r.incident) : null,
      });
    })
    .all(post);

  router.use(apiErrorHandler(opts.logger));
  return router;
}
