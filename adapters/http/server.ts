import type { Server } from 'node:http';
import express, { type Express, type NextFunction, type Request, type Response } from 'express';
import type { Logger } from '../../src/logger.js';

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
  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/readyz', async (_req, res) => {
    const ready = await opts.ready().catch(() => false);
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'not ready' });
  });
  return app;
}

/** Last handlers: a JSON 404 and a JSON error for whatever a router threw. */
export function finishHttpApp(app: Express, logger: Logger): void {
  app.use((_req: Request, res: Response) => {
    res.status(404).json({ error: { code: 'NOT_FOUND', message: 'No such route.' } });
  });
  app.use((err: unknown, _req: Request, res: Response, _next: NextFunction) => {
    const status = httpStatusOf(err);
    if (status >= 500) logger.error({ err }, 'request failed');
    res.status(status).json({
      error: {
        code: status === 413 ? 'PAYLOAD_TOO_LARGE' : status < 500 ? 'INVALID_INPUT' : 'INTERNAL',
        message:
          status === 413
            ? 'Request body too large.'
            : status < 500
              ? 'Malformed request.'
              : 'Internal error.',
      },
    });
  });
}

function httpStatusOf(err: unknown): number {
  const status = (err as { status?: unknown; statusCode?: unknown } | null)?.status;
  return typeof status === 'number' && status >= 400 && status < 600 ? status : 500;
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
