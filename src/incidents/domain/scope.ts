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
 * Whether `next` matches every tenant `current` matches (docs/api.md's scope rule), so that no
 * one is dropped. Adding a list narrows (every given list must be shared); dropping a list
 * widens only while another one remains.
 */
export function compareScopes(current: Scope, next: Scope): ScopeChange {
  // Sets, not includes(): a scope holds up to 100,000 ids, and n·m comparisons on the event
  // loop froze the whole process for half a minute (issue 20, H1).
  const missingIds = notIn(current.tenantIds, next.tenantIds);
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
      const dropped = notIn(current[key], next[key]);
      if (dropped.length > 0)
        return { wider: false, reason: `${key} would drop ${dropped.join(', ')}` };
    }
  }
  const added: Scope = {};
  const newIds = notIn(next.tenantIds, current.tenantIds);
  if (newIds.length) added.tenantIds = newIds;
  for (const key of after) {
    const values = notIn(next[key], current[key]);
    if (values.length) added[key] = values;
  }
  return { wider: true, added };
}

/** The values of `list` that `other` lacks, in `list`'s order; linear in both lengths. */
function notIn(list: string[] | undefined, other: string[] | undefined): string[] {
  if (!list?.length) return [];
  const present = new Set(other);
  return list.filter((v) => !present.has(v));
}

/**
 * What the audit log keeps of a scope that only widened: its attribute lists and how many ids
 * it names. The ids themselves are in the `added` lists of the events that brought them (and in
 * incident.created), so a widening of a 100,000-id scope does not copy and hash them twice more.
 */
export function scopeSummary(scope: Scope): Omit<Scope, 'tenantIds'> & { tenantIdCount: number } {
  const { tenantIds, ...lists } = scope;
  return { ...lists, tenantIdCount: tenantIds?.length ?? 0 };
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
