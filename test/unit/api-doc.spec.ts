import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

// docs/api.md (the HTTP contract, and what Herald publishes beside it) and the OpenAPI document
// stay in step. The document is read through the client types generated from it
// (clients/typescript/herald-api.d.ts, which `npm run openapi:check` keeps equal to it).
const ROOT = resolve(__dirname, '../..');
const METHODS = ['get', 'put', 'post', 'delete', 'patch'] as const;

/** "get /v1/incidents/{id}" for every operation the generated `paths` interface declares. */
function publishedOperations(): Set<string> {
  const types = readFileSync(resolve(ROOT, 'clients/typescript/herald-api.d.ts'), 'utf8');
  const body = types.slice(types.indexOf('export interface paths {'));
  const out = new Set<string>();
  for (const block of body.split(/\n {4}"(?=\/)/).slice(1)) {
    const path = block.slice(0, block.indexOf('"'));
    const end = block.indexOf('\n    };');
    for (const method of METHODS) {
      if (new RegExp(`\\n {8}${method}: operations`).test(block.slice(0, end)))
        out.add(`${method} ${path}`);
    }
  }
  return out;
}

/** Every `METHOD /path` the page names, and whether it stands in the Additions part. */
function documentedOperations(): Array<{ op: string; planned: boolean }> {
  const doc = readFileSync(resolve(ROOT, 'docs/api.md'), 'utf8');
  const additions = doc.indexOf('## Additions');
  const next = doc.indexOf('\n## ', additions + 1);
  return [...doc.matchAll(/`(GET|PUT|POST|DELETE|PATCH) (\/[^\s`?]*)/g)].map((m) => ({
    op: `${m[1].toLowerCase()} ${m[2]}`,
    planned: m.index > additions && m.index < next,
  }));
}

// Served by Swagger itself, not an operation of the document.
const NOT_IN_DOCUMENT = new Set(['get /docs-json']);

describe('docs/api.md and the OpenAPI document', () => {
  const published = publishedOperations();
  const documented = documentedOperations();

  it('should read the operations of both', () => {
    expect(published.size).toBeGreaterThan(20);
    expect(published).toContain('post /v1/incidents');
    expect(documented.length).toBeGreaterThan(20);
  });

  it('should publish every operation the page names when it is not a planned addition', () => {
    const missing = documented
      .filter((d) => !d.planned && !NOT_IN_DOCUMENT.has(d.op) && !published.has(d.op))
      .map((d) => d.op);
    expect([...new Set(missing)]).toEqual([]);
  });

  it('should name on the page every operation the document publishes', () => {
    const named = new Set(documented.map((d) => d.op));
    expect([...published].filter((op) => !named.has(op))).toEqual([]);
  });
});
