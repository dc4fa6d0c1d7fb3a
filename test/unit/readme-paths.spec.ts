import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';

// The README's architecture walk names real files: a rename that forgets it fails here.
const ROOT = resolve(__dirname, '../..');

describe('README', () => {
  const readme = readFileSync(resolve(ROOT, 'README.md'), 'utf8');
  const named = [
    ...new Set(
      [...readme.matchAll(/`((?:src|test|scripts|migrations|docs)\/[^`\s*]+\.[a-z]+)`/g)].map(
        (m) => m[1],
      ),
    ),
  ];

  it('should name source files in its architecture walk', () => {
    expect(named.length).toBeGreaterThan(30);
  });

  it.each(named)('should name %s, which exists', (path) => {
    expect(existsSync(resolve(ROOT, path))).toBe(true);
  });
});
