// Checks the package as users get it: builds, runs `npm pack`, then on the tarball
//   1. publint (strict: warnings fail too),
//   2. @arethetypeswrong/cli with the node16 profile (node16 CJS, node16 ESM, bundler; node10 cannot see
//      subpath exports at all, so it is not a target),
//   3. a consumer project with the tarball installed: every subpath of "exports" loads with import() and
//      require() (same export names both ways), and type-checks under module node16 and node20 (.mts and
//      .cts files) and moduleResolution bundler.
// Exits non-zero on the first failing step. `--no-build` skips the build (CI builds just before).
import { execFileSync, spawnSync } from 'node:child_process';
import {
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { publint } from 'publint';
import { formatMessage } from 'publint/utils';

const root = resolve(import.meta.dirname, '..');
const require = createRequire(import.meta.url);
const bin = (pkg, file) => join(root, 'node_modules', pkg, file);
const work = mkdtempSync(join(tmpdir(), 'mqtt-connector-pack-'));
let failed = false;
// Subpaths whose types import an ESM-only peer (see checkTypes).
const ESM_PEER_SUBPATHS = new Set(['mqtt-connector/angular']);

function step(title) {
  console.log(`\n--- ${title}`);
}
function fail(message) {
  console.error(`FAIL: ${message}`);
  failed = true;
}
function run(command, args, options = {}) {
  const result = spawnSync(command, args, { cwd: root, encoding: 'utf8', ...options });
  return { ok: result.status === 0, out: `${result.stdout ?? ''}${result.stderr ?? ''}`.trim() };
}

try {
  if (!process.argv.includes('--no-build')) {
    step('build');
    execFileSync(process.execPath, [join(root, 'scripts/build.mjs')], { cwd: root, stdio: 'inherit' });
  }

  step('npm pack');
  const packed = JSON.parse(
    execFileSync('npm', ['pack', '--json', '--pack-destination', work], { cwd: root, encoding: 'utf8' }),
  );
  const tarball = join(work, packed[0].filename);
  console.log(`${packed[0].filename}: ${packed[0].entryCount} files, ${packed[0].size} bytes packed`);

  step('publint (strict)');
  const bytes = readFileSync(tarball);
  const lint = await publint({
    pack: { tarball: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) },
    strict: true,
  });
  for (const message of lint.messages) console.log(`${message.type}: ${formatMessage(message, lint.pkg)}`);
  if (lint.messages.some((m) => m.type !== 'suggestion')) fail('publint reported errors or warnings');
  else console.log(`ok (${lint.messages.length} suggestions)`);

  step('are the types wrong (profile node16)');
  const attw = run(process.execPath, [
    bin('@arethetypeswrong/cli', 'dist/index.js'),
    tarball,
    '--profile',
    'node16',
    '--format',
    'table',
    '--no-color',
    '--no-emoji',
  ]);
  console.log(attw.out);
  if (!attw.ok) fail('attw found problems');

  step('consumer project');
  const consumer = installInConsumer(tarball);
  const subpaths = exportedSubpaths(consumer);
  console.log(`subpaths: ${subpaths.join(', ')}`);
  checkRuntime(consumer, subpaths);
  checkTypes(consumer, subpaths);
} finally {
  rmSync(work, { recursive: true, force: true });
}

if (failed) {
  console.error('\ncheck:package FAILED');
  process.exit(1);
}
console.log('\ncheck:package ok');

/** Unpacks the tarball as node_modules/mqtt-connector of a fresh project; its dependencies link to ours. */
function installInConsumer(tarball) {
  const dir = join(work, 'consumer');
  const modules = join(dir, 'node_modules');
  mkdirSync(modules, { recursive: true });
  execFileSync('tar', ['-xzf', tarball, '-C', work]);
  execFileSync('mv', [join(work, 'package'), join(modules, 'mqtt-connector')]);
  for (const entry of readdirSync(join(root, 'node_modules'))) {
    if (entry === 'mqtt-connector' || entry.startsWith('.')) continue;
    symlinkSync(join(root, 'node_modules', entry), join(modules, entry));
  }
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'consumer', private: true }));
  return dir;
}

