// Builds and runs the real-code evaluation (test/corpus/score.ts) against a local folder of public
// model files laid out as test/corpus/README.md says. Arguments pass through:
//   node scripts/corpus.mjs /work/corpus/files              score table
//   node scripts/corpus.mjs /work/corpus/files --fuzz 400   seeded fuzzing of mutated copies
import * as esbuild from 'esbuild';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

// The fuzz mode runs the analyzer in dist/analyze.worker.js, and the grammars are read from dist/.
if (!existsSync('dist/analyze.worker.js') || !existsSync('dist/tree-sitter-python.wasm')) {
  const built = spawnSync(process.execPath, ['esbuild.mjs'], { stdio: 'inherit' });
  if (built.status !== 0) process.exit(built.status ?? 1);
}
await esbuild.build({
  entryPoints: ['test/corpus/score.ts'],
  outfile: 'out/corpus/score.js',
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  packages: 'external',
  sourcemap: 'linked',
  logLevel: 'warning',
});
const run = spawnSync(process.execPath, ['--enable-source-maps', 'out/corpus/score.js', ...process.argv.slice(2)], { stdio: 'inherit' });
process.exit(run.status ?? 1);
