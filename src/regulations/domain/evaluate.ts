import { computeDueAt, contractualNoticeHours } from './deadlines.js';
import { TENANT_CONTRACTUAL_NOTICE_HOURS, type Rule, type RuleSet } from './rule-set.js';

/** What the rules need to know about a tenant. */
export interface TenantFacts {
  /** ISO 3166-1 alpha-2 codes, or ISO 3166-2 subdivisions (`US-CA` also counts as `US`). */
  readonly countries: readonly string[];
  readonly industries: readonly string[];
  readonly flags: Readonly<Record<string, boolean>>;
  readonly contractualNoticeHours: number | null;
}

/** What the rules need to know about an incident. */
export interface IncidentFacts {
  /** When the provider became aware: every clock starts here. */
  readonly awareAt: Date;
  /** `dataImpact.categories`; `["none"]` matches no rule with `dataCategories`. */
  readonly dataCategories: readonly string[];
}

export interface EvaluationOptions {
  /** Notice hours for tenants without their own (`DEFAULT_CONTRACTUAL_NOTICE_HOURS`). */
  readonly defaultContractualNoticeHours: number;
}

/** One duty that a matching rule puts on the provider or on the tenant. */
export interface Obligation {
  readonly regulationId: string;
  readonly notifier: Rule['notifier'];
  readonly recipient: string;
  /** ISO-8601 UTC with milliseconds and `Z`; null when the law sets no fixed deadline. */
  readonly dueAt: string | null;
  readonly dueText: string;
  readonly citation: string;
}

export interface TenantEvaluation {
  /** Earliest non-null `dueAt` among the provider's obligations (the contract always counts). */
  readonly noticeDueAt: string;
  /** One per matching rule, in rule-set order. The objects are frozen and shared between tenants. */
  readonly obligations: readonly Obligation[];
}

export interface TenantEvaluator {
  /** The version of the rule set that produced these obligations; store it with them. */
  readonly rulesVersion: string;
  evaluate(tenant: TenantFacts): TenantEvaluation;
}

interface Due {
  readonly ms: number;
  readonly iso: string;
}

interface CompiledRule {
  readonly rule: Rule;
  readonly countries: ReadonlySet<string> | null;
  readonly industries: ReadonlySet<string> | null;
  readonly flags: readonly string[] | null;
  readonly flagsAny: readonly string[] | null;
  readonly provider: boolean;
  // Fixed deadlines depend only on awareAt: computed once per incident.
  readonly obligation: Obligation | null;
  readonly due: Due | null;
  // Deadlines in the tenant's contractual hours: one obligation per distinct hours value.
  readonly byTenantHours: Map<number, { obligation: Obligation; due: Due }> | null;
}

const MAX_CACHED_HOURS_VALUES = 10_000;

function toObligation(rule: Rule, dueAt: string | null): Obligation {
  return Object.freeze({
    regulationId: rule.id,
    notifier: rule.notifier,
    recipient: rule.recipient,
    dueAt,
    dueText: rule.dueText,
    citation: rule.citation,
  });
}

function toDue(date: Date | null): Due | null {
  return date === null ? null : { ms: date.getTime(), iso: date.toISOString() };
}

function expandCountries(ruleSet: RuleSet, entries: readonly string[]): Set<string> {
  const out = new Set<string>();
  for (const entry of entries) {
    const group = Object.hasOwn(ruleSet.regionGroups, entry)
      ? ruleSet.regionGroups[entry]
      : undefined;
    if (group === undefined) out.add(entry);
    else for (const code of group) out.add(code);
  }
  return out;
}

function incidentMatches(
  ruleSet: RuleSet,
  rule: Rule,
  incidentCategories: ReadonlySet<string>,
): boolean {
  const listed = rule.when.dataCategories;
  if (listed === undefined) return true;
  for (const category of listed) {
    if (category === 'personal-data') {
      if (ruleSet.personalDataCategories.some((c) => incidentCategories.has(c))) return true;
    } else if (incidentCategories.has(category)) {
      return true;
    }
  }
  return false;
}

function anyIn(values: readonly string[], set: ReadonlySet<string>): boolean {
  for (let i = 0; i < values.length; i++) if (set.has(values[i])) return true;
  return false;
}

// A subdivision (`US-CA`) also counts as its country (`US`); a country never counts as a subdivision.
function withParentCountries(countries: readonly string[]): readonly string[] {
  let out: string[] | null = null;
  for (let i = 0; i < countries.length; i++) {
    const code = countries[i];
    if (code.length > 3 && code.charCodeAt(2) === 45 /* - */) {
      out ??= countries.slice();
      out.push(code.slice(0, 2));
    }
  }
  return out ?? countries;
}

