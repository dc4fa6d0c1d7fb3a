export interface Scope {
  tenantIds?: string[];
  services?: string[];
  dataRegions?: string[];
  countries?: string[];
}

export const ATTRIBUTE_LISTS = ['services', 'dataRegions', 'countries'] as const;
type AttributeList = (typeof ATTRIBUTE_LISTS)[number];

const given = (scope: Scope): AttributeList[] =>
  ATTRIBUTE_LISTS.filter((k) => scope[k] !== undefined && scope[k].length > 0);

export type ScopeChange = { wider: true; added: Scope } | { wider: false; reason: string };

/**
 * Whether `next` matches every tenant `current` matches (API.md's scope rule), so that no
 * one is dropped. Adding a list narrows (every given list must be shared); dropping a list
 * widens only while another one remains.
 */
export function compareScopes(current: Scope, next: Scope): ScopeChange {
  const missingIds = (current.tenantIds ?? []).filter((id) => !(next.tenantIds ?? []).includes(id));
  if (missingIds.length > 0) {
    return {
      wider: false,
      reason: `tenantIds would drop ${missingIds.slice(0, 5).join(', ')}${missingIds.length > 5 ? ', …' : ''}`,
    };
  }
  const before = given(current);
  const after = given(next);
  if (before.length > 0) {
    if (after.length === 0) {
      return {
        wider: false,
        reason: `removing every one of services, dataRegions and countries would drop the tenants they matched`,
      };
    }
    for (const key of after) {
      if (!before.includes(key)) {
        return {
          wider: false,
          reason: `adding ${key} narrows the scope: a tenant must then share a value with every list`,
        };
      }
      const dropped = (current[key] ?? []).filter((v) => !(next[key] ?? []).includes(v));
      if (dropped.length > 0)
        return { wider: false, reason: `${key} would drop ${dropped.join(', ')}` };
    }
  }
  const added: Scope = {};
  const newIds = (next.tenantIds ?? []).filter((id) => !(current.tenantIds ?? []).includes(id));
  if (newIds.length) added.tenantIds = newIds;
  for (const key of after) {
    const values = (next[key] ?? []).filter((v) => !(current[key] ?? []).includes(v));
    if (values.length) added[key] = values;
  }
  return { wider: true, added };
}

/** The normalized scope: only non-empty lists, values sorted (stable for hashing and storage). */
export function normalizeScope(scope: Scope): Scope {
  const out: Scope = {};
  for (const key of ['tenantIds', ...ATTRIBUTE_LISTS] as const) {
    const values = scope[key];
    if (values && values.length > 0) out[key] = [...new Set(values)].sort();
  }
  return out;
}

export function isEmptyScope(scope: Scope): boolean {
  return !scope.tenantIds?.length && given(scope).length === 0;
}
