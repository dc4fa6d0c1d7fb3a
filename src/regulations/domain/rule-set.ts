import { IANAZone } from 'luxon';
import { z } from 'zod';
import { HOLIDAY_CALENDARS } from './holidays.js';

export const CONTRACT_RULE_ID = 'contract';
export const TENANT_CONTRACTUAL_NOTICE_HOURS = 'tenant.contractualNoticeHours';
/** ISO 3166-1 alpha-2, or ISO 3166-2 shaped (`US-CA`). */
export const COUNTRY_CODE_PATTERN = /^[A-Z]{2}(-[A-Z0-9]{1,3})?$/;

/** A rule file, an override file or a merged rule set failed validation. */
export class RuleSetError extends Error {
  readonly code = 'RULE_SET_INVALID';
  constructor(readonly problems: readonly string[]) {
    super(
      problems.length === 1
        ? `Invalid notification rules: ${problems[0]}`
        : `Invalid notification rules:\n  ${problems.join('\n  ')}`,
    );
    this.name = 'RuleSetError';
  }
}

const text = z.string().trim().min(1, 'must be a non-empty string');
// An empty list is ambiguous (never holds, or always for `flags`): omit the key instead.
const valueList = z.array(text).min(1, 'must list at least one value (omit the key instead)');

const deadlineSchema = z
  .strictObject({
    amount: z.union([z.number().positive().finite(), z.literal(TENANT_CONTRACTUAL_NOTICE_HOURS)], {
      error: `must be a positive number or "${TENANT_CONTRACTUAL_NOTICE_HOURS}"`,
    }),
    unit: z.enum(['hours', 'days', 'business-days']),
    timeZone: text.optional(),
    holidays: z.enum(HOLIDAY_CALENDARS).optional(),
  })
  .superRefine((d, ctx) => {
    const issue = (path: string, message: string) =>
      ctx.addIssue({ code: 'custom', path: [path], message });
    if (d.unit !== 'hours' && d.timeZone === undefined) {
      issue('timeZone', `is required for unit "${d.unit}" (an IANA name such as "Europe/Berlin")`);
    }
    if (d.timeZone !== undefined && !IANAZone.isValidZone(d.timeZone)) {
      issue('timeZone', `"${d.timeZone}" is not a valid IANA time zone`);
    }
    if (d.unit === 'business-days' && d.holidays === undefined) {
      issue(
        'holidays',
        `is required for unit "business-days" (one of ${HOLIDAY_CALENDARS.join(', ')})`,
      );
    }
    if (d.unit !== 'business-days' && d.holidays !== undefined) {
      issue('holidays', 'applies only to unit "business-days"');
    }
    if (d.amount === TENANT_CONTRACTUAL_NOTICE_HOURS && d.unit !== 'hours') {
      issue('unit', `must be "hours" when amount is "${TENANT_CONTRACTUAL_NOTICE_HOURS}"`);
    }
    if (typeof d.amount === 'number' && d.unit !== 'hours' && !Number.isInteger(d.amount)) {
      issue('amount', `must be a whole number of ${d.unit}`);
    }
  });

const whenSchema = z.strictObject({
  countries: valueList.optional(),
  industries: valueList.optional(),
  flags: valueList.optional(),
  flagsAny: valueList.optional(),
  dataCategories: valueList
    .refine((values) => !values.includes('none'), {
      error:
        '"none" cannot be listed: an incident with no data impact matches no dataCategories rule',
    })
    .optional(),
});

const ruleSchema = z.strictObject({
  id: z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'must be 1-64 characters of A-Z a-z 0-9 . _ -'),
  notifier: z.enum(['provider', 'tenant']),
  recipient: text,
  when: whenSchema,
  deadline: deadlineSchema.nullable(),
  dueText: text,
  citation: text,
});

const regionGroupsSchema = z.record(
  z
    .string()
    .regex(/^[A-Za-z][A-Za-z0-9_-]{0,31}$/, 'group names are 1-32 characters of A-Z a-z 0-9 _ -'),
  z
    .array(
      z.string().regex(COUNTRY_CODE_PATTERN, 'must be an ISO 3166 code such as "DE" or "US-CA"'),
    )
    .min(1, 'must list at least one country'),
);

const personalDataCategoriesSchema = z
  .array(text)
  .min(1, 'must list at least one category')
  .refine((values) => !values.includes('none') && !values.includes('personal-data'), {
    error: '"none" and "personal-data" cannot be personal data categories',
  });

/** The shipped rule file: everything is required. */
export const ruleFileSchema = z.strictObject({
  version: text,
  regionGroups: regionGroupsSchema,
  personalDataCategories: personalDataCategoriesSchema,
  rules: z.array(ruleSchema).min(1, 'must hold at least one rule'),
});

/** An operator's override file, holding some subset of the rule file. */
export const ruleOverrideSchema = z.strictObject({
  version: text.optional(),
  regionGroups: regionGroupsSchema.optional(),
  personalDataCategories: personalDataCategoriesSchema.optional(),
  rules: z.array(ruleSchema).optional(),
});

export type RuleSet = z.infer<typeof ruleFileSchema>;
export type Rule = RuleSet['rules'][number];
export type RuleConditions = Rule['when'];
export type Deadline = NonNullable<Rule['deadline']>;
export type RuleOverride = z.infer<typeof ruleOverrideSchema>;

