import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { consumerEnv } from './consumer-env.js';
import { freePort } from './free-port.js';
import { killGroup } from './run-command.js';

const require = createRequire(import.meta.url);

/** Options of {@link startLocalRegistry}. */
export interface LocalRegistryOptions {
  /** Holds the config, the storage, the htpasswd file and the log; reused across restarts. */
  readonly dir: string;
  /** Packages whose publishing the registry refuses (to make a release fail midway). */
  readonly refusePublishOf?: readonly string[];
  /** Keep the port of a previous run (a restart), so URLs in lockfiles and npmrc stay valid. */
  readonly port?: number;
}

/** A running Verdaccio. */
export interface LocalRegistry {
  /** `http://127.0.0.1:<port>/` */
  readonly url: string;
  readonly port: number;
  /** Stops the server and waits for it to exit; storage is kept, so a restart sees the same packages. */
  stop(): Promise<void>;
}

/**
 * The Verdaccio config: loopback only, temp storage, publishing for htpasswd users only, and
 * `@sanshare/*` never proxied (a name on the public registry must not satisfy a test install),
 * while third-party dependencies (protobufjs, node-gyp-build, ...) come through the npmjs uplink.
 */
function config(dir: string, port: number, refused: readonly string[]): string {
  const refusedBlocks = refused
    .map((name) => `  '${name}':\n    access: $all\n    publish: nobody-may-publish-this\n`)
    .join('');
  return `# Written by packages/package-tests for one test run; never checked in.
storage: ${join(dir, 'storage')}
auth:
  htpasswd:
    file: ${join(dir, 'htpasswd')}
    max_users: 10
uplinks:
  npmjs:
    url: https://registry.npmjs.org/
    timeout: 60s
packages:
${refusedBlocks}  '@sanshare/*':
    access: $all
    publish: $authenticated
    unpublish: $authenticated
  '**':
    access: $all
    publish: $authenticated
    proxy: npmjs
# A package with prebuilt native binaries is a few MB; leave room.
max_body_size: 200mb
listen: 127.0.0.1:${port}
web:
  enable: false
log: { type: stdout, format: pretty, level: warn }
`;
}

/** Waits until Verdaccio answers its ping endpoint, or the process dies, or the bound passes. */
async function waitUntilUp(url: string, child: ChildProcess, boundMs: number): Promise<void> {
  const deadline = Date.now() + boundMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`verdaccio exited with ${child.exitCode} before answering`);
    try {
      const response = await fetch(new URL('-/ping', url));
      if (response.ok) return;
    } catch {
      // Not listening yet.
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`verdaccio did not answer on ${url} within ${boundMs} ms`);
}

/**
 * The environment for Verdaccio: this one, plus the CA bundle npm is configured with (`cafile`) as
 * `NODE_EXTRA_CA_CERTS`, so that its uplink trusts what npm trusts. turbo (strict env mode) hands
 * tasks neither NODE_EXTRA_CA_CERTS nor SSL_CERT_FILE, and behind a TLS-inspecting proxy the uplink
 * would otherwise fail with SELF_SIGNED_CERT_IN_CHAIN while npm itself works.
 */
function registryEnv(): NodeJS.ProcessEnv {
  if (process.env['NODE_EXTRA_CA_CERTS']) return process.env;
  let cafile = '';
  try {
    cafile = execFileSync('npm', ['config', 'get', 'cafile'], { encoding: 'utf8', env: consumerEnv() }).trim();
  } catch {
    // No npm config to read: Node's own CAs only.
  }
  return cafile && cafile !== 'null' && cafile !== 'undefined' && existsSync(cafile)
    ? { ...process.env, NODE_EXTRA_CA_CERTS: cafile }
    : process.env;
}

/** Starts Verdaccio (the package-tests devDependency) as a real separate process. */
export async function startLocalRegistry(options: LocalRegistryOptions): Promise<LocalRegistry> {
  await mkdir(join(options.dir, 'storage'), { recursive: true });
  const port = options.port ?? (await freePort());
  const configFile = join(options.dir, 'config.yaml');
  await writeFile(configFile, config(options.dir, port, options.refusePublishOf ?? []));
  const bin = join(require.resolve('verdaccio/package.json'), '..', 'bin', 'verdaccio');
  const log = createWriteStream(join(options.dir, 'verdaccio.log'), { flags: 'a' });
  const child = spawn(process.execPath, [bin, '--config', configFile], {
    cwd: options.dir,
    env: registryEnv(),
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  child.stdout?.pipe(log, { end: false });
  child.stderr?.pipe(log, { end: false });
  const url = `http://127.0.0.1:${port}/`;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      killGroup(child.pid);
      await exited;
    }
    log.end();
  };
  try {
    await waitUntilUp(url, child, 30_000);
  } catch (error) {
    await stop();
    throw error;
  }
  return { url, port, stop };
}

/**
 * Registers a user on the registry (Verdaccio's htpasswd accepts a new user on first login, as
 * `npm adduser` does) and returns its token, for an npmrc that lives in the test's temp dir.
 */
export async function createRegistryUser(url: string, name: string): Promise<string> {
  const password = `pw-${process.pid}-${Date.now()}`;
  const response = await fetch(new URL(`-/user/org.couchdb.user:${encodeURIComponent(name)}`, url), {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name, password, type: 'user', roles: [], date: new Date().toISOString() }),
  });
  const body = (await response.json()) as { token?: string; error?: string };
  if (!response.ok || typeof body.token !== 'string') {
    throw new Error(`could not create registry user ${name}: ${response.status} ${JSON.stringify(body)}`);
  }
  return body.token;
}

/** The versions of `name` the registry holds (empty when it has never heard of it) and its dist-tags. */
export async function registryVersions(
  url: string,
  name: string,
): Promise<{ versions: Record<string, { dependencies?: Record<string, string> }>; latest?: string }> {
  const response = await fetch(new URL(name.replace('/', '%2f'), url));
  if (response.status === 404) return { versions: {} };
  if (!response.ok) throw new Error(`registry answered ${response.status} for ${name}`);
  const packument = (await response.json()) as {
    versions?: Record<string, { dependencies?: Record<string, string> }>;
    'dist-tags'?: Record<string, string>;
  };
  const latest = packument['dist-tags']?.['latest'];
  return { versions: packument.versions ?? {}, ...(latest !== undefined ? { latest } : {}) };
}
