import { canonicalizeLocale } from './locale-resolver.js';

// Translation catalogs: templates/locales/<locale>.json, nested objects of strings, read
// as dotted keys ("summary.heading"). A `{name}` in a string is a parameter.

type MessagePart = string | { param: string };

export interface CatalogMessage {
  text: string;
  parts: MessagePart[];
  params: string[];
}

export type MessageCatalog = ReadonlyMap<string, CatalogMessage>;

const PARAM = /\{([A-Za-z][A-Za-z0-9_]*)\}/g;

export function compileMessage(text: string): CatalogMessage {
  const parts: MessagePart[] = [];
  const params: string[] = [];
  let last = 0;
  for (const match of text.matchAll(PARAM)) {
    if (match.index > last) parts.push(text.slice(last, match.index));
    parts.push({ param: match[1] });
    if (!params.includes(match[1])) params.push(match[1]);
    last = match.index + match[0].length;
  }
  if (last < text.length) parts.push(text.slice(last));
  return { text, parts, params };
}

export class Translator {
  constructor(
    readonly locale: string,
    private readonly messages: MessageCatalog,
  ) {}

  has(key: string): boolean {
    return this.messages.has(key);
  }

  /** The message for `key` with its `{params}` filled in; throws on an unknown key or a missing parameter. */
  t(key: string, params?: Readonly<Record<string, unknown>>): string {
    const message = this.messages.get(key);
    if (message === undefined) throw new Error(`No translation "${key}" in locale ${this.locale}`);
    if (message.params.length === 0) return message.text;
    let out = '';
    for (const part of message.parts) {
      if (typeof part === 'string') {
        out += part;
        continue;
      }
      const value = params?.[part.param];
      if (typeof value === 'string') out += value;
      else if (typeof value === 'number') out += String(value);
      else
        throw new Error(
          `Translation "${key}" (${this.locale}) needs parameter "${part.param}", got ${value === null ? 'null' : typeof value}`,
        );
    }
    return out;
  }
}

export interface LoadedCatalogs {
  catalogs: Map<string, MessageCatalog>;
  problems: string[];
}

function flatten(
  value: unknown,
  prefix: string,
  into: Map<string, CatalogMessage>,
  problems: string[],
  file: string,
): void {
  if (typeof value === 'string') {
    if (value.trim() === '') problems.push(`${file}: "${prefix}" is empty`);
    into.set(prefix, compileMessage(value));
    return;
  }
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    for (const [key, child] of Object.entries(value)) {
      if (key === '' || key.includes('.')) {
        problems.push(
          `${file}: key "${prefix}${prefix ? '.' : ''}${key}" must be non-empty and contain no "."`,
        );
        continue;
      }
      flatten(child, prefix === '' ? key : `${prefix}.${key}`, into, problems, file);
    }
    return;
  }
  problems.push(`${file}: "${prefix || '(root)'}" must be a string or an object of strings`);
}

/** One `<locale>.json` of the locales folder, as read. */
export interface CatalogFile {
  fileName: string;
  contents: string;
}

/**
 * Parses every `<locale>.json` of the locales folder (`null`: the folder is missing) and checks them against the default locale's
 * catalog: same keys (none missing, none extra), no parameter the default does not
 * have, and every key in `requiredKeys` present.
 */
export function checkCatalogs(
  files: readonly CatalogFile[] | null,
  dir: string,
  defaultLocale: string,
  requiredKeys: readonly string[],
): LoadedCatalogs {
  const problems: string[] = [];
  const catalogs = new Map<string, MessageCatalog>();
  if (files === null) return { catalogs, problems: [`locales/: directory not found (${dir})`] };

  const sorted = files
    .filter((f) => f.fileName.endsWith('.json'))
    .sort((a, b) => (a.fileName < b.fileName ? -1 : a.fileName > b.fileName ? 1 : 0));
  for (const { fileName, contents } of sorted) {
    const file = `locales/${fileName}`;
    const locale = fileName.slice(0, -'.json'.length);
    const canonical = canonicalizeLocale(locale);
    if (canonical !== locale) {
      problems.push(
        `${file}: file name must be a canonical BCP 47 tag${canonical ? ` ("${canonical}.json")` : ''}`,
      );
      continue;
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(contents);
    } catch (error) {
      problems.push(`${file}: not valid JSON: ${(error as Error).message}`);
      continue;
    }
    const messages = new Map<string, CatalogMessage>();
    flatten(parsed, '', messages, problems, file);
    catalogs.set(locale, messages);
  }

  const reference = catalogs.get(defaultLocale);
  if (reference === undefined) {
    problems.push(`locales/${defaultLocale}.json: the default locale's catalog is missing`);
    return { catalogs, problems };
  }
  for (const key of requiredKeys) {
    if (!reference.has(key))
      problems.push(`locales/${defaultLocale}.json: missing key "${key}" that the renderer uses`);
  }
  for (const [locale, messages] of catalogs) {
    if (locale === defaultLocale) continue;
    const file = `locales/${locale}.json`;
    for (const [key, message] of reference) {
      const translated = messages.get(key);
      if (translated === undefined) {
        problems.push(`${file}: missing key "${key}" (present in ${defaultLocale})`);
        continue;
      }
      for (const param of translated.params) {
        if (!message.params.includes(param)) {
          problems.push(
            `${file}: "${key}" uses parameter {${param}} that ${defaultLocale} does not have`,
          );
        }
      }
    }
    for (const key of messages.keys()) {
      if (!reference.has(key))
        problems.push(`${file}: extra key "${key}" (absent from ${defaultLocale})`);
    }
  }
  return { catalogs, problems };
}
