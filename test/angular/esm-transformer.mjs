// Jest transformer for ESM-only packages (Angular ships only .mjs): Jest's CommonJS runtime on Node 20
// cannot require() them, so esbuild rewrites each file to CommonJS (fast, no type checking needed).
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { transformSync } from 'esbuild';

const require = createRequire(import.meta.url);
const { version } = JSON.parse(readFileSync(require.resolve('esbuild/package.json'), 'utf8'));

export default {
  process(sourceText, sourcePath) {
    const { code, map } = transformSync(sourceText, {
      loader: 'js',
      format: 'cjs',
      target: 'node20',
      // Not '.mjs': for an .mjs importer esbuild uses Node's interop, where a default import of a module is
      // its whole `module.exports`, but every .mjs file here becomes CommonJS with `__esModule` and a
      // `default` export (platform-server's `import domino from '.../bundled-domino.mjs'` needs that one).
      sourcefile: sourcePath.replace(/\.mjs$/, '.js'),
      sourcemap: 'external',
    });
    return { code, map };
  },
  getCacheKey(sourceText, sourcePath) {
    return createHash('sha1')
      .update(`esbuild ${version} cjs node20 default-interop\0${sourcePath}\0${sourceText}`)
      .digest('hex');
  },
};
