/** Stable codes every surface maps to its own message (ephemeral text, modal error, HTTP status). */
export type ErrorCode =
  | 'INVALID_INPUT'
  | 'USAGE'
  | 'FORBIDDEN'
  | 'INCIDENT_NOT_FOUND'
  | 'TEAM_NOT_FOUND'
  | 'PERSON_NOT_FOUND'
  | 'TEAM_EXISTS'
  | 'ALREADY_RESOLVED'
  | 'CONFIG_INVALID';

/** A domain error with a stable `code`; `field` names the offending input when there is one. */
export class HeraldError extends Error {
  override readonly name = 'HeraldError';
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly field?: string,
  ) {
    super(message);
  }
}

export const isHeraldError = (e: unknown): e is HeraldError => e instanceof HeraldError;

export const notFound = (id: number | string): HeraldError =>
  new HeraldError('INCIDENT_NOT_FOUND', `Incident #${String(id)} not found.`);

export const forbidden = (what: string): HeraldError =>
  new HeraldError('FORBIDDEN', `You are not allowed to ${what}.`);

export const invalid = (message: string, field?: string): HeraldError =>
  new HeraldError('INVALID_INPUT', message, field);
