import { resolve } from 'node:path';
import { existsSync } from 'node:fs';

// The source lives in src/config (tests) or dist/src/config (built): walk up to the folder
// that holds package.json, so templates/ and the rules file resolve the same way in both.
function findAppRoot(start: string): string {
  let dir = start;
  for (let i = 0; i < 6; i++) {
    if (existsSync(resolve(dir, 'package.json'))) return dir;
    dir = resolve(dir, '..');
  }
  return process.cwd();
}

export const APP_ROOT = findAppRoot(import.meta.dirname);
