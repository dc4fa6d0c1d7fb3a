import { createParamDecorator, ExecutionContext, SetMetadata } from '@nestjs/common';
import type { Request } from 'express';

export const ROLES = ['admin', 'reporter', 'comms', 'auditor', 'tenant'] as const;
export type Role = (typeof ROLES)[number];

/** Who is calling: the API key, by name (the actor recorded for every change). */
export interface Principal {
  keyId: string;
  name: string;
  roles: Role[];
  tenantId: string | null;
}

export const ROLES_KEY = 'herald:roles';
export const PUBLIC_KEY = 'herald:public';

/** The roles allowed to call a route; `admin` may always. */
export const Roles = (...roles: Role[]) => SetMetadata(ROLES_KEY, roles);

/** A route that needs no API key (health, metrics, docs). */
export const Public = () => SetMetadata(PUBLIC_KEY, true);

export interface AuthenticatedRequest extends Request {
  principal?: Principal;
}

export const CurrentPrincipal = createParamDecorator(
  (_data: unknown, ctx: ExecutionContext): Principal => {
    const req = ctx.switchToHttp().getRequest<AuthenticatedRequest>();
    if (!req.principal) throw new Error('route has no principal: is it marked @Public()?');
    return req.principal;
  },
);

export function hasRole(principal: Principal, ...roles: Role[]): boolean {
  return principal.roles.includes('admin') || roles.some((r) => principal.roles.includes(r));
}

/**
 * A tenant key sees only its own tenant. Other roles pass when they hold one of `roles`.
 * Returns false rather than throwing so callers choose 403 vs 404.
 */
export function canActForTenant(principal: Principal, tenantId: string, ...roles: Role[]): boolean {
  if (hasRole(principal, ...roles)) return true;
  return principal.roles.includes('tenant') && principal.tenantId === tenantId;
}
