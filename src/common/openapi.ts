import { applyDecorators, type INestApplication } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiBody,
  ApiOperation,
  ApiParam,
  ApiQuery,
  ApiResponse,
  DocumentBuilder,
  type OpenAPIObject,
  SwaggerModule,
} from '@nestjs/swagger';
import { z } from 'zod';
import type { Role } from './auth/principal.js';

// The document is OpenAPI 3.0 (swagger's default): its schemas are generated from the same zod
// schemas that validate requests (io "input") and that tests hold real answers to (io "output"),
// so the document cannot say something Herald does not do.

interface SchemaMeta {
  id: string;
}

/** Request bodies, by component name: converted as zod *inputs* (what a client may send). */
const requestSchemas = z.registry<SchemaMeta>();
/** Response bodies and the parts they share, by component name: converted as zod *outputs*. */
const responseSchemas = z.registry<SchemaMeta>();

const REF = (id: string) => `#/components/schemas/${id}`;
// A registry's own metadata beyond the id does not reach the converted schema: kept here.
const descriptions = new Map<string, string>();

/** Publishes `schema` as the request body component `id`; returns it unchanged. */
export function requestSchema<T extends z.ZodType>(id: string, schema: T, description?: string): T {
  requestSchemas.add(schema, { id });
  if (description) descriptions.set(id, description);
  return schema;
}

/** Publishes `schema` as the response component `id`; returns it unchanged. */
export function responseSchema<T extends z.ZodType>(
  id: string,
  schema: T,
  description?: string,
): T {
  responseSchemas.add(schema, { id });
  if (description) descriptions.set(id, description);
  return schema;
}

type JsonObject = Record<string, unknown>;

const MAX_SAFE = Number.MAX_SAFE_INTEGER;

// zod spells out what OpenAPI 3.0 says more briefly, or cannot say.
function tidy(schema: unknown): void {
  if (Array.isArray(schema)) {
    schema.forEach(tidy);
    return;
  }
  if (schema === null || typeof schema !== 'object') return;
  const s = schema as JsonObject;
  // $id and $schema are not OpenAPI 3.0 schema keywords.
  delete s.$id;
  delete s.$schema;
  // The format says it; zod's equivalent regular expressions run to hundreds of characters.
  if (s.format === 'date-time' || s.format === 'uuid') delete s.pattern;
  // zod's bounds of a plain int are the safe-integer range: no information for a reader.
  if (s.minimum === -MAX_SAFE) delete s.minimum;
  if (s.maximum === MAX_SAFE) delete s.maximum;
  for (const value of Object.values(s)) tidy(value);
}

function convert(schema: z.ZodType, io: 'input' | 'output'): JsonObject {
  const json = z.toJSONSchema(schema, {
    io,
    target: 'openapi-3.0',
    unrepresentable: 'any',
  }) as JsonObject;
  tidy(json);
  return json;
}

function components(registry: z.core.$ZodRegistry<SchemaMeta>, io: 'input' | 'output') {
  const all = z.toJSONSchema(registry, {
    io,
    target: 'openapi-3.0',
    unrepresentable: 'any',
    uri: REF,
  }) as { schemas: Record<string, JsonObject> };
  tidy(all.schemas);
  for (const [id, s] of Object.entries(all.schemas)) {
    const description = descriptions.get(id);
    if (description) s.description = description;
  }
  if (io === 'output') {
    // Answers may gain fields (docs/api.md: compatible additions): a client must not reject them.
    // Tests hold real answers to the closed form (test/support/openapi-conformance.ts).
    for (const s of Object.values(all.schemas)) openObjects(s);
  }
  return all.schemas;
}

function openObjects(schema: unknown): void {
  if (Array.isArray(schema)) return schema.forEach(openObjects);
  if (schema === null || typeof schema !== 'object') return;
  const s = schema as JsonObject;
  if (s.type === 'object' && s.properties && s.additionalProperties === false)
    delete s.additionalProperties;
  for (const value of Object.values(s)) openObjects(value);
}

function idOf(registry: z.core.$ZodRegistry<SchemaMeta>, schema: z.ZodType, what: string): string {
  const id = registry.get(schema)?.id;
  if (!id) throw new Error(`${what} schema is not published: wrap it in ${what}Schema(id, ...)`);
  return id;
}

/** RFC 9457 problem details: every error Herald answers. */
export const problemSchema = responseSchema(
  'Problem',
  z.object({
    type: z.url().meta({ example: 'https://herald.dev/problems/validation' }),
    title: z.string().meta({ example: 'Invalid request' }),
    status: z.int().min(400).max(599),
    detail: z.string(),
    instance: z.string().optional().meta({ description: 'The request path' }),
    errors: z
      .array(
        z.object({
          path: z.string().meta({
            description: 'The bad field: dots and [index], e.g. tenants[3].contacts[0].email',
          }),
          message: z.string(),
        }),
      )
      .optional()
      .meta({ description: 'On validation errors: each bad field' }),
    errorId: z
      .uuid()
      .optional()
      .meta({ description: 'On 500: quote it when reporting; the log holds the same id' }),
  }),
  'RFC 9457 problem details (application/problem+json)',
);