/** "mqtt-connector", "mqtt-connector/angular", ... from the packed package.json (package.json itself aside). */
function exportedSubpaths(dir) {
  const pkg = JSON.parse(readFileSync(join(dir, 'node_modules/mqtt-connector/package.json'), 'utf8'));
  return Object.keys(pkg.exports)
    .filter((key) => key !== './package.json' && !key.includes('*'))
    .map((key) => (key === '.' ? pkg.name : `${pkg.name}/${key.slice(2)}`));
}

/** Each subpath loads with import() and require(), and both give the same export names. */
function checkRuntime(dir, subpaths) {
  for (const spec of subpaths) {
    const esm = run(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `const m = await import(${JSON.stringify(spec)}); console.log(JSON.stringify(Object.keys(m).filter((k) => k !== 'default').sort()));`,
      ],
      { cwd: dir },
    );
    const cjs = run(
      process.execPath,
      [
        '--no-warnings',
        '-e',
        `console.log(JSON.stringify(Object.keys(require(${JSON.stringify(spec)})).filter((k) => k !== '__esModule' && k !== 'default').sort()));`,
      ],
      { cwd: dir },
    );
    if (!esm.ok) fail(`import(${spec}) failed:\n${esm.out}`);
    if (!cjs.ok) fail(`require(${spec}) failed:\n${cjs.out}`);
    if (!esm.ok || !cjs.ok) continue;
    const last = (text) => text.split('\n').pop();
    if (last(esm.out) !== last(cjs.out)) fail(`${spec}: import() and require() export different names`);
    else console.log(`ok  import + require  ${spec}  (${JSON.parse(last(esm.out)).length} exports)`);
  }
}

/**
 * Type-checks imports of every subpath under node16 (ESM and CJS files), node20 and bundler resolution.
 * A CommonJS file can only import `mqtt-connector/angular` where require() of ES modules exists (Node
 * >= 20.19, TypeScript `module: node20`/`nodenext`), because `@angular/core` itself is ESM-only: under
 * node16 that import is checked from ESM only, exactly as it is for `@angular/core`.
 */
function checkTypes(dir, subpaths) {
  const importsOf = (specs) =>
    specs.map((spec, i) => `import * as entry${i} from '${spec}';\nvoid entry${i};\n`).join('');
  writeFileSync(join(dir, 'esm.mts'), importsOf(subpaths));
  writeFileSync(join(dir, 'cjs.cts'), importsOf(subpaths));
  writeFileSync(
    join(dir, 'cjs-node16.cts'),
    importsOf(subpaths.filter((spec) => !ESM_PEER_SUBPATHS.has(spec))),
  );
  writeFileSync(join(dir, 'bundler.ts'), importsOf(subpaths));
  const common = {
    strict: true,
    noEmit: true,
    skipLibCheck: false,
    target: 'ES2022',
    lib: ['ES2022', 'DOM'],
    types: ['node'],
  };
  const configs = {
    'tsconfig.node16.json': {
      compilerOptions: { ...common, module: 'node16', moduleResolution: 'node16' },
      files: ['esm.mts', 'cjs-node16.cts'],
    },
    'tsconfig.node20.json': {
      compilerOptions: { ...common, module: 'node20', moduleResolution: 'node16' },
      files: ['esm.mts', 'cjs.cts'],
    },
    'tsconfig.bundler.json': {
      compilerOptions: { ...common, module: 'esnext', moduleResolution: 'bundler' },
      files: ['bundler.ts'],
    },
  };
  const tsc = require.resolve('typescript/bin/tsc');
  for (const [file, config] of Object.entries(configs)) {
    writeFileSync(join(dir, file), JSON.stringify(config, null, 2));
    const result = run(process.execPath, [tsc, '-p', file], { cwd: dir });
    if (!result.ok) fail(`tsc -p ${file} failed:\n${result.out}`);
    else console.log(`ok  tsc ${file} (${config.files.join(', ')})`);
  }
}
