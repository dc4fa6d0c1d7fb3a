import { createParamDecorator, ExecutionContext, SetMetadata } from '@nestjs/common';
import type { Request } from 'express';
import type { TenantSessionEntity } from './entities/tenant-session.entity.js';

export const PORTAL_SESSION_COOKIE = '__Host-herald-portal';
export const PORTAL_SIGN_IN_CSRF_COOKIE = '__Host-herald-portal-signin';

export const PORTAL_ANONYMOUS_KEY = 'herald:portal-anonymous';

/** Sign-in and link pages: no session needed (their forms carry a sign-in CSRF token instead). */
export const PortalAnonymous = () => SetMetadata(PORTAL_ANONYMOUS_KEY, true);

export interface PortalRequest extends Request {
  tenantSession?: TenantSessionEntity;
  cookies: Record<string, string | undefined>;
  body: Record<string, unknown> | undefined;
}

/** The signed-in tenant administrator's session; its tenantId is the only tenant it may see. */
export const TenantSession = createParamDecorator(
  (_data: unknown, ctx: ExecutionContext): TenantSessionEntity => {
    const req = ctx.switchToHttp().getRequest<PortalRequest>();
    if (!req.tenantSession)
      throw new Error('portal route has no session: is it @PortalAnonymous()?');
    return req.tenantSession;
  },
);
