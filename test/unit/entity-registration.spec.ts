import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { resolve } from 'node:path';

// No central list of entities: each feature's module registers its own with
// TypeOrmModule.forFeature, and the app's data source loads them (autoLoadEntities). An
// entity its module forgets would be missing from the app (the CLI's glob would still see it).
const SRC = resolve(__dirname, '../../src');

const entities = readdirSync(SRC, { withFileTypes: true })
  .filter((d) => d.isDirectory() && existsSync(resolve(SRC, d.name, 'entities')))
  .flatMap((d) =>
    readdirSync(resolve(SRC, d.name, 'entities'))
      .filter((f) => f.endsWith('.entity.ts'))
      .flatMap((f) => {
        const source = readFileSync(resolve(SRC, d.name, 'entities', f), 'utf8');
        return [...source.matchAll(/@Entity\([^]*?export class (\w+)/g)].map(
          (m) => [d.name, m[1]] as const,
        );
      }),
  );

describe('entity registration', () => {
  it('should find the entities', () => {
    expect(entities.length).toBeGreaterThan(10);
  });

  it.each(entities)('should register %s/%s in its module with forFeature', (feature, entity) => {
    const module = readFileSync(resolve(SRC, feature, `${feature}.module.ts`), 'utf8');
    const forFeature = /TypeOrmModule\.forFeature\(\[([^\]]*)\]\)/.exec(module);
    expect(forFeature?.[1].split(',').map((s) => s.trim())).toContain(entity);
  });
});
