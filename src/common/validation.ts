import { PipeTransform } from '@nestjs/common';
import { z } from 'zod';
import { FieldError, invalid } from './errors.js';

/** Documented limits (README "Limits"): strings, arrays and lists. */
export const LIMITS = {
  text: 10_000,
  line: 500,
  listItems: 100,
  scopeValues: 1_000,
  tenantIds: 100_000,
  contacts: 50,
  bulkTenants: 10_000,
  tags: 100,
} as const;

// NUL and the other C0 controls never belong in stored text; tab, LF and CR do in free text.
const CONTROL_MULTILINE = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/;
const CONTROL_ANY = /[\u0000-\u001F\u007F\u2028\u2029]/;

/** Free text (several lines allowed), at most `max` characters, no NUL or other control characters. */
export const text = (max: number = LIMITS.text) =>
  z
    .string()
    .max(max, `must be at most ${max} characters`)
    .refine((v) => !CONTROL_MULTILINE.test(v), 'must not contain NUL or control characters');

/** One line: no CR, LF or other control characters (it may reach a mail header). */
export const line = (max: number = LIMITS.line) =>
  z
    .string()
    .max(max, `must be at most ${max} characters`)
    .refine((v) => !CONTROL_ANY.test(v), 'must be a single line without control characters');

export const nonEmptyLine = (max: number = LIMITS.line) =>
  line(max).refine((v) => v.trim().length > 0, 'must not be empty');

export const isoTimestamp = () =>
  z.iso.datetime({ offset: true, message: 'must be an ISO-8601 timestamp with a time zone (e.g. 2026-11-28T09:00:00Z)' });

function formatPath(path: ReadonlyArray<PropertyKey>): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out ? `.${String(part)}` : String(part);
  }
  return out;
}

function join(base: string, key: string): string {
  return base ? `${base}.${key}` : key;
}

/** Turns zod issues into one FieldError per bad field (unknown keys each get their own path). */
export function toFieldErrors(error: z.ZodError, prefix: ReadonlyArray<PropertyKey> = []): FieldError[] {
  const out: FieldError[] = [];
  for (const issue of error.issues) {
    const base = formatPath([...prefix, ...issue.path]);
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) out.push({ path: join(base, key), message: 'unknown field' });
    } else {
      out.push({ path: base, message: issue.message });
    }
  }
  return out;
}

/** Parses with a zod schema or throws a 400 naming every bad field. */
export function parseOrThrow<T extends z.ZodType>(
  schema: T,
  value: unknown,
  prefix: ReadonlyArray<PropertyKey> = [],
): z.output<T> {
  const result = schema.safeParse(value);
  if (!result.success) throw invalid(toFieldErrors(result.error, prefix));
  return result.data;
}

/** `@Body(new ZodPipe(schema))`: validates and strips nothing: unknown fields are errors. */
export class ZodPipe<T extends z.ZodType> implements PipeTransform<unknown, z.output<T>> {
  constructor(private readonly schema: T) {}
  transform(value: unknown): z.output<T> {
    return parseOrThrow(this.schema, value ?? {});
  }
}

const UUID = z.uuid('must be a UUID');

/** A path parameter that must be a UUID: a 400 naming it, never a database error. */
export function parseUuid(value: string, name = 'id'): string {
  return parseOrThrow(UUID, value, [name]);
}
