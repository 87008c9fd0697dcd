// Builds dist/esm (ES modules) and dist/cjs (CommonJS), each with its own type declarations,
// so that `import`, `require` and TypeScript (node16 and bundler resolution) all resolve, for every
// subpath of the exports map (`.`, `./angular`, `./operators`, ...): each is a folder of src/.
import { execFileSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const tsc = require.resolve('typescript/bin/tsc');

rmSync('dist', { recursive: true, force: true });
const formats = [
  { dir: 'dist/esm', module: 'esnext', type: 'module' },
  { dir: 'dist/cjs', module: 'commonjs', type: 'commonjs' },
];
for (const { dir, module, type } of formats) {
  execFileSync(process.execPath, [tsc, '-p', 'tsconfig.build.json', '--module', module, '--outDir', dir], {
    stdio: 'inherit',
  });
  // Bundlers read `sideEffects` from the package.json nearest to each file, which is this one: without it,
  // webpack would keep every module of the library in an app that imports one operator.
  writeFileSync(`${dir}/package.json`, JSON.stringify({ type, sideEffects: false }) + '\n');
}
console.log('built dist/esm and dist/cjs');
