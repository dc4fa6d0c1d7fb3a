import SwaggerParser from '@apidevtools/swagger-parser';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { APP_ROOT } from '../src/config/paths.js';

// Checks var/openapi.json (written by conformance-snapshot.ts from a running Herald) with tools
// Herald did not write: swagger-parser validates it, redocly lints it (no errors allowed), and
// the committed client types must be what openapi-typescript makes of it today.
export const DOCUMENT = resolve(APP_ROOT, 'var/openapi.json');
export const CLIENT_TYPES = resolve(APP_ROOT, 'clients/typescript/herald-api.d.ts');
const bin = (name: string) => resolve(APP_ROOT, 'node_modules/.bin', name);

/** openapi-typescript over the document, as `npm run openapi:types` runs it. */
export function generateTypes(document: string, output: string): void {
  const run = spawnSync(
    bin('openapi-typescript'),
    [document, '--output', output, '--default-non-nullable', 'false'],
    { stdio: ['ignore', 'ignore', 'inherit'] },
  );
  if (run.status !== 0) throw new Error(`openapi-typescript exited ${run.status}`);
}

async function main(): Promise<void> {
  const failures: string[] = [];
  const document: unknown = JSON.parse(readFileSync(DOCUMENT, 'utf8'));
  try {
    await SwaggerParser.validate(document as never);
    process.stdout.write('swagger-parser: valid\n');
  } catch (err) {
    failures.push(`swagger-parser: ${err instanceof Error ? err.message : String(err)}`);
  }
  // Redocly's CLI reports usage to its vendor unless told not to; CI talks to no one.
  const lint = spawnSync(bin('redocly'), ['lint', DOCUMENT, '--format', 'stylish'], {
    cwd: APP_ROOT,
    stdio: 'inherit',
    env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' },
  });
  if (lint.status !== 0) failures.push(`redocly lint exited ${lint.status}`);
  const fresh = join(mkdtempSync(join(tmpdir(), 'herald-types-')), 'herald-api.d.ts');
  generateTypes(DOCUMENT, fresh);
  if (readFileSync(fresh, 'utf8') !== readFileSync(CLIENT_TYPES, 'utf8')) {
    failures.push(
      'clients/typescript/herald-api.d.ts differs from the document: run `npm run openapi:types` and commit it',
    );
  } else {
    process.stdout.write('clients/typescript/herald-api.d.ts: matches the document\n');
  }
  if (failures.length > 0) {
    process.stderr.write(`OpenAPI check failed:\n  ${failures.join('\n  ')}\n`);
    process.exit(1);
  }
}

if (process.argv[2] === '--write-types') {
  generateTypes(DOCUMENT, CLIENT_TYPES);
  process.stdout.write('wrote clients/typescript/herald-api.d.ts\n');
} else {
  main().catch((err: unknown) => {
    process.stderr.write(
      `OpenAPI check failed: ${err instanceof Error ? err.stack : String(err)}\n`,
    );
    process.exit(1);
  });
}
