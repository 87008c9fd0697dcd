/**
 * What the interop suite runs against on this machine: the brokers' own versions (from the binaries), the
 * Debian packages they came from (when dpkg knows them), the aedes package, Node and the OS release. Printed
 * at the start of `npm run test:interop` (test/interop/global-setup.ts), so every CI log says what passed.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { mosquittoBin, mosquittoVersion } from './mosquitto';
import { natsBin, natsVersion } from './nats';
import { runCapture } from './process';

/** The Debian package version of `name` (e.g. "2.0.11-1.2+deb12u2"), or undefined without dpkg / package. */
async function debianPackage(name: string): Promise<string | undefined> {
  try {
    const { code, output } = await runCapture('dpkg-query', ['-W', '-f=${Version}', name]);
    return code === 0 && output.trim() !== '' ? output.trim() : undefined;
  } catch {
    return undefined; // no dpkg-query on this machine
  }
}

/** `PRETTY_NAME` of /etc/os-release (e.g. "Debian GNU/Linux 12 (bookworm)"), or the platform. */
async function osRelease(): Promise<string> {
  try {
    const text = await readFile('/etc/os-release', 'utf8');
    return /^PRETTY_NAME="?([^"\n]*)"?$/m.exec(text)?.[1] ?? process.platform;
  } catch {
    return process.platform;
  }
}

/** A broker's version and origin, or why it could not be read. */
async function describeBroker(
  name: string,
  bin: () => string,
  version: () => Promise<string>,
  debian: string,
): Promise<string> {
  try {
    const pkg = await debianPackage(debian);
    return `${name} ${await version()} (${bin()}${pkg ? `, Debian package ${debian} ${pkg}` : ''})`;
  } catch (error) {
    return `${name}: not usable (${error instanceof Error ? error.message : String(error)})`;
  }
}

/** One line per component, for a log. */
export async function brokerVersions(): Promise<string[]> {
  const aedesManifest = join(__dirname, '..', '..', 'node_modules', 'aedes', 'package.json');
  const aedes = (JSON.parse(await readFile(aedesManifest, 'utf8')) as { version: string }).version;
  return [
    await describeBroker('mosquitto', mosquittoBin, mosquittoVersion, 'mosquitto'),
    await describeBroker('nats-server', natsBin, natsVersion, 'nats-server'),
    `aedes ${aedes} (npm)`,
    `node ${process.versions.node} on ${await osRelease()}`,
  ];
}
