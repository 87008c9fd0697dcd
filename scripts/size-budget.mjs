// Bundle checks with esbuild (platform: 'browser'), failing on the first broken promise:
//   1. Browser safety: src/index.ts and src/angular/index.ts bundle for the browser with no Node builtin
//      anywhere (MQTT.js and RxJS included), and our own code uses no Node global (Buffer, process,
//      global, require, __dirname, __filename); the core never pulls in @angular.
//   2. Size budget: the connector's own code (rxjs and mqtt external), minified and gzipped, stays under
//      BUDGET_BYTES. The Angular entry's extra bytes and the whole browser bundle are reported too.
//   3. Tree-shaking, through the package's own exports (dist/esm, as bundlers see it): importing only an
//      operator does not pull in the connector or MQTT.js.
//   4. The README's figures (Browser and Angular → Size) match these measurements within 5 %: the README
//      states what this script measures, and CI fails when a change moves the numbers without it.
// `--no-build` skips the build step 3 needs (CI builds just before). `--json` prints the numbers as JSON.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { isBuiltin } from 'node:module';
import { join, relative, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

/**
 * Minified + gzipped bytes allowed for the connector's own code. Set at about 10 % over the size measured
 * then, and raised to 34,000 (7 % over 31,770) when the Node-only QoS 0 writer (direct-qos0.ts,
 * publish-frame.ts, about 1 KiB) came in; today's measurement is the one README.md states (checked below).
 */
const BUDGET_BYTES = 34_000;
/** How far (relative) a README figure may be from the measurement. */
const README_TOLERANCE = 0.05;

const root = resolve(import.meta.dirname, '..');
const NODE_GLOBALS = ['Buffer', 'process', 'global', 'require', '__dirname', '__filename'];
const MARK = '__node_global_';
const problems = new Set(); // a Set: the same import is met by several bundles
const report = {};

/** Keeps only src/angular in the bundle: what the Angular entry adds on top of the core. */
const onlyAngular = {
  name: 'only-angular',
  setup(esbuild) {
    esbuild.onResolve({ filter: /^\.\.\/(connector|streams|operators)\// }, (args) => ({
      path: args.path,
      external: true,
    }));
  },
};

/** Fails (and names the importer) when anything resolves to a Node builtin module. */
const noNodeBuiltins = {
  name: 'no-node-builtins',
  setup(esbuild) {
    esbuild.onResolve({ filter: /.*/ }, (args) => {
      if (!isBuiltin(args.path)) return undefined;
      problems.add(`${relative(root, args.importer)} imports the Node builtin "${args.path}"`);
      return { path: args.path, external: true };
    });
  },
};

function bundle(options) {
  return build({
    bundle: true,
    write: false,
    metafile: true,
    platform: 'browser',
    format: 'esm',
    target: 'es2022',
    minify: true,
    legalComments: 'none',
    logLevel: 'silent',
    absWorkingDir: root,
    ...options,
  });
}

/** The bytes of the single output, and the inputs that really contributed to it. */
function measure(result) {
  const text = result.outputFiles[0].contents;
  const output = Object.values(result.metafile.outputs)[0];
  const used = Object.entries(output.inputs)
    .filter(([, input]) => input.bytesInOutput > 0)
    .map(([path]) => path);
  return {
    min: text.byteLength,
    gzip: gzipSync(text, { level: 9 }).byteLength,
    used,
    output,
    text: result.outputFiles[0].text,
  };
}

