import { createHash } from 'node:crypto';
import {
  parseRuleFile,
  parseRuleOverride,
  RuleSetError,
  validateRuleSet,
  type Rule,
  type RuleOrigin,
  type RuleSet,
} from './rule-set.js';

/** A rule file's raw JSON text and the name used in errors and in the version string. */
export interface RuleFileSource {
  readonly name: string;
  readonly contents: string;
}

/** The file's JSON, or a `RuleSetError` naming the file. */
export function parseRuleJson(source: RuleFileSource): unknown {
  try {
    return JSON.parse(source.contents) as unknown;
  } catch (error) {
    throw new RuleSetError([`${source.name}: not valid JSON: ${(error as Error).message}`]);
  }
}

function shortSha256(contents: string): string {
  return createHash('sha256').update(contents, 'utf8').digest('hex').slice(0, 8);
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}

/**
 * Merges override files, in order, over a base rule set and validates the result. A rule
 * whose id exists replaces it in place; a new id is appended. `regionGroups` merge by
 * name, `personalDataCategories` and `version` replace. The version becomes
 * `<version>+<file>@<sha256 prefix>` for each override, naming the exact combination.
 */
export function mergeRuleSet(
  base: { readonly name: string; readonly data: unknown },
  overrides: readonly RuleFileSource[],
): RuleSet {
  const parsed = parseRuleFile(base.data, base.name);
  let version = parsed.version;
  const suffixes: string[] = [];
  const regionGroups = { ...parsed.regionGroups };
  let personalDataCategories = parsed.personalDataCategories;
  const rules: Rule[] = [...parsed.rules];
  const origins: RuleOrigin[] = rules.map((_, index) => ({ file: base.name, index }));

  for (const source of overrides) {
    const override = parseRuleOverride(parseRuleJson(source), source.name);
    if (override.version !== undefined) version = override.version;
    suffixes.push(`${source.name}@${shortSha256(source.contents)}`);
    Object.assign(regionGroups, override.regionGroups ?? {});
    if (override.personalDataCategories !== undefined)
      personalDataCategories = override.personalDataCategories;
    (override.rules ?? []).forEach((rule, index) => {
      const existing = rules.findIndex((r) => r.id === rule.id);
      const origin = { file: source.name, index };
      if (existing === -1) {
        rules.push(rule);
        origins.push(origin);
      } else {
        rules[existing] = rule;
        origins[existing] = origin;
      }
    });
  }

  const ruleSet: RuleSet = {
    version: [version, ...suffixes].join('+'),
    regionGroups,
    personalDataCategories,
    rules,
  };
  validateRuleSet(ruleSet, origins);
  return deepFreeze(ruleSet);
}
