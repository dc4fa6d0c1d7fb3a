/**
 * A synthetic tenant directory for resolution tests and the resolve bench, inserted with one
 * statement. Tenant g (1..n) is `bulk-<g, 7 digits>`: country by g % 4 (0 DE, 1 US-CA, 2 BR,
 * 3 JP); service `files` when g % 5 = 0 (outside a `mail` scope), else `mail`; 24 contractual
 * notice hours when g % 3 = 0, else none (the service default).
 */
export const SEED_TENANTS_SQL = `
  INSERT INTO tenants (id, name, locale, time_zone, countries, country_match, data_regions, services, industries, flags, contractual_notice_hours, contacts)
  SELECT 'bulk-' || lpad(g::text, 7, '0'), 'Tenant ' || g, 'en-US', 'UTC',
         c.countries, c.country_match, ARRAY['eu-west'],
         CASE WHEN g % 5 = 0 THEN ARRAY['files'] ELSE ARRAY['mail'] END,
         ARRAY['technology'], '{}'::jsonb,
         CASE WHEN g % 3 = 0 THEN 24 END,
         jsonb_build_array(jsonb_build_object('name', 'Security', 'email', 'sec@t' || g || '.example', 'role', 'security'))
  FROM generate_series(1, $1::integer) AS g
  CROSS JOIN LATERAL (
    SELECT CASE g % 4 WHEN 0 THEN ARRAY['DE'] WHEN 1 THEN ARRAY['US-CA'] WHEN 2 THEN ARRAY['BR'] ELSE ARRAY['JP'] END AS countries,
           CASE g % 4 WHEN 0 THEN ARRAY['DE'] WHEN 1 THEN ARRAY['US', 'US-CA'] WHEN 2 THEN ARRAY['BR'] ELSE ARRAY['JP'] END AS country_match
  ) c`;

export const seedTenantId = (g: number): string => `bulk-${String(g).padStart(7, '0')}`;

/** The seeded tenants a `mail` scope affects. */
export const inMailScope = (g: number): boolean => g % 5 !== 0;

/** How many of 1..n satisfy the predicate. */
export function countSeeded(n: number, predicate: (g: number) => boolean): number {
  let count = 0;
  for (let g = 1; g <= n; g++) if (predicate(g)) count++;
  return count;
}
