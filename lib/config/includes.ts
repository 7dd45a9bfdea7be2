// LiteLLM's `include:` — a config names other YAML files that are merged into it, as LiteLLM's proxy does: each entry
// is relative to the file that declares it (else to the root config), a list value (`model_list`) is extended and any
// other top-level value replaced, a file already read is not read again, and included files may include others.
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

/** Bounds a chain of includes whatever the files say. */
const MAX_INCLUDED_FILES = 64;

export interface ParsedFile {
  tree: unknown;
  /** Warnings about the file's YAML (e.g. a key written twice), without the file's name. */
  notes: string[];
}

const isMapping = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function includeEntries(tree: Record<string, unknown>, file: string): string[] {
  const entries = tree.include;
  if (entries === undefined || entries === null) return [];
  if (!Array.isArray(entries) || !entries.every((e) => typeof e === 'string' && e !== '')) {
    throw new Error(`${file}: include: expected a list of file paths`);
  }
  return entries as string[];
}

function locate(entry: string, declaredIn: string, root: string): string {
  const next = resolve(dirname(declaredIn), entry);
  const fromRoot = resolve(dirname(root), entry);
  return existsSync(next) || !existsSync(fromRoot) ? next : fromRoot;
}

/**
 * The root file's tree with every included file merged in, and the notes of each file read, prefixed with its name.
 * `read` parses one file (and throws on an unreadable or invalid one); errors here name the declaring file.
 */
export function mergeIncludes(root: string, rootFile: ParsedFile, read: (path: string) => ParsedFile): ParsedFile {
  const notes = rootFile.notes.map((n) => `${root}: ${n}`);
  if (!isMapping(rootFile.tree)) return { tree: rootFile.tree, notes };
  const merged: Record<string, unknown> = { ...rootFile.tree };
  const pending = includeEntries(merged, root).map((entry) => ({ entry, declaredIn: root }));
  delete merged.include;
  const loaded = new Set([resolve(root)]);
  while (pending.length > 0) {
    const { entry, declaredIn } = pending.shift()!;
    const path = locate(entry, declaredIn, root);
    if (loaded.has(path)) continue;
    if (loaded.size > MAX_INCLUDED_FILES) throw new Error(`${declaredIn}: include: more than ${MAX_INCLUDED_FILES} files`);
    loaded.add(path);
    const file = read(path);
    if (!isMapping(file.tree)) throw new Error(`${declaredIn}: include: ${entry} is not a mapping of sections`);
    notes.push(...file.notes.map((n) => `${path}: ${n}`));
    pending.push(...includeEntries(file.tree, path).map((e) => ({ entry: e, declaredIn: path })));
    for (const [key, value] of Object.entries(file.tree)) {
      if (key === 'include') continue;
      const base = merged[key];
      merged[key] = Array.isArray(base) && Array.isArray(value) ? [...base, ...value] : value;
    }
  }
  return { tree: merged, notes };
}
