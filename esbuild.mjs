// Builds every bundle NormScope ships, plus the test bundles: one place that knows the entry points.
//   node esbuild.mjs            extension host (node/cjs, `vscode` external), webview and report (browser/iife), CLI
//   node esbuild.mjs --tests    the above, plus every test/**/*.test.ts into out/unit/ (test/e2e excluded:
//                               it has its own runner) and every test/bench/*.bench.ts into out/bench/.
//                               Node 20's `node --test DIR` runs every .js under a folder named `test`,
//                               so the bundles must not live under one.
//   node esbuild.mjs --watch    rebuild on change
//   node esbuild.mjs --production  minified host and webview (gpu.js kernels keep their names)
import * as esbuild from 'esbuild';
import { existsSync, readdirSync, statSync, mkdirSync, copyFileSync, chmodSync } from 'node:fs';
import { join } from 'node:path';

const args = new Set(process.argv.slice(2));
const production = args.has('--production');
const withTests = args.has('--tests');
const watch = args.has('--watch');

// web-tree-sitter's ESM build reads import.meta.url, which a CJS bundle does not have: use its CJS build.
const alias = { 'web-tree-sitter': './node_modules/web-tree-sitter/tree-sitter.cjs' };

function walk(dir, pattern, out = []) {
  if (!existsSync(dir)) return out;
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) walk(path, pattern, out);
    else if (pattern.test(name)) out.push(path);
  }
  return out;
}

// The wasm grammars travel beside the bundles so the packaged extension and the CLI load them offline.
function copyWasm() {
  mkdirSync('dist', { recursive: true });
  copyFileSync('node_modules/web-tree-sitter/tree-sitter.wasm', 'dist/tree-sitter.wasm');
  copyFileSync('node_modules/tree-sitter-python/tree-sitter-python.wasm', 'dist/tree-sitter-python.wasm');
  // The PyTorch training monitor ships as the user will run it: one Python file beside the CLI.
  copyFileSync('src/python/normscope_monitor.py', 'dist/normscope_monitor.py');
}

const common = {
  bundle: true,
  sourcemap: production ? false : 'linked',
  logLevel: 'warning',
  alias,
  // gpu.js parses kernel sources with acorn: renamed identifiers inside kernels break them.
  keepNames: true,
};

const builds = [];
if (existsSync('src/extension.ts')) {
  builds.push({
    ...common,
    entryPoints: ['src/extension.ts'],
    outfile: 'dist/extension.js',
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    external: ['vscode', 'gl', 'webgpu'],
    minifyWhitespace: production,
    minifySyntax: production,
  });
}
if (existsSync('src/cli/main.ts')) {
  builds.push({
    ...common,
    entryPoints: ['src/cli/main.ts'],
    outfile: 'dist/cli.js',
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    external: ['gl', 'webgpu'],
    banner: { js: '#!/usr/bin/env node' },
  });
}
for (const entry of walk('src/node', /\.worker\.ts$/)) {
  builds.push({
    ...common,
    entryPoints: [entry],
    outdir: 'dist',
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    external: ['gl', 'webgpu'],
  });
}
if (existsSync('webview/main.ts')) {
  builds.push({
    ...common,
    entryPoints: ['webview/main.ts'],
    outfile: 'dist/webview.js',
    platform: 'browser',
    format: 'iife',
    target: 'es2022',
    external: ['gl', 'webgpu', 'fs', 'fs/promises', 'module', 'path', 'url'],
    minifyWhitespace: production,
    minifySyntax: production,
  });
}
// The self-contained HTML report inlines this bundle (src/report/html.ts reads it), so it is always minified.
if (existsSync('webview/report.ts')) {
  builds.push({
    ...common,
    entryPoints: ['webview/report.ts'],
    outfile: 'dist/report.js',
    platform: 'browser',
    format: 'iife',
    target: 'es2022',
    sourcemap: false,
    minify: true,
  });
}
if (withTests) {
  const testOptions = {
    ...common,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    // Tests use the installed packages as they are; only our own code is bundled.
    packages: 'external',
    alias: {},
    external: ['vscode'],
  };
  const units = walk('test', /\.test\.ts$/).filter((path) => !path.startsWith(join('test', 'e2e')));
  if (units.length > 0) builds.push({ ...testOptions, entryPoints: units, outdir: 'out/unit', outbase: 'test' });
  const benches = walk('test/bench', /\.bench\.ts$/);
  if (benches.length > 0) builds.push({ ...testOptions, entryPoints: benches, outdir: 'out/bench', outbase: 'test/bench' });
}

copyWasm();
if (watch) {
  for (const options of builds) (await esbuild.context(options)).watch();
  console.log(`watching ${builds.length} bundles`);
} else {
  const t0 = Date.now();
  await Promise.all(builds.map((options) => esbuild.build(options)));
  if (existsSync('dist/cli.js')) chmodSync('dist/cli.js', 0o755);
  console.log(`esbuild: ${builds.length} bundle(s) in ${Date.now() - t0} ms${withTests ? ` (tests: out/unit, benchmarks: out/bench)` : ''}`);
}