/**
 * Compiles everything that does not depend on the tenant once per incident (expanded
 * country sets, the incident's data-category match, every fixed deadline), so that
 * `evaluate` only does set look-ups per tenant.
 */
export function prepareEvaluation(
  ruleSet: RuleSet,
  incident: IncidentFacts,
  options: EvaluationOptions,
): TenantEvaluator {
  const awareAt = new Date(incident.awareAt.getTime());
  if (Number.isNaN(awareAt.getTime()))
    throw new RangeError('incident.awareAt must be a valid Date');
  const defaultHours = contractualNoticeHours(null, options.defaultContractualNoticeHours);
  const categories = new Set(incident.dataCategories);

  const compiled: CompiledRule[] = [];
  for (const rule of ruleSet.rules) {
    if (!incidentMatches(ruleSet, rule, categories)) continue;
    const { when, deadline } = rule;
    const perTenant = deadline !== null && deadline.amount === TENANT_CONTRACTUAL_NOTICE_HOURS;
    const due = perTenant ? null : toDue(computeDueAt(deadline, awareAt));
    compiled.push({
      rule,
      countries: when.countries === undefined ? null : expandCountries(ruleSet, when.countries),
      industries: when.industries === undefined ? null : new Set(when.industries),
      flags: when.flags ?? null,
      flagsAny: when.flagsAny ?? null,
      provider: rule.notifier === 'provider',
      obligation: perTenant ? null : toObligation(rule, due === null ? null : due.iso),
      due,
      byTenantHours: perTenant ? new Map() : null,
    });
  }

  const tenantDue = (entry: CompiledRule, hours: number): { obligation: Obligation; due: Due } => {
    const cache = entry.byTenantHours as Map<number, { obligation: Obligation; due: Due }>;
    let hit = cache.get(hours);
    if (hit === undefined) {
      const due = toDue(computeDueAt(entry.rule.deadline, awareAt, hours)) as Due;
      hit = { obligation: toObligation(entry.rule, due.iso), due };
      if (cache.size < MAX_CACHED_HOURS_VALUES) cache.set(hours, hit);
    }
    return hit;
  };

  const evaluate = (tenant: TenantFacts): TenantEvaluation => {
    const countries = withParentCountries(tenant.countries);
    const { industries, flags } = tenant;
    const own = tenant.contractualNoticeHours;
    // Tolerate a missing value as well as null: both mean "no contractual hours of its own".
    const hours =
      own === null || own === undefined ? defaultHours : contractualNoticeHours(own, defaultHours);
    const obligations: Obligation[] = [];
    let noticeMs = Number.POSITIVE_INFINITY;
    let noticeDueAt: string | null = null;

    for (let r = 0; r < compiled.length; r++) {
      const entry = compiled[r];
      if (entry.countries !== null && !anyIn(countries, entry.countries)) continue;
      if (entry.industries !== null && !anyIn(industries, entry.industries)) continue;
      if (entry.flags !== null) {
        let all = true;
        for (let i = 0; i < entry.flags.length; i++) {
          if (flags[entry.flags[i]] !== true) {
            all = false;
            break;
          }
        }
        if (!all) continue;
      }
      if (entry.flagsAny !== null) {
        let some = false;
        for (let i = 0; i < entry.flagsAny.length; i++) {
          if (flags[entry.flagsAny[i]] === true) {
            some = true;
            break;
          }
        }
        if (!some) continue;
      }
      let obligation = entry.obligation;
      let due = entry.due;
      if (obligation === null) {
        const hit = tenantDue(entry, hours);
        obligation = hit.obligation;
        due = hit.due;
      }
      obligations.push(obligation);
      if (entry.provider && due !== null && due.ms < noticeMs) {
        noticeMs = due.ms;
        noticeDueAt = due.iso;
      }
    }
    if (noticeDueAt === null) {
      // validateRuleSet guarantees a contract rule that matches everyone: this is a fault.
      throw new Error(
        'no provider obligation with a deadline matched; is the contract rule missing?',
      );
    }
    return { noticeDueAt, obligations };
  };

  return { rulesVersion: ruleSet.version, evaluate };
}

/** One tenant, one incident: `prepareEvaluation(...).evaluate(tenant)`. Prefer the evaluator in loops. */
export function evaluateTenant(
  ruleSet: RuleSet,
  incident: IncidentFacts,
  tenant: TenantFacts,
  options: EvaluationOptions,
): TenantEvaluation {
  return prepareEvaluation(ruleSet, incident, options).evaluate(tenant);
}