const PROBLEM_EXAMPLES: Record<number, { type: string; title: string; detail: string }> = {
  400: { type: 'validation', title: 'Invalid request', detail: '1 invalid field: awareAt' },
  401: {
    type: 'unauthorized',
    title: 'Authentication required',
    detail: 'Send Authorization: Bearer <api key>',
  },
  403: { type: 'forbidden', title: 'Forbidden', detail: 'This key lacks the role this needs' },
  404: { type: 'not-found', title: 'Not found', detail: 'Incident "…" does not exist' },
  409: { type: 'conflict', title: 'Conflict', detail: 'Only drafts can be edited' },
  413: {
    type: 'payload-too-large',
    title: 'Payload too large',
    detail: 'The request body exceeds the 1 MB limit',
  },
  415: {
    type: 'unsupported-media-type',
    title: 'Unsupported media type',
    detail: 'Send the body as application/json',
  },
  429: {
    type: 'rate-limited',
    title: 'Too many requests',
    detail: 'Too many requests for this key; retry after 12 s',
  },
  500: {
    type: 'internal',
    title: 'Internal server error',
    detail: 'An unexpected error occurred; quote errorId … when reporting it',
  },
  503: { type: 'unavailable', title: 'Service unavailable', detail: 'Try again later' },
};

function problemResponse(status: number, description: string): JsonObject {
  const example = PROBLEM_EXAMPLES[status];
  return {
    description,
    content: {
      'application/problem+json': {
        schema: { $ref: REF('Problem') },
        ...(example
          ? {
              example: {
                type: `https://herald.dev/problems/${example.type}`,
                title: example.title,
                status,
                detail: example.detail,
                ...(status === 400
                  ? { errors: [{ path: 'awareAt', message: 'is required' }] }
                  : {}),
              },
            }
          : {}),
      },
    },
    ...(status === 429
      ? {
          headers: {
            'Retry-After': {
              description: 'Seconds until the key may call again',
              schema: { type: 'integer', minimum: 0 },
            },
          },
        }
      : {}),
  };
}

/** A problem+json answer this route gives, with when. */
export function ApiProblem(status: number, description: string) {
  return ApiResponse({ status, ...problemResponse(status, description) } as never);
}

/** The roles a route needs and the problems every authenticated route can answer. */
export function ApiAuth(roles: Role[]) {
  return applyDecorators(
    ApiBearerAuth(),
    ApiProblem(401, 'Missing, unknown, expired or revoked API key'),
    ApiProblem(
      403,
      `This key's role may not do this; needs one of: ${['admin', ...roles].join(', ')}`,
    ),
    ApiProblem(
      429,
      'Too many requests for this key, or too many failed sign-ins from this address',
    ),
  );
}

/** A route anyone may call: no API key. */
export function ApiPublic() {
  return ApiOperation({ security: [] });
}

interface BodyOptions {
  description?: string;
  example?: unknown;
  /** false for routes that take no body but refuse one with fields. */
  required?: boolean;
}

/** The request body, its published schema (the same one validates), and the problems a body can cause. */
export function ApiZodBody(schema: z.ZodType, options: BodyOptions = {}) {
  const id = idOf(requestSchemas, schema, 'request');
  return applyDecorators(
    ApiBody({
      required: options.required ?? true,
      description: options.description,
      schema: { $ref: REF(id) },
      ...(options.example === undefined
        ? {}
        : { examples: { example: { value: options.example as object } } }),
    }),
    ApiProblem(400, 'The body is not valid JSON or breaks the schema: `errors` names each field'),
    ApiProblem(413, 'The body exceeds the size limit'),
    ApiProblem(415, 'The body is not application/json'),
  );
}

/** The query parameters of a list or report: one per field of its strict zod schema. */
export function ApiZodQuery(schema: z.ZodObject, descriptions: Record<string, string> = {}) {
  const params = Object.entries(schema.shape).map(([name, field]) => {
    const json = convert(field as z.ZodType, 'input');
    const description = descriptions[name] ?? (json.description as string | undefined);
    delete json.description;
    return ApiQuery({
      name,
      required: !(field as z.ZodType).safeParse(undefined).success,
      schema: json,
      ...(description ? { description } : {}),
    });
  });
  return applyDecorators(
    ...params,
    ApiProblem(400, 'A parameter is invalid or unknown: `errors` names each one'),
  );
}

/** A path parameter, with the zod schema it is parsed with. */
export function ApiZodParam(name: string, schema: z.ZodType, description: string) {
  return applyDecorators(
    ApiParam({ name, description, schema: convert(schema, 'input') }),
    ApiProblem(400, `\`${name}\` is malformed`),
  );
}

interface ResponseOptions {
  description: string;
  example?: unknown;
  contentType?: string;
  headers?: Record<string, { description: string; schema?: JsonObject }>;
}

/** A success answer whose body is the published response schema. */
export function ApiZodResponse(status: number, schema: z.ZodType, options: ResponseOptions) {
  const id = idOf(responseSchemas, schema, 'response');
  return respond(status, options, {
    schema: { $ref: REF(id) },
    ...(options.example === undefined ? {} : { example: options.example }),
  });
}

