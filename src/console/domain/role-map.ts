import type { Role } from '../../common/auth/principal.js';

/** Roles a person may hold through the IdP: never `tenant` (tenants use the portal). */
export const STAFF_ROLES = ['admin', 'comms', 'auditor', 'reporter'] as const;
export type StaffRole = (typeof STAFF_ROLES)[number];

/** Roles that open the console; `reporter` alone does not (it is a machine's role). */
export const CONSOLE_ROLES: readonly Role[] = ['admin', 'comms', 'auditor'];

/** `herald-comms=comms,herald-audit=auditor` → group → roles. */
export function parseRoleMap(value: string): Map<string, StaffRole[]> {
  const map = new Map<string, StaffRole[]>();
  for (const pair of value.split(',')) {
    if (pair.trim() === '') continue;
    const [group, role] = pair.split('=').map((s) => s.trim());
    if (!group || !(STAFF_ROLES as readonly string[]).includes(role))
      throw new Error(`role map entry ${JSON.stringify(pair)} is not group=role`);
    map.set(group, [...(map.get(group) ?? []), role as StaffRole]);
  }
  return map;
}

/** The Herald roles for an ID token's role claim (a string or a list of strings; anything else: none). */
export function rolesFromClaim(claim: unknown, map: Map<string, StaffRole[]>): StaffRole[] {
  const groups =
    typeof claim === 'string'
      ? [claim]
      : Array.isArray(claim)
        ? claim.filter((g): g is string => typeof g === 'string')
        : [];
  const roles = new Set<StaffRole>();
  for (const group of groups) for (const role of map.get(group) ?? []) roles.add(role);
  return STAFF_ROLES.filter((r) => roles.has(r));
}

/** Whether these roles may use the console at all. */
export function opensConsole(roles: readonly string[]): boolean {
  if (roles.includes('tenant')) return false;
  return roles.some((r) => (CONSOLE_ROLES as readonly string[]).includes(r));
}
