/**
 * Throw-away TLS material for tests, made with the `openssl` command line: a CA, a server certificate for
 * `localhost` / 127.0.0.1 signed by it, and optionally a client certificate signed by the same CA.
 * EC P-256 keys: about 50 ms for CA + server (RSA-2048 costs about 380 ms).
 */
import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Paths (inside the directory given) and PEM contents of the generated material. */
export interface TestCerts {
  readonly caFile: string;
  /** CA certificate, PEM: pass as `ca` to MQTT.js to trust the server. */
  readonly caPem: string;
  readonly serverCertFile: string;
  readonly serverKeyFile: string;
  /** Client certificate and key (PEM) if `client: true` was asked for. */
  readonly client?: {
    readonly certFile: string;
    readonly keyFile: string;
    readonly certPem: string;
    readonly keyPem: string;
  };
}

/** Path of the openssl executable (`OPENSSL` environment variable, default `openssl` on PATH). */
const openssl = (): string => process.env.OPENSSL ?? 'openssl';

const ecKey = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

async function signedCert(dir: string, name: string, subject: string, extensions: string): Promise<void> {
  const ext = join(dir, `${name}.ext`);
  await writeFile(ext, extensions);
  const key = join(dir, `${name}.key`);
  const csr = join(dir, `${name}.csr`);
  await run(openssl(), ['req', ...ecKey, '-keyout', key, '-out', csr, '-subj', subject]);
  const signer = ['-CA', join(dir, 'ca.crt'), '-CAkey', join(dir, 'ca.key'), '-CAcreateserial'];
  const out = join(dir, `${name}.crt`);
  await run(openssl(), ['x509', '-req', '-in', csr, ...signer, '-out', out, '-days', '2', '-extfile', ext]);
}

/**
 * Writes `ca.crt`/`ca.key`, `server.crt`/`server.key` (SAN DNS:localhost, IP:127.0.0.1, IP:::1) and, with
 * `client: true`, `client.crt`/`client.key` (CN `commonName`, default `test-client`) into `dir`.
 * Valid for 2 days. Rejects with openssl's error output if openssl fails or is missing.
 *
 * @example const certs = await createTestCerts(dir, { client: true });
 */
export async function createTestCerts(
  dir: string,
  options: { client?: boolean; commonName?: string } = {},
): Promise<TestCerts> {
  const caFiles = ['-keyout', join(dir, 'ca.key'), '-out', join(dir, 'ca.crt')];
  const caSubject = ['-subj', '/CN=mqtt-connector test CA'];
  await run(openssl(), ['req', '-x509', ...ecKey, ...caFiles, '-days', '2', ...caSubject]);
  await signedCert(
    dir,
    'server',
    '/CN=localhost',
    'subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1\nextendedKeyUsage=serverAuth\n',
  );
  if (options.client) {
    await signedCert(
      dir,
      'client',
      `/CN=${options.commonName ?? 'test-client'}`,
      'extendedKeyUsage=clientAuth\n',
    );
  }
  const caPem = await readFile(join(dir, 'ca.crt'), 'utf8');
  const base = {
    caFile: join(dir, 'ca.crt'),
    caPem,
    serverCertFile: join(dir, 'server.crt'),
    serverKeyFile: join(dir, 'server.key'),
  };
  if (!options.client) return base;
  const certFile = join(dir, 'client.crt');
  const keyFile = join(dir, 'client.key');
  const [certPem, keyPem] = await Promise.all([readFile(certFile, 'utf8'), readFile(keyFile, 'utf8')]);
  return { ...base, client: { certFile, keyFile, certPem, keyPem } };
}
