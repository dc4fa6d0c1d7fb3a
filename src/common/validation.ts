import { PipeTransform } from '@nestjs/common';
import { z } from 'zod';
import { DomainError, FieldError, invalid } from './errors.js';

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

// NUL and the other C0 and C1 controls never belong in stored text; tab, LF and CR do in free text.
const CONTROL_MULTILINE = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]/;
const CONTROL_ANY = /[\u0000-\u001F\u007F-\u009F\u2028\u2029]/;
// Bidirectional embeddings, overrides and isolates make a line (a subject, a name) read
// differently from its characters; in one line nothing needs them.
const BIDI_CONTROL = /[\u202A-\u202E\u2066-\u2069]/;
// A JSON "\ud800" escape is valid JSON in valid UTF-8 but no Unicode text: Postgres jsonb refuses it (a 500).
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const wellFormed = (v: string) => !LONE_SURROGATE.test(v);
const NOT_WELL_FORMED = 'must be valid Unicode text (no lone surrogate)';

/** True when `v` could be a `line()`: no control characters, no lone surrogates. */
export const isSafeLine = (v: string): boolean =>
  !CONTROL_ANY.test(v) && !BIDI_CONTROL.test(v) && wellFormed(v);

/** Free text (several lines allowed), at most `max` characters, no NUL or other control characters. */
export const text = (max: number = LIMITS.text) =>
  z
    .string()
    .max(max, `must be at most ${max} characters`)
    .refine((v) => !CONTROL_MULTILINE.test(v), 'must not contain NUL or control characters')
    .refine(wellFormed, NOT_WELL_FORMED);

/** One line: no CR, LF or other control characters (it may reach a mail header). */
export const line = (max: number = LIMITS.line) =>
  z
    .string()
    .max(max, `must be at most ${max} characters`)
    .refine((v) => !CONTROL_ANY.test(v), 'must be a single line without control characters')
    .refine(
      (v) => !BIDI_CONTROL.test(v),
      'must not contain bidirectional override or isolate characters (U+202A-U+202E, U+2066-U+2069)',
    )
    .refine(wellFormed, NOT_WELL_FORMED);

export const nonEmptyLine = (max: number = LIMITS.line) =>
  line(max).refine((v) => v.trim().length > 0, 'must not be empty');

/**
 * The instants Herald takes as input: from the Unix epoch (nothing Herald records or computes
 * lies earlier, and the rules engine's calendar arithmetic is only sound from year 100 on)
 * to the end of year 9999 (four-digit years, as ISO-8601 and Postgres literals carry them).
 */
export const TIMESTAMP_RANGE = {
  min: '1970-01-01T00:00:00.000Z',
  max: '9999-12-31T23:59:59.999Z',
} as const;
const MIN_MS = Date.parse(TIMESTAMP_RANGE.min);
const MAX_MS = Date.parse(TIMESTAMP_RANGE.max);
// Real UTC offsets run from -12:00 to +14:00; ISO-8601 allows up to ±23:59, Postgres ±15:59.
const MAX_OFFSET_MINUTES = 14 * 60;
const OFFSET = /([+-])(\d{2}):?(\d{2})$/;

const offsetMinutes = (v: string): number => {
  const m = OFFSET.exec(v);
  return m ? Number(m[2]) * 60 + Number(m[3]) : 0;
};

/**
 * An ISO-8601 timestamp with a zone, within {@link TIMESTAMP_RANGE} and a real UTC offset, so
 * whatever passes is also a literal Postgres and the rules engine take. The text is kept as
 * given: a cursor may carry microseconds, which a JS Date would drop.
 */
export const isoTimestamp = () =>
  z.iso
    .datetime({
      offset: true,
      message: 'must be an ISO-8601 timestamp with a time zone (e.g. 2026-11-28T09:00:00Z)',
      abort: true,
    })
    .refine((v) => offsetMinutes(v) <= MAX_OFFSET_MINUTES, {
      message: 'must have a UTC offset between -14:00 and +14:00',
      abort: true,
    })
    .refine((v) => {
      const ms = Date.parse(v);
      return ms >= MIN_MS && ms <= MAX_MS;
    }, `must be between ${TIMESTAMP_RANGE.min} and ${TIMESTAMP_RANGE.max}`);

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
export function toFieldErrors(
  error: z.ZodError,
  prefix: ReadonlyArray<PropertyKey> = [],
): FieldError[] {
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

/** At most this many bad fields are reported: a hostile body must not buy a huge answer. */
export const MAX_FIELD_ERRORS = 100;

/** The 400 for these field errors, listing at most MAX_FIELD_ERRORS of them. */
export function invalidFields(errors: FieldError[]): DomainError {
  if (errors.length <= MAX_FIELD_ERRORS) return invalid(errors);
  const shown = errors.slice(0, MAX_FIELD_ERRORS);
  return invalid(
    shown,
    `${errors.length} invalid fields; the first ${MAX_FIELD_ERRORS}: ${shown.map((e) => e.path || '(body)').join(', ')}`,
  );
}

/** Parses with a zod schema or throws a 400 naming every bad field (up to MAX_FIELD_ERRORS). */
export function parseOrThrow<T extends z.ZodType>(
  schema: T,
  value: unknown,
  prefix: ReadonlyArray<PropertyKey> = [],
): z.output<T> {
  const result = schema.safeParse(value);
  if (!result.success) throw invalidFields(toFieldErrors(result.error, prefix));
  return result.data;
}

/**
 * Own `__proto__` keys, which JSON.parse creates: zod records drop them silently and an
 * object spread would turn them into a prototype. They are unknown fields, like any other.
 */
function protoKeys(
  value: unknown,
  path: ReadonlyArray<PropertyKey>,
  out: FieldError[],
): FieldError[] {
  // No schema nests deeper than a few levels: deeper values fail validation anyway (and must not overflow the stack here).
  if (
    out.length >= MAX_FIELD_ERRORS ||
    path.length > 16 ||
    value === null ||
    typeof value !== 'object'
  )
    return out;
  if (Array.isArray(value)) {
    // Only objects can hold keys: 100,000 tenant ids need no path built each.
    value.forEach((item, i) => {
      if (item !== null && typeof item === 'object') protoKeys(item, [...path, i], out);
    });
    return out;
  }
  for (const key of Object.keys(value)) {
    if (key === '__proto__')
      out.push({ path: formatPath([...path, key]), message: 'unknown field' });
    else protoKeys((value as Record<string, unknown>)[key], [...path, key], out);
  }
  return out;
}

/** `@Body(new ZodPipe(schema))`: validates and strips nothing: unknown fields are errors. */
export class ZodPipe<T extends z.ZodType> implements PipeTransform<unknown, z.output<T>> {
  constructor(private readonly schema: T) {}
  transform(value: unknown): z.output<T> {
    const body = value ?? {};
    const proto = protoKeys(body, [], []);
    if (proto.length > 0) throw invalidFields(proto);
    return parseOrThrow(this.schema, body);
  }
}

/** For routes that take no body: every field sent is an unknown field (a 400), never ignored. */
export const noBodySchema = z.strictObject({});

const UUID = z.uuid('must be a UUID');

/** A path parameter that must be a UUID: a 400 naming it, never a database error. */
export function parseUuid(value: string, name = 'id'): string {
  return parseOrThrow(UUID, value, [name]);
}
