import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

// The boundary rules (.dependency-cruiser.cjs, run by `npm run lint`) must fail on each kind
// of violation: each case writes a throwaway file into src/, cruises it, and removes it.
const ROOT = resolve(__dirname, '../..');
const CRUISER = resolve(ROOT, 'node_modules/.bin/depcruise');

interface Cruise {
  status: number | null;
  output: string;
}

function cruise(paths: string[], extra: string[] = []): Cruise {
  const run = spawnSync(
    CRUISER,
    [...paths, '--config', '.dependency-cruiser.cjs', '--output-type', 'err', ...extra],
    { cwd: ROOT, encoding: 'utf8' },
  );
  return { status: run.status, output: `${run.stdout}${run.stderr}` };
}

/** Writes `files` (path relative to the repository → source), cruises them alone, removes them. */
function cruiseThrowaway(files: Record<string, string>): Cruise {
  const tag = randomBytes(4).toString('hex');
  const written = Object.entries(files).map(([path, source]) => {
    const file = resolve(ROOT, path.replace('TAG', tag));
    return { file, source: source.replaceAll('TAG', tag) };
  });
  const folders = new Set<string>();
  try {
    for (const { file, source } of written) {
      folders.add(dirname(file));
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, source);
    }
    // Only the throwaway files' own imports: the rest of the tree is cruised by the clean run.
    return cruise(
      written.map((w) => w.file),
      ['--do-not-follow', '.'],
    );
  } finally {
    for (const { file } of written) rmSync(file, { force: true });
    for (const folder of folders)
      if (folder.includes(tag)) rmSync(folder, { recursive: true, force: true });
  }
}

describe('boundary rules (npm run lint:boundaries)', () => {
  it('should fail when a feature imports a feature above it', () => {
    const result = cruiseThrowaway({
      'src/incidents/probe-TAG.ts':
        "import { DeliveriesService } from '../delivery/deliveries.service.js';\nexport const probe = DeliveriesService;\n",
    });
    expect(result.status).not.toBe(0);
    expect(result.output).toContain('floor-incidents');
    expect(result.output).toContain('src/delivery/deliveries.service.ts');
  });

  it('should fail when a feature imports one on its own floor', () => {
    const result = cruiseThrowaway({
      'src/tenants/probe-TAG.ts':
        "import { RegulationsService } from '../regulations/regulations.service.js';\nexport const probe = RegulationsService;\n",
    });
    expect(result.status).not.toBe(0);
    expect(result.output).toContain('floor-tenants');
  });

  it('should fail when a domain file imports a framework or the file system', () => {
    const result = cruiseThrowaway({
      'src/notices/domain/probe-TAG.ts': [
        "import { Injectable } from '@nestjs/common';",
        "import { DataSource } from 'typeorm';",
        "import { readFileSync } from 'node:fs';",
        'export const probe = [Injectable, DataSource, readFileSync];',
        '',
      ].join('\n'),
    });
    expect(result.status).not.toBe(0);
    const lines = result.output.split('\n').filter((l) => l.includes('domain-is-pure'));
    expect(lines.some((l) => l.includes('@nestjs/common'))).toBe(true);
    expect(lines.some((l) => l.includes('typeorm'))).toBe(true);
    expect(lines.some((l) => /→ (node:)?fs/.test(l))).toBe(true);
  });

  it('should fail when src imports test', () => {
    const result = cruiseThrowaway({
      'src/common/probe-TAG.ts':
        "import { ManualClock } from '../../test/support/clock.js';\nexport const probe = ManualClock;\n",
    });
    expect(result.status).not.toBe(0);
    expect(result.output).toContain('src-never-imports-test');
  });

  it('should fail when src imports a folder that has no floor', () => {
    const result = cruiseThrowaway({
      'src/probe-TAG/thing.ts': 'export const thing = 1;\n',
      'src/common/probe-TAG.ts':
        "import { thing } from '../probe-TAG/thing.js';\nexport const probe = thing;\n",
    });
    expect(result.status).not.toBe(0);
    expect(result.output).toContain('floor-unknown-folder');
  });

  it('should fail on an import cycle', () => {
    const result = cruiseThrowaway({
      'src/common/probe-a-TAG.ts':
        "import { b } from './probe-b-TAG.js';\nexport const a = () => b;\n",
      'src/common/probe-b-TAG.ts':
        "import { a } from './probe-a-TAG.js';\nexport const b = () => a;\n",
    });
    expect(result.status).not.toBe(0);
    expect(result.output).toContain('no-circular');
  });

  it('should pass on the tree as it is', () => {
    const result = cruise(['src']);
    expect(result.output).toContain('no dependency violations found');
    expect(result.status).toBe(0);
  });
});
