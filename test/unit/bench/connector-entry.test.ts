/**
 * Which module the bench's A/B tools load for a connector tree (bench/lib/connector.ts connectorEntry): a
 * source tree's index.ts, else a built package's index.js, else a clear error.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectorEntry } from '../../../bench/lib/connector.js';

describe('connectorEntry', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'connector-entry-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('takes index.ts of a source tree before anything else, also given a trailing slash', () => {
    writeFileSync(join(dir, 'index.ts'), '');
    writeFileSync(join(dir, 'index.js'), '');
    expect(connectorEntry(`${dir}/`)).toBe(join(dir, 'index.ts'));
  });

  it('takes index.js of a built package', () => {
    writeFileSync(join(dir, 'index.js'), '');
    expect(connectorEntry(dir)).toBe(join(dir, 'index.js'));
  });

  it('names the directory when it holds neither', () => {
    expect(() => connectorEntry(dir)).toThrow(
      `${dir} holds no index.ts (a source tree) or index.js (a built package)`,
    );
  });
});
