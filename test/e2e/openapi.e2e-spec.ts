import { apiClient, conformanceOf } from '../support/api-client.js';
import { startTestApp, TestApp } from '../support/test-app.js';

interface Operation {
  operationId: string;
  security?: unknown[];
  requestBody?: unknown;
  parameters?: Array<{ in: string }>;
  responses: Record<string, { content?: Record<string, { schema?: { $ref?: string } }> }>;
}

// The tenant feed routes are documented by the feed's own change (issue 19, Atom and JSON Feed).
const FEED: string[] = [];

describe('the OpenAPI document', () => {
  let t: TestApp;
  let operations: Array<[string, string, Operation]>;
  let document: {
    servers: Array<{ url: string }>;
    info: { license: { name: string } };
    paths: Record<string, Record<string, Operation>>;
  };
  beforeAll(async () => {
    t = await startTestApp();
    document = (await t.http.get('/docs-json')).body;
    operations = Object.entries(document.paths).flatMap(([path, item]) =>
      Object.entries(item).map(([method, op]): [string, string, Operation] => [path, method, op]),
    );
  });
  afterAll(async () => {
    await t.close();
  });

  it('should name its servers and its licence when served', () => {
    expect(document.servers).toEqual([expect.objectContaining({ url: '/' })]);
    expect(document.info.license.name).toBe('Apache-2.0');
    expect(operations.length).toBeGreaterThan(25);
  });

  it('should give every operation a success answer with a schema or a media type', () => {
    for (const [path, method, op] of operations) {
      if (FEED.includes(op.operationId)) continue;
      const success = Object.keys(op.responses).filter((s) => /^2/.test(s));
      expect({ op: `${method} ${path}`, success: success.length > 0 }).toEqual({
        op: `${method} ${path}`,
        success: true,
      });
    }
  });

  it('should document the problems of every operation as problem+json', () => {
    for (const [path, method, op] of operations) {
      if (FEED.includes(op.operationId)) continue;
      const expected = [
        '500',
        ...(path.startsWith('/v1/') ? ['401', '403', '429'] : []),
        ...(op.requestBody ? ['400', '413', '415'] : []),
        ...(op.parameters?.some((p) => p.in !== 'header') ? ['400'] : []),
      ];
      for (const status of expected) {
        const schema = op.responses[status]?.content?.['application/problem+json']?.schema;
        expect({ op: `${method} ${path}`, status, schema }).toEqual({
          op: `${method} ${path}`,
          status,
          schema: { $ref: '#/components/schemas/Problem' },
        });
      }
      expect(op.security).toEqual(path.startsWith('/v1/') ? [{ bearer: [] }] : []);
    }
  });

  it('should refuse an answer with a field the document does not name', async () => {
    const conformance = await conformanceOf(t);
    const live = { status: 'ok' };
    expect(() =>
      conformance.check('get', '/health/live', 200, 'application/json', live),
    ).not.toThrow();
    expect(() =>
      conformance.check('get', '/health/live', 200, 'application/json', { ...live, extra: 1 }),
    ).toThrow(/does not match/);
    expect(() => conformance.check('get', '/health/live', 418, 'application/json', live)).toThrow(
      /not documented/,
    );
    expect(() => conformance.check('get', '/health/live', 200, 'text/html', '<p>ok</p>')).toThrow(
      /documented application\/json/,
    );
  });

  it('should find the operation a concrete path belongs to, a literal segment first', async () => {
    const conformance = await conformanceOf(t);
    expect(conformance.templateOf('post', '/v1/tenants/bulk')).toBe('/v1/tenants/bulk');
    expect(conformance.templateOf('put', '/v1/tenants/acme')).toBe('/v1/tenants/{id}');
    expect(conformance.templateOf('get', '/v1/notices/n-1/preview')).toBe(
      '/v1/notices/{id}/preview',
    );
    expect(conformance.templateOf('delete', '/v1/incidents/x')).toBeUndefined();
    expect(conformance.templateOf('get', '/v1/incidents/x/y/z')).toBeUndefined();
  });

  it('should answer a problem the document describes when a key is missing', async () => {
    const { response, error } = await (await apiClient(t)).GET('/v1/incidents');
    expect(response.status).toBe(401);
    expect(error).toMatchObject({ status: 401, title: 'Authentication required' });
  });
});
