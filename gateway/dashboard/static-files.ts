// The built UI (dist-ui/, made by `npm run build:ui`), read into memory once: a handful of small files, served by
// name from this fixed set, so no request path ever reaches the file system.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import { repoRoot } from '../../lib/paths.ts';

export const UI_DIR = join(repoRoot, 'dist-ui');

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
};

export interface UiFile {
  body: Buffer;
  type: string;
}

/** The built files by name; empty when the UI has not been built. */
export function loadUiFiles(dir = UI_DIR): Map<string, UiFile> {
  const files = new Map<string, UiFile>();
  if (!existsSync(dir)) return files;
  for (const name of readdirSync(dir)) {
    const type = TYPES[extname(name)];
    if (type) files.set(name, { body: readFileSync(join(dir, name)), type });
  }
  return files;
}
