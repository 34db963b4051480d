import type { Server } from 'node:http';
import express, { type Express, type NextFunction, type Request, type Response } from 'express';
import type { Logger } from '../../src/logger.js';
import { clientError, sendError } from './errors.js';
import { methodNotAllowed } from '../method-not-allowed.js';

export interface HttpOptions {
  /** Readiness: the database answers and its migrations are applied. */
  ready(): Promise<boolean>;
  logger: Logger;
}

/**
 * Herald's one HTTP server. Adapters mount their routers on it before `listen`; unknown routes and
 * malformed bodies get JSON errors.
 */
export function createHttpApp(opts: HttpOptions): Express {
  const app = express();
  app.disable('x-powered-by');
  app
    .route('/healthz')
    .get((_req, res) => {
      res.json({ status: 'ok' });
    })
    .all(methodNotAllowed('GET'));
  app
    .route('/readyz')
    .get(async (_req, res) => {
      const ready = await opts.ready().catch(() => false);
      res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'not ready' });
    })
    .all(methodNotAllowed('GET'));
  return app;
}

/** Last handlers: a JSON 404 and a JSON error for whatever a router threw. */
export function finishHttpApp(app: Express, logger: Logger): void {
  app.use((_req: Request, res: Response) => {
    sendError(res, 404, 'NOT_FOUND', 'No such route.');
  });
  app.use((err: unknown, _req: Request, res: Response, _next: NextFunction) => {
    // Outside /api/v1 the codes stay the two every door shares; the message says what was wrong.
    const known = clientError(err);
    if (known) {
      const code = known.status === 413 ? 'PAYLOAD_TOO_LARGE' : 'INVALID_INPUT';
      return sendError(res, known.status, code, known.message, known.field);
    }
    logger.error({ err }, 'request failed');
    sendError(res, 500, 'INTERNAL', 'Internal error.');
  });
}

/** Listens, turning "port in use" and friends into an error naming `PORT`. */
export function listen(app: Express, port: number, host: string): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = app.listen(port, host);
    server.once('listening', () => resolve(server));
    server.once('error', (err: NodeJS.ErrnoException) => {
      const why =
        err.code === 'EADDRINUSE'
          ? 'is already in use'
          : err.code === 'EACCES'
            ? 'needs privileges'
            : err.message;
      reject(new Error(`PORT=${port}: ${why}`));
    });
  });
}
