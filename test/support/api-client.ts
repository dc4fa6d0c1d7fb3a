import createClient, { type Client } from 'openapi-fetch';
import type { Response as SupertestResponse } from 'supertest';
import type { components, paths } from '../../clients/typescript/herald-api.js';
import { OpenApiConformance } from './openapi-conformance.js';
import type { TestApp } from './test-app.js';

// The JSON answers (CSV, Atom and Prometheus text are read with parseAs: 'text').
type JsonMedia = 'application/json' | 'application/problem+json' | 'application/feed+json';

/** A client typed by the published document (clients/typescript/herald-api.d.ts). */
export type HeraldClient = Client<paths, JsonMedia>;

/** The document's schemas, e.g. `Schemas['CreateIncidentBody']`. */
export type Schemas = components['schemas'];

const conformances = new WeakMap<TestApp, Promise<OpenApiConformance>>();

/** The document this app serves at /docs-json, ready to hold answers to. */
export function conformanceOf(t: TestApp): Promise<OpenApiConformance> {
  let found = conformances.get(t);
  if (!found) {
    found = t.http.get('/docs-json').then((res) => {
      if (res.status !== 200) throw new Error(`GET /docs-json answered ${res.status}`);
      return new OpenApiConformance(
        res.body as ConstructorParameters<typeof OpenApiConformance>[0],
      );
    });
    conformances.set(t, found);
  }
  return found;
}

export function origin(t: TestApp): string {
  const address = t.app.getHttpServer().address() as { port: number } | string | null;
  if (!address || typeof address === 'string') throw new Error('the test app is not listening');
  return `http://127.0.0.1:${address.port}`;
}

/**
 * Calls the app as an incident system would, with types generated from the document: a request
 * or answer the document does not allow fails the type check, and every answer is also held to
 * the served document at run time (status, media type, body schema), so a test fails on drift.
 */
export async function apiClient(t: TestApp, key?: string): Promise<HeraldClient> {
  const conformance = await conformanceOf(t);
  const client = createClient<paths, JsonMedia>({
    baseUrl: origin(t),
    headers: key ? { Authorization: `Bearer ${key}` } : {},
  });
  client.use({
    async onResponse({ request, response, schemaPath }) {
      const type = response.headers.get('content-type') ?? '';
      const text = await response.clone().text();
      const body = text === '' ? undefined : /[/+]json\b/.test(type) ? JSON.parse(text) : text;
      conformance.check(request.method, schemaPath, response.status, type, body);
      return undefined;
    },
  });
  return client;
}

/** For supertest calls: holds one answer to the document the app serves. */
export async function expectConformant(t: TestApp, res: SupertestResponse): Promise<void> {
  const req = (res as unknown as { req: { method: string; path: string } }).req;
  const conformance = await conformanceOf(t);
  const path = decodeURI(req.path.split('?')[0]);
  const template = conformance.templateOf(req.method, path);
  if (!template) throw new Error(`${req.method} ${path}: the document has no such operation`);
  const type = String(res.headers['content-type'] ?? '');
  const body = /[/+]json\b/.test(type) ? (res.body as unknown) : res.text || undefined;
  conformance.check(req.method, template, res.status, type, body);
}