function describePath(raw: unknown, path: readonly PropertyKey[]): string {
  // rules[3] (id "x"): deadline.timeZone
  if (path[0] === 'rules' && typeof path[1] === 'number') {
    const id = ruleIdAt(raw, path[1]);
    const rule = `rules[${path[1]}]${id === undefined ? '' : ` (id "${id}")`}`;
    const field = formatPath(path.slice(2));
    return field === '' ? rule : `${rule}: ${field}`;
  }
  return formatPath(path);
}

function formatPath(path: readonly PropertyKey[]): string {
  return path
    .map((key, i) =>
      typeof key === 'number' ? `[${key}]` : i === 0 ? String(key) : `.${String(key)}`,
    )
    .join('');
}

function ruleIdAt(raw: unknown, index: number): string | undefined {
  if (typeof raw !== 'object' || raw === null) return undefined;
  const rules = (raw as { rules?: unknown }).rules;
  if (!Array.isArray(rules)) return undefined;
  const rule: unknown = rules[index];
  if (typeof rule !== 'object' || rule === null) return undefined;
  const id = (rule as { id?: unknown }).id;
  return typeof id === 'string' ? id : undefined;
}

function parseWith<T>(schema: z.ZodType<T>, raw: unknown, fileName: string): T {
  const result = schema.safeParse(raw);
  if (result.success) return result.data;
  throw new RuleSetError(
    result.error.issues.map((issue) => {
      const where = describePath(raw, issue.path);
      return `${fileName}: ${where === '' ? '' : `${where}: `}${issue.message}`;
    }),
  );
}

function duplicateIdProblems(rules: readonly Rule[], fileName: string): string[] {
  const seen = new Map<string, number>();
  const problems: string[] = [];
  rules.forEach((rule, index) => {
    const first = seen.get(rule.id);
    if (first === undefined) seen.set(rule.id, index);
    else
      problems.push(
        `${fileName}: rules[${index}] (id "${rule.id}"): id: duplicates rules[${first}]`,
      );
  });
  return problems;
}

/** Validates the shape of a complete rule file; the merged set is checked by `validateRuleSet`. */
export function parseRuleFile(raw: unknown, fileName: string): RuleSet {
  const parsed = parseWith(ruleFileSchema, raw, fileName);
  const problems = duplicateIdProblems(parsed.rules, fileName);
  if (problems.length > 0) throw new RuleSetError(problems);
  return parsed;
}

/** Validates the shape of an override file. */
export function parseRuleOverride(raw: unknown, fileName: string): RuleOverride {
  const parsed = parseWith(ruleOverrideSchema, raw, fileName);
  const problems = duplicateIdProblems(parsed.rules ?? [], fileName);
  if (problems.length > 0) throw new RuleSetError(problems);
  return parsed;
}

/** Where a rule of a merged set came from, for error messages: file and index in it. */
export interface RuleOrigin {
  readonly file: string;
  readonly index: number;
}

/**
 * Checks what only the whole (merged) set can tell: country entries are codes or known
 * region groups, and exactly one `contract` rule exists, matching every tenant on the
 * tenant's own notice hours. `origins[i]` names where `ruleSet.rules[i]` came from.
 */
export function validateRuleSet(ruleSet: RuleSet, origins?: readonly RuleOrigin[]): void {
  const problems: string[] = [];
  const label = (index: number) => {
    const origin = origins?.[index] ?? { file: 'rule set', index };
    return `${origin.file}: rules[${origin.index}] (id "${ruleSet.rules[index].id}")`;
  };
  ruleSet.rules.forEach((rule, index) => {
    (rule.when.countries ?? []).forEach((entry, i) => {
      if (Object.hasOwn(ruleSet.regionGroups, entry) || COUNTRY_CODE_PATTERN.test(entry)) return;
      const groups = Object.keys(ruleSet.regionGroups).join(', ');
      problems.push(
        `${label(index)}: when.countries[${i}]: "${entry}" is neither a known region group (${groups}) ` +
          'nor an ISO 3166 code such as "DE" or "US-CA"',
      );
    });
  });
  const contracts = ruleSet.rules.flatMap((rule, index) =>
    rule.id === CONTRACT_RULE_ID ? [index] : [],
  );
  if (contracts.length === 0) {
    problems.push(
      `rule set: exactly one rule with id "${CONTRACT_RULE_ID}" is required, found none`,
    );
  } else if (contracts.length > 1) {
    problems.push(
      `rule set: exactly one rule with id "${CONTRACT_RULE_ID}" is required, found ${contracts.length}: ` +
        contracts.map(label).join('; '),
    );
  } else {
    const index = contracts[0];
    const rule = ruleSet.rules[index];
    if (rule.notifier !== 'provider')
      problems.push(`${label(index)}: notifier: must be "provider"`);
    if (Object.keys(rule.when).length > 0)
      problems.push(`${label(index)}: when: must be {} (it applies to every tenant)`);
    if (
      rule.deadline?.amount !== TENANT_CONTRACTUAL_NOTICE_HOURS ||
      rule.deadline.unit !== 'hours'
    ) {
      problems.push(
        `${label(index)}: deadline: must be {"amount": "${TENANT_CONTRACTUAL_NOTICE_HOURS}", "unit": "hours"}`,
      );
    }
  }
  if (problems.length > 0) throw new RuleSetError(problems);
}