async function browserSafety() {
  // The whole thing a browser app ships: MQTT.js's browser build and RxJS included.
  for (const entry of ['src/index.ts', 'src/angular/index.ts']) {
    const full = measure(
      await bundle({ entryPoints: [entry], plugins: [noNodeBuiltins], external: ['@angular/*'] }),
    );
    report[`${entry} with mqtt + rxjs`] = { min: full.min, gzip: full.gzip };
  }
  // Our own code: every free reference to a Node global becomes a marker that must not survive.
  const define = Object.fromEntries(NODE_GLOBALS.map((name) => [name, `${MARK}${name}`]));
  for (const entry of ['src/index.ts', 'src/angular/index.ts']) {
    const own = measure(
      await bundle({
        entryPoints: [entry],
        define,
        plugins: [noNodeBuiltins],
        external: ['mqtt', 'rxjs', 'rxjs/*', '@angular/*'],
      }),
    );
    for (const name of NODE_GLOBALS) {
      if (own.text.includes(`${MARK}${name}`))
        problems.add(`${entry}: our code uses the Node global "${name}"`);
    }
    const foreign = own.used.filter((path) => !path.startsWith('src/'));
    if (foreign.length > 0) problems.add(`${entry}: bundles files outside src/: ${foreign.join(', ')}`);
    const imports = own.output.imports.map((i) => i.path);
    if (entry === 'src/index.ts' && imports.some((path) => path.startsWith('@angular/'))) {
      problems.add('src/index.ts imports @angular: only src/angular may');
    }
    report[entry] = { min: own.min, gzip: own.gzip, files: own.used.length };
  }
}

async function sizeBudget() {
  const core = report['src/index.ts'];
  const angular = measure(
    await bundle({
      entryPoints: ['src/angular/index.ts'],
      plugins: [onlyAngular, noNodeBuiltins],
      external: ['@angular/*'],
    }),
  );
  const mqtt = measure(
    await bundle({ stdin: { contents: "import mqtt from 'mqtt'; console.log(mqtt);", resolveDir: root } }),
  );
  // What the Angular entry adds to an app that uses the connector: the same app with and without it.
  const app = "export { MqttConnector } from './src/index.ts';";
  const angularApp = `${app} export * from './src/angular/index.ts';`;
  const [without, withAngular] = await Promise.all(
    [app, angularApp].map(async (contents) =>
      measure(
        await bundle({
          stdin: { contents, resolveDir: root, loader: 'ts' },
          external: ['mqtt', 'rxjs', 'rxjs/*', '@angular/*'],
        }),
      ),
    ),
  );
  report['mqtt-connector/angular on its own'] = { min: angular.min, gzip: angular.gzip };
  report['mqtt-connector/angular added to an app'] = {
    min: withAngular.min - without.min,
    gzip: withAngular.gzip - without.gzip,
  };
  report['MQTT.js browser build on its own'] = { min: mqtt.min, gzip: mqtt.gzip };
  report.budget = { gzip: BUDGET_BYTES, used: core.gzip };
  if (core.gzip > BUDGET_BYTES) {
    problems.add(`the connector's own code is ${core.gzip} B min+gzip, over the budget of ${BUDGET_BYTES} B`);
  }
}

async function treeShaking() {
  const cases = {
    'retryBackoff from mqtt-connector':
      "import { retryBackoff } from 'mqtt-connector'; console.log(retryBackoff);",
    'every operator from mqtt-connector/operators':
      "import * as operators from 'mqtt-connector/operators'; console.log(operators);",
  };
  report.treeShaking = {};
  for (const [name, contents] of Object.entries(cases)) {
    const result = measure(
      await bundle({
        stdin: { contents, resolveDir: root, loader: 'ts' },
        external: ['mqtt', 'rxjs', 'rxjs/*'],
      }),
    );
    const connector = result.used.filter((path) =>
      /connector\/(mqtt-connector|mqtt-client|connection)\.js$/.test(path),
    );
    if (connector.length > 0) problems.add(`${name}: the bundle contains ${connector.join(', ')}`);
    if (result.output.imports.some((i) => i.path === 'mqtt'))
      problems.add(`${name}: the bundle imports mqtt`);
    report.treeShaking[name] = {
      min: result.min,
      gzip: result.gzip,
      files: result.used.filter((p) => p !== '<stdin>'),
    };
  }
}

/**
 * The figures README.md states, each found by a pattern in its text (whitespace collapsed) and compared
 * with what was measured: bytes as bytes, KiB to the precision written (0.6 KiB means 0.55-0.65).
 */
