import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import { BROWSER_TEMPLATES } from './views.js';

const require = createRequire(import.meta.url);

export interface StaticAsset {
  type: string;
  body: Buffer;
}

// Served by Herald itself (no CDN): the CSP allows scripts and styles from 'self' only. One
// stylesheet for the console and the portal.
export const BROWSER_ASSETS: Record<string, StaticAsset> = {
  'htmx.min.js': {
    type: 'text/javascript; charset=utf-8',
    body: readFileSync(resolve(require.resolve('htmx.org'), '../htmx.min.js')),
  },
  'console.css': {
    type: 'text/css; charset=utf-8',
    body: readFileSync(resolve(BROWSER_TEMPLATES, 'console/static/console.css')),
  },
};

export function browserAsset(name: string): StaticAsset | undefined {
  return Object.hasOwn(BROWSER_ASSETS, name) ? BROWSER_ASSETS[name] : undefined;
}
