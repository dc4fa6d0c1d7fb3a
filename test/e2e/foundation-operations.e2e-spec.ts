import { RedisService } from '../../src/database/redis.service.js';
import { bearer, startTestApp, TestApp } from '../support/test-app.js';

// Issue 2: probes, Prometheus metrics and the published OpenAPI document.

/** Every /v1 operation of docs/api.md (the HTTP contract), as OpenAPI path templates. */
const CONTRACT: Array<[method: string, path: string]> = [
  ['post', '/v1/api-keys'],
  ['delete', '/v1/api-keys/{id}'],
  ['put', '/v1/tenants/{id}'],
  ['post', '/v1/tenants/bulk'],
  ['get', '/v1/tenants/{id}'],
  ['put', '/v1/tenants/{id}/contacts'],
  ['post', '/v1/incidents'],
  ['get', '/v1/incidents/{id}'],
  ['patch', '/v1/incidents/{id}'],
  ['get', '/v1/incidents/{id}/tenants'],
  ['get', '/v1/incidents/{id}/notices'],
  ['post', '/v1/incidents/{id}/notices'],
  ['get', '/v1/notices/{id}'],
  ['get', '/v1/notices/{id}/preview'],
  ['patch', '/v1/notices/{id}'],
  ['post', '/v1/notices/{id}/approve'],
  ['post', '/v1/notices/{id}/reject'],
  ['get', '/v1/deliveries'],
  ['get', '/v1/tenants/{id}/feed'],
  ['get', '/v1/tenants/{id}/feed.atom'],
  ['get', '/v1/incidents/{id}/compliance'],
  ['get', '/v1/audit/events'],
  ['get', '/v1/audit/verify'],
];

interface OpenApiDocument {
  openapi: string;
  info: { title: string; version: string };
  paths: Record<
    string,
    Record<
      string,
      { responses?: Record<string, unknown>; operationId?: string; security?: unknown[] }
    >
  >;
  components?: Record<string, Record<string, unknown>>;
}

const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options', 'trace'];

/** Every "$ref" in the document, with where it was found. */
function refs(
  node: unknown,
  at = '#',
  out: Array<{ ref: string; at: string }> = [],
): Array<{ ref: string; at: string }> {
  if (Array.isArray(node)) node.forEach((v, i) => refs(v, `${at}/${i}`, out));
  else if (node && typeof node === 'object') {
    for (const [k, v] of Object.entries(node)) {
      if (k === '$ref' && typeof v === 'string') out.push({ ref: v, at });
      else refs(v, `${at}/${k}`, out);
    }
  }
  return out;
}

// JSON Schema keywords an OpenAPI 3.0 schema object does not allow (they came with 3.1).
const NOT_IN_OPENAPI_30 = [
  'const',
  'propertyNames',
  'prefixItems',
  '$schema',
  '$defs',
  'unevaluatedProperties',
  'dependentRequired',
  'examples',
  'if',
  'then',
];

/** Where a schema below `node` uses something OpenAPI 3.0 does not have. */
function openApi30Problems(node: unknown, at: string, out: string[] = []): string[] {
  if (Array.isArray(node)) node.forEach((v, i) => openApi30Problems(v, `${at}/${i}`, out));
  else if (node && typeof node === 'object') {
    const schema = node as Record<string, unknown>;
    if (Array.isArray(schema.type) || schema.type === 'null')
      out.push(`${at}: type ${JSON.stringify(schema.type)}`);
    if (typeof schema.exclusiveMinimum === 'number' || typeof schema.exclusiveMaximum === 'number')
      out.push(`${at}: numeric exclusive bound`);
    for (const keyword of NOT_IN_OPENAPI_30) if (keyword in schema) out.push(`${at}: ${keyword}`);
    for (const [k, v] of Object.entries(schema))
      if (k !== 'enum' && k !== 'default' && k !== 'example')
        openApi30Problems(v, `${at}/${k}`, out);
  }
  return out;
}

/** Every schema object of the document: request bodies, responses, parameters and components. */
function schemas(doc: OpenApiDocument): Array<[string, unknown]> {
  const out: Array<[string, unknown]> = Object.entries(doc.components?.schemas ?? {}).map(
    ([name, s]) => [`#/components/schemas/${name}`, s],
  );
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(item as Record<string, Record<string, unknown>>)) {
      const body = op.requestBody as { content?: Record<string, { schema?: unknown }> } | undefined;
      for (const [type, media] of Object.entries(body?.content ?? {}))
        out.push([`${method} ${path} body ${type}`, media.schema]);
      for (const [status, response] of Object.entries(
        (op.responses ?? {}) as Record<string, { content?: Record<string, { schema?: unknown }> }>,
      )) {
        for (const [type, media] of Object.entries(response.content ?? {}))
          out.push([`${method} ${path} ${status} ${type}`, media.schema]);
      }
      for (const param of (op.parameters ?? []) as Array<{ name: string; schema?: unknown }>)
        out.push([`${method} ${path} ?${param.name}`, param.schema]);
    }
  }
  return out;
}

function resolvePointer(doc: unknown, ref: string): unknown {
  if (!ref.startsWith('#/')) return undefined;
  return ref
    .slice(2)
    .split('/')
    .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce<unknown>(
      (node, key) =>
        node && typeof node === 'object' ? (node as Record<string, unknown>)[key] : undefined,
      doc,
    );
}

