import { createParamDecorator, ExecutionContext, SetMetadata } from '@nestjs/common';
import type { Request } from 'express';
import type { Role } from '../common/auth/principal.js';
import type { StaffSessionEntity } from './entities/staff-session.entity.js';

export const SESSION_COOKIE = '__Host-herald-session';
export const OIDC_STATE_COOKIE = '__Host-herald-oidc';
export const SIGN_IN_CSRF_COOKIE = '__Host-herald-signin';

export const CONSOLE_ROLES_KEY = 'herald:console-roles';
export const CONSOLE_ANONYMOUS_KEY = 'herald:console-anonymous';

/** The roles a console page or action needs; `admin` may always. */
export const ConsoleRoles = (...roles: Role[]) => SetMetadata(CONSOLE_ROLES_KEY, roles);

/** Sign-in pages: no session needed (their forms carry a sign-in CSRF token instead). */
export const ConsoleAnonymous = () => SetMetadata(CONSOLE_ANONYMOUS_KEY, true);

export interface ConsoleRequest extends Request {
  staff?: StaffSessionEntity;
  cookies: Record<string, string | undefined>;
  body: Record<string, unknown> | undefined;
}

export const Staff = createParamDecorator(
  (_data: unknown, ctx: ExecutionContext): StaffSessionEntity => {
    const req = ctx.switchToHttp().getRequest<ConsoleRequest>();
    if (!req.staff) throw new Error('console route has no session: is it @ConsoleAnonymous()?');
    return req.staff;
  },
);

export function staffHasRole(staff: Pick<StaffSessionEntity, 'roles'>, ...roles: Role[]): boolean {
  return staff.roles.includes('admin') || roles.some((r) => staff.roles.includes(r));
}
