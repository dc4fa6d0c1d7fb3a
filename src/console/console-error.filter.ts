import { Catch } from '@nestjs/common';
import { BrowserErrorFilter, type RefusalView } from '../common/web/browser-error.filter.js';
import { type ConsoleRequest, SESSION_COOKIE } from './console-auth.js';
import { ConsoleViews } from './console-views.service.js';

/** Console refusals as a page a person can read (or, for an htmx request, an alert in place). */
@Catch()
export class ConsoleErrorFilter extends BrowserErrorFilter<ConsoleRequest> {
  protected readonly signInPath = '/console/sign-in';
  protected readonly sessionCookie = SESSION_COOKIE;

  constructor(private readonly views: ConsoleViews) {
    super();
  }

  protected alert(view: RefusalView, req: ConsoleRequest): string {
    return this.views.fragment('error-alert', { ...view }, req.staff);
  }

  protected page(view: RefusalView, req: ConsoleRequest): string {
    return this.views.page('error', { ...view }, { title: view.problem.title, staff: req.staff });
  }
}
