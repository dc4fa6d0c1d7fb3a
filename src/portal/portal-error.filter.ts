import { Catch } from '@nestjs/common';
import type { Response } from 'express';
import { BrowserErrorFilter, type RefusalView } from '../common/web/browser-error.filter.js';
import { PORTAL_SESSION_COOKIE, type PortalRequest } from './portal-auth.js';
import { rememberVerifyReturn } from './portal-return.js';
import { PortalViews } from './portal-views.service.js';

/** Portal refusals as a page (or, for htmx, an alert in place), worded as the API's problem+json. */
@Catch()
export class PortalErrorFilter extends BrowserErrorFilter<PortalRequest> {
  protected readonly signInPath = '/portal/sign-in';
  protected readonly sessionCookie = PORTAL_SESSION_COOKIE;

  constructor(private readonly views: PortalViews) {
    super();
  }

  // The "check this notice" link of an email opened signed out comes back to its check after sign-in.
  protected override rememberReturn(req: PortalRequest, res: Response): void {
    rememberVerifyReturn(req, res);
  }

  protected alert(view: RefusalView, req: PortalRequest): string {
    return this.views.fragment('error-alert', { ...view }, req.tenantSession);
  }

  protected page(view: RefusalView, req: PortalRequest): string {
    return this.views.page(
      'error',
      { ...view },
      {
        title: view.problem.title,
        session: req.tenantSession,
      },
    );
  }
}
