import { ArgumentsHost, Catch, ExceptionFilter } from '@nestjs/common';
import type { Response } from 'express';
import { ProblemFilter } from '../common/problem.filter.js';
import { PORTAL_SESSION_COOKIE, type PortalRequest } from './portal-auth.js';
import { PortalViews } from './portal-views.service.js';

/** Portal refusals as a page (or, for htmx, an alert in place), worded as the API's problem+json. */
@Catch()
export class PortalErrorFilter implements ExceptionFilter {
  private readonly problems = new ProblemFilter();

  constructor(private readonly views: PortalViews) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const res = host.switchToHttp().getResponse<Response>();
    const req = host.switchToHttp().getRequest<PortalRequest>();
    if (res.headersSent) {
      res.destroy();
      return;
    }
    const problem = this.problems.toProblem(exception, req);
    const headers = (exception as { headers?: Record<string, string> } | null)?.headers;
    if (headers) for (const [k, v] of Object.entries(headers)) res.setHeader(k, v);
    const htmx = req.headers['hx-request'] === 'true';
    if (problem.status === 401 && req.method === 'GET' && !htmx) {
      // A reason code, never text from a URL.
      const reason = req.cookies?.[PORTAL_SESSION_COOKIE] ? 'ended' : 'required';
      res.redirect(303, `/portal/sign-in?reason=${reason}`);
      return;
    }
    const data = { problem, errors: problem.errors ?? [] };
    if (htmx) res.setHeader('HX-Retarget', '#alerts').setHeader('HX-Reswap', 'innerHTML');
    res
      .status(problem.status)
      .type('text/html')
      .send(
        htmx
          ? this.views.fragment('error-alert', data, req.tenantSession)
          : this.views.page('error', data, { title: problem.title, session: req.tenantSession }),
      );
  }
}
