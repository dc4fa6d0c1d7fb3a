import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { mergeRuleSet, parseRuleJson, type RuleFileSource } from './domain/merge-rule-set.js';
import { RuleSetError, type RuleSet } from './domain/rule-set.js';
import shippedRules from './rules/rules.json' with { type: 'json' };

// Reads the rule files from disk; what they mean and how they merge is domain/merge-rule-set.ts.

const SHIPPED_NAME = 'rules.json (shipped)';

export interface LoadRuleSetOptions {
  /** An override file, or a folder whose `*.json` files are applied in sorted name order. */
  overridePath?: string;
  /** Replaces the shipped rule file (tests, or a fully custom deployment). */
  basePath?: string;
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
          return { name: source.name, data: parseRuleJson(source) };
        })();
  const overrides = options.overridePath === undefined ? [] : readOverrides(options.overridePath);
  return mergeRuleSet(base, overrides);
}