function readmeFigures() {
  const readme = readFileSync(join(root, 'README.md'), 'utf8').replace(/\s+/g, ' ');
  const claims = [
    {
      what: "the connector's own code, min+gzip",
      pattern: /\(([\d,]+) bytes when measured\)/,
      bytes: report['src/index.ts'].gzip,
    },
    {
      what: "the connector's own code, min+gzip, in KiB",
      pattern: /and gzipped, is about \*\*([\d.]+) KiB\*\*/,
      bytes: report['src/index.ts'].gzip,
    },
    {
      what: "MQTT.js's browser build, min+gzip",
      pattern: /MQTT\.js's browser build alone is about ([\d.]+) KiB/,
      bytes: report['MQTT.js browser build on its own'].gzip,
    },
    {
      what: 'a whole app bundle (connector + MQTT.js + RxJS), min+gzip',
      pattern: /whole app bundle \([^)]*\) is about ([\d.]+) KiB gzipped/,
      bytes: report['src/index.ts with mqtt + rxjs'].gzip,
    },
    {
      what: 'what mqtt-connector/angular adds to an app, min+gzip',
      pattern: /`mqtt-connector\/angular` adds about ([\d.]+) KiB/,
      bytes: report['mqtt-connector/angular added to an app'].gzip,
    },
  ];
  report.readme = {};
  for (const { what, pattern, bytes } of claims) {
    const match = pattern.exec(readme);
    if (!match) {
      problems.add(`README.md no longer states ${what} (no text matches ${pattern})`);
      continue;
    }
    const written = match[1];
    const inKib = !pattern.source.includes('bytes');
    const stated = inKib ? Number(written) * 1024 : Number(written.replaceAll(',', ''));
    const decimals = written.split('.')[1]?.length ?? 0;
    const rounding = inKib ? (0.5 * 1024) / 10 ** decimals : 0;
    const measured = inKib
      ? `${(bytes / 1024).toFixed(Math.max(decimals, 1))} KiB`
      : `${bytes.toLocaleString('en-US')} bytes`;
    report.readme[what] = { stated: inKib ? `${written} KiB` : `${written} bytes`, measured };
    if (Math.abs(stated - bytes) > Math.max(README_TOLERANCE * bytes, rounding)) {
      problems.add(
        `README.md (Browser and Angular → Size) states ${what} as ${report.readme[what].stated}; measured ${measured}: update the README`,
      );
    }
  }
}

if (!process.argv.includes('--no-build')) {
  execFileSync(process.execPath, [join(root, 'scripts/build.mjs')], { cwd: root, stdio: 'inherit' });
}
try {
  await browserSafety();
  await sizeBudget();
  await treeShaking();
  readmeFigures();
} catch (error) {
  // esbuild's own failure (e.g. a module that does not resolve for the browser) is a failed check too.
  const messages = error.errors?.map((e) => `${e.location?.file ?? ''}:${e.location?.line ?? ''} ${e.text}`);
  console.error(`\ncheck:size FAILED\n- ${[...problems, ...(messages ?? [String(error)])].join('\n- ')}`);
  process.exit(1);
}

if (process.argv.includes('--json')) {
  console.log(JSON.stringify(report, null, 2));
} else {
  const kib = (bytes) => `${(bytes / 1024).toFixed(1)} KiB`;
  for (const [name, value] of Object.entries(report)) {
    if (value && typeof value.min === 'number')
      console.log(`${name}: ${kib(value.min)} min, ${kib(value.gzip)} min+gzip`);
  }
  const { budget } = report;
  console.log(
    `budget: ${budget.used} B of ${budget.gzip} B (${((100 * budget.used) / budget.gzip).toFixed(0)} %)`,
  );
  for (const [name, value] of Object.entries(report.treeShaking)) {
    console.log(`tree-shaking, ${name}: ${value.min} B min (${value.files.join(', ') || 'nothing'})`);
  }
  for (const [what, { stated, measured }] of Object.entries(report.readme)) {
    console.log(`README: ${what}: states ${stated}, measured ${measured}`);
  }
}
if (problems.size > 0) {
  console.error(`\ncheck:size FAILED\n- ${[...problems].join('\n- ')}`);
  process.exit(1);
}
console.log('check:size ok');
