import { ArgumentsHost, Catch, ExceptionFilter, Logger } from '@nestjs/common';
import type { Response } from 'express';
import { ProblemFilter } from '../common/problem.filter.js';
import { type ConsoleRequest, SESSION_COOKIE } from './console-auth.js';
import { ConsoleViews } from './console-views.service.js';

/**
 * Console refusals as a page a person can read (or, for an htmx request, an alert in place):
 * the same status and wording as the API's problem+json, from the same filter.
 */
@Catch()
export class ConsoleErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger(ConsoleErrorFilter.name);
  private readonly problems = new ProblemFilter();

  constructor(private readonly views: ConsoleViews) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const res = host.switchToHttp().getResponse<Response>();
    const req = host.switchToHttp().getRequest<ConsoleRequest>();
    if (res.headersSent) {
      res.destroy();
      return;
    }
    const problem = this.problems.toProblem(exception, req);
    const headers = (exception as { headers?: Record<string, string> } | null)?.headers;
    if (headers) for (const [k, v] of Object.entries(headers)) res.setHeader(k, v);
    const htmx = req.headers['hx-request'] === 'true';
    if (problem.status === 401 && req.method === 'GET' && !htmx) {
      // A reason code, not free text: the sign-in page never shows words taken from a URL.
      const reason = req.cookies?.[SESSION_COOKIE] ? 'ended' : 'required';
      res.redirect(303, `/console/sign-in?reason=${reason}`);
      return;
    }
    const data = { problem, errors: problem.errors ?? [] };
    // An htmx refusal goes to the page's alert area, never over the form that was sent.
    if (htmx) res.setHeader('HX-Retarget', '#alerts').setHeader('HX-Reswap', 'innerHTML');
    res
      .status(problem.status)
      .type('text/html')
      .send(
        htmx
          ? this.views.fragment('error-alert', data, req.staff)
          : this.views.page('error', data, { title: problem.title, staff: req.staff }),
      );
  }
}
