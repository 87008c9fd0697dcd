/**
 * Profiles one variant of a throughput scenario on its own (no interleaving), to find out where a missed
 * target's time goes:
 *
 *   npx tsx bench/tools/profile.ts --path=publish --variant=connector --qos=1 --size=64 --n=50000 --runs=5
 *   npx tsx bench/tools/profile.ts --path=e2e --variant=raw --qos=1
 *   npx tsx bench/tools/profile.ts --path=latency --variant=connector --qos=1 --n=20000 --broker=mosquitto
 *
 * Variants: publish: connector (all fired), connector-publishto (the publishTo operator), connector-win (caller keeps 100 promises outstanding), raw
 * (window), raw-promised (window, a promise per message, all awaited), raw-fire; e2e: connector, raw, raw-fire,
 * raw-to-connector, connector-to-raw; latency (round trips one at a time, scenario 3): connector, raw.
 *
 * It starts the broker, then runs the variant in a child `node --cpu-prof` process and prints the
 * functions with the most self time (the profile is kept under test-artifacts/bench/profiles).
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Args } from '../lib/args.js';
import { hotFunctions } from '../lib/cpuprofile.js';

async function main(): Promise<void> {
  const args = new Args();
  const dir = join('test-artifacts', 'bench', 'profiles');
  mkdirSync(dir, { recursive: true });
  const name = `${args.string('path', 'publish')}-${args.string('variant', 'connector')}-qos${args.string('qos', '1')}-${Date.now()}.cpuprofile`;
  const child = spawn(
    process.execPath,
    [
      '--cpu-prof',
      `--cpu-prof-dir=${dir}`,
      `--cpu-prof-name=${name}`,
      '--import',
      'tsx',
      join('bench', 'tools', 'profile-target.ts'),
      ...process.argv.slice(2),
    ],
    { stdio: 'inherit' },
  );
  const timer = setTimeout(() => child.kill('SIGKILL'), 5 * 60_000);
  const [code] = (await once(child, 'exit')) as [number | null];
  clearTimeout(timer);
  if (code !== 0) throw new Error(`profiled run failed (exit ${code})`);
  const file = join(dir, name);
  statSync(file);
  const { totalMs, functions } = hotFunctions(file, args.number('top', 30));
  console.log(`\n${file}: ${totalMs.toFixed(0)} ms sampled; top self time:`);
  for (const f of functions) {
    console.log(
      `${f.percent.toFixed(1).padStart(5)}%  ${f.selfMs.toFixed(0).padStart(6)} ms  ${f.name}  ${f.where}`,
    );
  }
  void readdirSync;
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
