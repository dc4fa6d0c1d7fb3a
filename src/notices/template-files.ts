import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { NoticeRenderer } from './domain/notice-renderer.js';
import { checkTemplates, TemplateFiles } from './domain/template-check.js';

// The templates folder is read from disk here, once at boot; checking and rendering
// (src/notices/domain) take what was read as plain data.

/** Every file below `root` (templates, partials, locale catalogs) and the folders that exist. */
export function readTemplateFiles(root: string): TemplateFiles {
  const files = new Map<string, string>();
  const folders = new Set<string>();
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      const rel = relative(root, path).split(sep).join('/');
      if (entry.isDirectory()) {
        folders.add(rel);
        walk(path);
      } else if (entry.isFile()) files.set(rel, readFileSync(path, 'utf8'));
    }
  };
  if (existsSync(root)) walk(root);
  return { root, files, folders };
}

/** Reads, checks and compiles `templatesDir`; throws a TemplateCheckError listing every problem. */
export function loadNoticeRenderer(templatesDir: string): NoticeRenderer {
  return NoticeRenderer.fromChecked(checkTemplates(readTemplateFiles(templatesDir)));
}
