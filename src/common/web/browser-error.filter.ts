import type { ArgumentsHost, ExceptionFilter } from '@nestjs/common';
import type { Request, Response } from 'express';
import { type Problem, ProblemFilter } from '../problem.filter.js';

export interface RefusalView {
  problem: Problem;
  errors: NonNullable<Problem['errors']>;
}

/**
 * A browser surface's refusals as a page a person can read (or, for an htmx request, an alert in
 * place): the same status and wording as the API's problem+json, from the same filter. A signed-out
 * GET goes to the sign-in page with a reason code, never with text from a URL.
 */
export abstract class BrowserErrorFilter<R extends Request> implements ExceptionFilter {
  private readonly problems = new ProblemFilter();

  protected abstract readonly signInPath: string;
  protected abstract readonly sessionCookie: string;
  /** The alert an htmx request gets in #alerts. */
  protected abstract alert(view: RefusalView, req: R): string;
  /** The whole page a plain request gets. */
  protected abstract page(view: RefusalView, req: R): string;
  /** A signed-out GET that should resume after sign-in may remember where (a cookie); default none. */
  protected rememberReturn(_req: R, _res: Response): void {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const res = host.switchToHttp().getResponse<Response>();
    const req = host.switchToHttp().getRequest<R>();
    if (res.headersSent) {
      res.destroy();
      return;
    }
    const problem = this.problems.toProblem(exception, req);
    const headers = (exception as { headers?: Record<string, string> } | null)?.headers;
    if (headers) for (const [k, v] of Object.entries(headers)) res.setHeader(k, v);
    const htmx = req.headers['hx-request'] === 'true';
    if (problem.status === 401 && req.method === 'GET' && !htmx) {
      const cookies = (req as { cookies?: Record<string, string | undefined> }).cookies;
      const reason = cookies?.[this.sessionCookie] ? 'ended' : 'required';
      this.rememberReturn(req, res);
      res.redirect(303, `${this.signInPath}?reason=${reason}`);
      return;
    }
    const view = { problem, errors: problem.errors ?? [] };
    // An htmx refusal goes to the page's alert area, never over the form that was sent.
    if (htmx) res.setHeader('HX-Retarget', '#alerts').setHeader('HX-Reswap', 'innerHTML');
    res
      .status(problem.status)
      .type('text/html')
      .send(htmx ? this.alert(view, req) : this.page(view, req));
  }
}
