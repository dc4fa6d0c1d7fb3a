import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import type { Request, Response } from 'express';
import { bodyTooLarge, codeForStatus, DomainError, FieldError, titleOf } from './errors.js';

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance?: string;
  errors?: FieldError[];
  errorId?: string;
}

const PROBLEM_BASE = 'https://herald.dev/problems/';

interface BodyParserError {
  type?: string;
  status?: number;
  expose?: boolean;
  message?: string;
  /** body-parser's limit in bytes, on entity.too.large. */
  limit?: number;
}

function isBodyParserError(error: unknown): error is BodyParserError {
  return (
    error !== null &&
    typeof error === 'object' &&
    typeof (error as BodyParserError).type === 'string' &&
    (error as BodyParserError).expose === true
  );
}

/** Maps every error to RFC 9457 problem+json; a 500 carries an errorId that is also logged. */
@Catch()
export class ProblemFilter implements ExceptionFilter {
  private readonly logger = new Logger(ProblemFilter.name);

  catch(exception: unknown, host: ArgumentsHost): void {
    const ctx = host.switchToHttp();
    this.respond(exception, ctx.getRequest<Request>(), ctx.getResponse<Response>());
  }

  /** Answers `exception` as problem+json (also used by Express middleware outside Nest's filters). */
  respond(exception: unknown, req: Request, res: Response): void {
    const problem = this.toProblem(exception, req);
    if (res.headersSent) {
      res.destroy();
      return;
    }
    if (exception instanceof DomainError && exception.headers) {
      for (const [k, v] of Object.entries(exception.headers)) res.setHeader(k, v);
    }
    res.status(problem.status).type('application/problem+json').send(JSON.stringify(problem));
  }

  toProblem(exception: unknown, req: Request): Problem {
    const instance = req.originalUrl?.split('?')[0];
    if (exception instanceof DomainError) {
      return {
        type: PROBLEM_BASE + exception.code,
        title: exception.title,
        status: exception.status,
        detail: exception.message,
        instance,
        ...(exception.errors ? { errors: exception.errors } : {}),
      };
    }
    // Nest's Express adapter wraps body-parser's errors in an HttpException: answer from the cause.
    const bodyError = (
      exception instanceof HttpException && isBodyParserError(exception.cause)
        ? exception.cause
        : exception
    ) as BodyParserError;
    if (isBodyParserError(bodyError)) {
      // body-parser's errors: too large, malformed JSON, bad charset or encoding.
      const status = bodyError.status ?? 400;
      const detail =
        bodyError.type === 'entity.too.large'
          ? bodyTooLarge(bodyError.limit ?? 1_048_576)
          : bodyError.type === 'entity.parse.failed'
            ? 'The request body is not valid JSON'
            : (bodyError.message ?? 'The request body could not be read');
      return {
        type:
          PROBLEM_BASE +
          (status === 413
            ? 'payload-too-large'
            : status === 415
              ? 'unsupported-media-type'
              : 'malformed-body'),
        title:
          status === 413
            ? titleOf('payload-too-large')
            : status === 415
              ? 'Unsupported media type'
              : 'Malformed request body',
        status,
        detail,
        instance,
        ...(status === 413 ? {} : { errors: [{ path: '', message: detail }] }),
      };
    }
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      if (status < 500) {
        // One title per type (RFC 9457): a status Herald has a code for answers as that code.
        const code = codeForStatus(status);
        return {
          type: PROBLEM_BASE + (code ?? `http-${status}`),
          title: code ? titleOf(code) : (STATUS_CODES[status] ?? 'Client error'),
          status,
          detail: status === 404 ? `No route for ${req.method} ${instance}` : exception.message,
          instance,
        };
      }
    }
    const errorId = randomUUID();
    const err = exception instanceof Error ? exception : new Error(String(exception));
    this.logger.error({
      msg: 'unhandled error',
      errorId,
      method: req.method,
      path: instance,
      error: err.message,
      stack: err.stack,
    });
    return {
      type: PROBLEM_BASE + 'internal',
      title: 'Internal server error',
      status: 500,
      detail: `An unexpected error occurred; quote errorId ${errorId} when reporting it`,
      instance,
      errorId,
    };
  }
}
