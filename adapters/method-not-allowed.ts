import type { Request, Response } from 'express';

/**
 * The last handler of a route: any method the route does not take gets `405` with an `Allow`
 * header and the JSON error every route uses (express alone would answer 404, as if the resource
 * did not exist). `HEAD` is allowed wherever `GET` is, as express serves it; `OPTIONS` answers
 * `204` with the same `Allow`.
 */
export function methodNotAllowed(...methods: Array<'GET' | 'POST'>) {
  const allowed = methods.flatMap((m) => (m === 'GET' ? ['GET', 'HEAD'] : [m]));
  const allow = allowed.join(', ');
  return (req: Request, res: Response): void => {
    res.set('Allow', allow);
    if (req.method === 'OPTIONS') {
      res.status(204).end();
      return;
    }
    res.status(405).json({
      error: {
        code: 'METHOD_NOT_ALLOWED',
        message: `This route takes ${allowed.join(' or ')}.`,
      },
    });
  };
}
