// `npm run build:ui`: bundles the dashboard (ui/, TypeScript + Preact + uPlot) into dist-ui/ — one script, one
// stylesheet and the page — which the gateway serves under /ui/. npm start, npm test and npm run build run it.
import { copyFileSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { repoRoot } from '../lib/paths.ts';

export const UI_OUT_DIR = join(repoRoot, 'dist-ui');

export async function buildUi(outDir = UI_OUT_DIR): Promise<void> {
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  await build({
    entryPoints: { main: join(repoRoot, 'ui/src/main.tsx') },
    outdir: outDir,
    bundle: true,
    minify: true,
    format: 'esm',
    target: 'es2022',
    jsx: 'automatic',
    jsxImportSource: 'preact',
    logLevel: 'warning',
    legalComments: 'none',
  });
  copyFileSync(join(repoRoot, 'ui/index.html'), join(outDir, 'index.html'));
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await buildUi();