/** A success answer that is not JSON (CSV, Atom, Prometheus text), or has no body. */
export function ApiRawResponse(
  status: number,
  options: Omit<ResponseOptions, 'example'> & { example?: string },
) {
  return respond(
    status,
    options,
    options.contentType
      ? {
          schema: { type: 'string' },
          ...(options.example === undefined ? {} : { example: options.example }),
        }
      : undefined,
  );
}

/** The CSV form of a list or report, answered for Accept: text/csv. */
export function ApiCsvResponse(description: string) {
  return ApiRawResponse(200, {
    contentType: 'text/csv',
    description,
    headers: { 'Content-Disposition': { description: 'attachment; filename=…' } },
  });
}

const API_RESPONSE = 'swagger/apiResponse';

// One status may answer several media types (JSON, or CSV with Accept: text/csv): swagger's own
// merge keeps only the last `content`, so the media types and headers are merged here.
function respond(status: number, options: ResponseOptions, media: JsonObject | undefined) {
  return (target: object, key: string | symbol, descriptor: PropertyDescriptor) => {
    const existing = (
      Reflect.getMetadata(API_RESPONSE, descriptor.value as object) as
        Record<string, { content?: JsonObject; headers?: JsonObject }> | undefined
    )?.[status];
    const content = {
      ...existing?.content,
      ...(media ? { [options.contentType ?? 'application/json']: media } : {}),
    };
    const headers = { ...existing?.headers, ...withStringSchemas(options.headers ?? {}) };
    return ApiResponse({
      status,
      description: options.description,
      ...(Object.keys(content).length ? { content } : {}),
      ...(Object.keys(headers).length ? { headers } : {}),
    } as never)(target, key, descriptor);
  };
}

function withStringSchemas(headers: NonNullable<ResponseOptions['headers']>) {
  return Object.fromEntries(
    Object.entries(headers).map(([name, h]) => [
      name,
      { description: h.description, schema: h.schema ?? { type: 'string' } },
    ]),
  );
}

const TAGS: Array<[string, string]> = [
  ['api-keys', 'Who may call Herald: keys with roles, shown once, stored hashed'],
  ['tenants', 'The tenants to notify and their contacts'],
  ['incidents', 'Incident intake, affected tenants and their deadlines'],
  ['notices', 'Customer-facing notices: drafts, four-eyes review, previews'],
  ['deliveries', 'Every email and dashboard post, with proof'],
  ['tenant feed', "A tenant's sent notices as JSON Feed and Atom"],
  ['compliance', 'Deadlines met, missed and pending, per incident and across incidents'],
  ['audit', 'The append-only, hash-chained log of every change'],
  ['regulations', 'The notification rules Herald applies'],
  ['operations', 'Health and metrics for the platform that runs Herald'],
];

/** The whole OpenAPI document of this app, served at /docs-json. */
export function buildOpenApiDocument(app: INestApplication): OpenAPIObject {
  const builder = new DocumentBuilder()
    .setTitle('Herald')
    .setDescription(
      'Notify tenants of security incidents: affected tenants, regulatory deadlines, reviewed notices, delivery with proof. ' +
        'Every error is application/problem+json (RFC 9457); lists are paged with `limit` and `cursor` and answer `{items, nextCursor}`.',
    )
    .setVersion('1')
    .setLicense('Apache-2.0', 'https://www.apache.org/licenses/LICENSE-2.0')
    .addServer('/', 'The Herald that serves this document')
    .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'An API key' }, 'bearer');
  for (const [name, description] of TAGS) builder.addTag(name, description);
  const document = SwaggerModule.createDocument(app, builder.build(), {
    operationIdFactory: (controller, method) =>
      `${controller.replace(/Controller$/, '')}_${method}`,
  });
  document.components = {
    ...document.components,
    schemas: {
      ...document.components?.schemas,
      ...components(requestSchemas, 'input'),
      ...components(responseSchemas, 'output'),
    },
  };
  for (const item of Object.values(document.paths)) {
    for (const op of Object.values(item) as Array<{ responses?: Record<string, unknown> }>) {
      if (!op || typeof op !== 'object' || !op.responses) continue;
      // Any route can fail unexpectedly: the problem filter answers 500 with an errorId.
      op.responses['500'] ??= problemResponse(
        500,
        'An unexpected error; `errorId` is also in the log',
      );
    }
  }
  return document;
}

/** A sha256 digest as Herald answers it: 64 lowercase hex characters. */
export const sha256Hex = () => z.string().regex(/^[0-9a-f]{64}$/);

/** A timestamp as Herald answers it: ISO-8601 in UTC with `Z` (docs/api.md). */
export const timestamp = () => z.iso.datetime();

/** A published list page: `{items, nextCursor}`; nextCursor null on the last page. */
export function pageSchema<T extends z.ZodType>(id: string, item: T, description?: string) {
  return responseSchema(
    id,
    z.object({
      items: z.array(item),
      nextCursor: z
        .string()
        .nullable()
        .meta({ description: 'Pass as `cursor` for the next page; null on the last page' }),
    }),
    description,
  );
}
