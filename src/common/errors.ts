/** One bad field in a request: `path` uses dots and [index], e.g. `tenants[3].contacts[0].email`. */
export interface FieldError {
  path: string;
  message: string;
}

export type ErrorCode =
  | 'validation'
  | 'unauthorized'
  | 'forbidden'
  | 'not-found'
  | 'conflict'
  | 'payload-too-large'
  | 'rate-limited'
  | 'unavailable';

const STATUS: Record<ErrorCode, number> = {
  validation: 400,
  unauthorized: 401,
  forbidden: 403,
  'not-found': 404,
  conflict: 409,
  'payload-too-large': 413,
  'rate-limited': 429,
  unavailable: 503,
};

const TITLE: Record<ErrorCode, string> = {
  validation: 'Invalid request',
  unauthorized: 'Authentication required',
  forbidden: 'Forbidden',
  'not-found': 'Not found',
  conflict: 'Conflict',
  'payload-too-large': 'Payload too large',
  'rate-limited': 'Too many requests',
  unavailable: 'Service unavailable',
};

/** The one title of a code's problem type (RFC 9457: a type's title does not change). */
export const titleOf = (code: ErrorCode): string => TITLE[code];

/** Herald's code for an HTTP status, when it has one (an HttpException's 404 is `not-found`). */
export function codeForStatus(status: number): ErrorCode | undefined {
  return (Object.keys(STATUS) as ErrorCode[]).find((code) => STATUS[code] === status);
}

/** An expected failure a client can act on; the problem filter turns it into problem+json. */
export class DomainError extends Error {
  readonly status: number;
  readonly title: string;
  constructor(
    readonly code: ErrorCode,
    detail: string,
    readonly errors?: FieldError[],
    readonly headers?: Record<string, string>,
  ) {
    super(detail);
    this.status = STATUS[code];
    this.title = TITLE[code];
  }
}

/** The detail of a 413: the route's limit in MB. */
export const bodyTooLarge = (limitBytes: number): string =>
  `The request body exceeds the ${Number((limitBytes / 1_048_576).toFixed(1))} MB limit`;

export const notFound = (what: string, id: string): DomainError =>
  new DomainError('not-found', `${what} ${JSON.stringify(id)} does not exist`);

export const conflict = (detail: string): DomainError => new DomainError('conflict', detail);

export const forbidden = (detail: string): DomainError => new DomainError('forbidden', detail);

export const invalid = (errors: FieldError[], detail?: string): DomainError =>
  new DomainError(
    'validation',
    detail ??
      `${errors.length} invalid field${errors.length === 1 ? '' : 's'}: ${errors.map((e) => e.path || '(body)').join(', ')}`,
    errors,
  );
