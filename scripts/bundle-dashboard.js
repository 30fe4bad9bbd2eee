#!/usr/bin/env node
// @ts-check
'use strict';
/**
 * Part of `npm run build`, after `tsc -b`: bundles the dashboard's page (dashboard/page/main.ts,
 * uPlot and the style sheets) with esbuild into dashboard/dist/page/, which the dashboard serves
 * itself: no CDN, nothing fetched at run time. tsc -b type-checks the page (dashboard/page/tsconfig.json);
 * esbuild only strips the types and bundles.
 */
const { copyFileSync, mkdirSync } = require('node:fs');
const { join } = require('node:path');

const DASHBOARD = join(__dirname, '..', 'dashboard');
const OUT = join(DASHBOARD, 'dist', 'page');

let esbuild;
try {
  esbuild = require('esbuild');
} catch {
  process.stderr.write('bundle-dashboard: esbuild is not installed: run `npm ci` (it is a devDependency of dashboard/)\n');
  process.exit(1);
}
mkdirSync(OUT, { recursive: true });
esbuild.buildSync({
  entryPoints: { app: join(DASHBOARD, 'page', 'main.ts') },
  outdir: OUT,
  bundle: true,
  minify: true,
  sourcemap: true,
  format: 'iife',
  target: ['es2020', 'chrome100', 'firefox100', 'safari15'],
  logLevel: 'warning',
});
copyFileSync(join(DASHBOARD, 'page', 'index.html'), join(OUT, 'index.html'));
