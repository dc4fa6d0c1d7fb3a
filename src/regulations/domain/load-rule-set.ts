import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import shippedRules from '../rules/rules.json' with { type: 'json' };
import {
  parseRuleFile,
  parseRuleOverride,
  RuleSetError,
  validateRuleSet,
  type Rule,
  type RuleOrigin,
  type RuleSet,
} from './rule-set.js';

const SHIPPED_NAME = 'rules.json (shipped)';

export interface LoadRuleSetOptions {
  /** An override file, or a folder whose `*.json` files are applied in sorted name order. */
  overridePath?: string;
  /** Replaces the shipped rule file (tests, or a fully custom deployment). */
  basePath?: string;
}

/** A rule file's raw JSON text and the name used in errors and in the version string. */
export interface RuleFileSource {
  readonly name: string;
  readonly contents: string;
}

function parseJson(source: RuleFileSource): unknown {
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
    const override = parseRuleOverride(parseJson(source), source.name);
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

function readSource(path: string, name: string): RuleFileSource {
  try {
    return { name, contents: readFileSync(path, 'utf8') };
  } catch (error) {
    throw new RuleSetError([`${name}: cannot read ${path}: ${(error as Error).message}`]);
  }
}

function readOverrides(overridePath: string): RuleFileSource[] {
  let isDirectory: boolean;
  try {
    isDirectory = statSync(overridePath).isDirectory();
  } catch (error) {
    throw new RuleSetError([`override path ${overridePath}: ${(error as Error).message}`]);
  }
  if (!isDirectory) return [readSource(overridePath, basename(overridePath))];
  let names: string[];
  try {
    names = readdirSync(overridePath, { withFileTypes: true })
      // Dot files are editor and OS droppings (.#rules.json, ._rules.json), not overrides.
      .filter(
        (entry) => entry.isFile() && entry.name.endsWith('.json') && !entry.name.startsWith('.'),
      )
      .map((entry) => entry.name)
      .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  } catch (error) {
    throw new RuleSetError([`override folder ${overridePath}: ${(error as Error).message}`]);
  }
  return names.map((name) => readSource(join(overridePath, name), name));
}

/**
 * Loads the shipped rules (or `basePath`), applies the overrides at `overridePath` (one
 * JSON file, or a folder of them in sorted name order) and validates the result. Reads
 * synchronously: it runs once at boot. Throws a `RuleSetError` naming file, rule and field.
 */
export function loadRuleSet(options: LoadRuleSetOptions = {}): RuleSet {
  const base =
    options.basePath === undefined
      ? { name: SHIPPED_NAME, data: structuredClone(shippedRules) as unknown }
      : (() => {
          const source = readSource(options.basePath, basename(options.basePath));
          return { name: source.name, data: parseJson(source) };
        })();
  const overrides = options.overridePath === undefined ? [] : readOverrides(options.overridePath);
  return mergeRuleSet(base, overrides);
}