describe('foundation: operations', () => {
  let t: TestApp;
  let doc: OpenApiDocument;

  beforeAll(async () => {
    t = await startTestApp();
    doc = (await t.http.get('/docs-json')).body as OpenApiDocument;
  });
  afterAll(async () => {
    await t.close();
  });

  it('should answer live and ready without a key when Postgres and Redis are up', async () => {
    const live = await t.http.get('/health/live');
    expect(live.status).toBe(200);
    expect(live.body).toEqual({ status: 'ok' });
    const ready = await t.http.get('/health/ready');
    expect(ready.status).toBe(200);
    expect(ready.body).toEqual({ status: 'ok', checks: { postgres: 'up', redis: 'up' } });
  });

  it('should serve Prometheus text with herald_ metrics when scraped', async () => {
    await t.http.get('/v1/regulations').set(bearer(t.adminKey));
    const res = await t.http.get('/metrics');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = res.text;
    for (const name of [
      'herald_http_requests_total',
      'herald_http_request_duration_seconds',
      'herald_deliveries_total',
      'herald_process_resident_memory_bytes',
    ]) {
      expect(text).toContain(`# TYPE ${name} `);
    }
    expect(text).toMatch(
      /^herald_http_requests_total\{method="GET",route="\/v1\/regulations",status="200"\} [1-9]\d*$/m,
    );
    // Every sample line is "name{labels} value": what a Prometheus scraper parses.
    const samples = text.split('\n').filter((l) => l && !l.startsWith('#'));
    expect(samples.length).toBeGreaterThan(20);
    for (const line of samples)
      expect(line).toMatch(/^[a-zA-Z_:][a-zA-Z0-9_:]*(\{.*\})? ([-+0-9.eE]+|NaN|[+-]Inf)$/);
  });

  it('should publish an OpenAPI 3 document whose references all resolve', () => {
    expect(doc.openapi).toMatch(/^3\.[01]\.\d+$/);
    expect(doc.info).toMatchObject({ title: 'Herald', version: expect.any(String) });
    expect(doc.components?.securitySchemes).toBeDefined();
    const operationIds = new Set<string>();
    for (const [path, item] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(item)) {
        if (!HTTP_METHODS.includes(method)) continue;
        expect({ path, method, responses: Object.keys(op.responses ?? {}).length > 0 }).toEqual({
          path,
          method,
          responses: true,
        });
        if (op.operationId) {
          expect(operationIds.has(op.operationId)).toBe(false);
          operationIds.add(op.operationId);
        }
      }
    }
    const unresolved = refs(doc).filter((r) => resolvePointer(doc, r.ref) === undefined);
    expect(unresolved).toEqual([]);
  });

  it('should use only OpenAPI 3.0 schema objects when the document says 3.0', () => {
    expect(doc.openapi).toMatch(/^3\.0\./);
    const all = schemas(doc);
    expect(all.length).toBeGreaterThan(10);
    expect(all.flatMap(([where, schema]) => openApi30Problems(schema, where))).toEqual([]);
  });

  it.each(CONTRACT)('should list %s %s of docs/api.md in the OpenAPI document', (method, path) => {
    expect(Object.keys(doc.paths[path] ?? {})).toContain(method);
  });

  it('should document the bearer key on /v1 routes and the request body of intake', () => {
    const intake = doc.paths['/v1/incidents'].post as Record<string, unknown>;
    expect(intake.security).toEqual(
      expect.arrayContaining([expect.objectContaining({ bearer: [] })]),
    );
    const body = (intake.requestBody as { content: Record<string, { schema: { $ref: string } }> })
      .content['application/json'].schema;
    // The body is a component generated from the schema that validates it.
    expect(body).toEqual({ $ref: '#/components/schemas/CreateIncidentBody' });
    const schema = resolvePointer(doc, body.$ref) as {
      properties: Record<string, unknown>;
      required: string[];
    };
    expect(Object.keys(schema.properties)).toEqual(
      expect.arrayContaining(['externalId', 'awareAt', 'dataImpact', 'scope']),
    );
    expect(schema.required).toEqual(
      expect.arrayContaining([
        'externalId',
        'title',
        'severity',
        'phase',
        'awareAt',
        'description',
        'dataImpact',
        'scope',
      ]),
    );
  });

  it('should serve Swagger UI as HTML at /docs without a key', async () => {
    const res = await t.http.get('/docs').redirects(1);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toContain('text/html');
    expect(res.text).toContain('swagger-ui');
    const init = await t.http.get('/docs/swagger-ui-init.js');
    expect(init.status).toBe(200);
    expect(init.text).toContain('"openapi"');
  });

  // Last: it takes the app's own Redis connection down.
  it('should answer 503 on ready but 200 on live when Redis stops answering', async () => {
    t.app.get(RedisService).client.disconnect();
    const ready = await t.http.get('/health/ready');
    expect(ready.status).toBe(503);
    expect(ready.body).toEqual({
      status: 'unavailable',
      checks: { postgres: 'up', redis: 'down' },
    });
    expect((await t.http.get('/health/live')).status).toBe(200);
    // The rate limiter falls back to counting in this process: the API keeps answering.
    const tenant = await t.http.get('/v1/regulations').set(bearer(t.adminKey));
    expect(tenant.status).toBe(200);
  });
});
