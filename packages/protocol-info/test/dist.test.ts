/**
 * The built package (dist/, made by turbo's build before test) loads and works from both module
 * systems in a separate Node process. It has no runtime dependency: the protobuf codec is hand-written
 * (protobufjs's generated code is the tests' reference only), so nothing else needs resolving.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';

const packageDir = fileURLToPath(new URL('..', import.meta.url));
const children = new Set<ChildProcess>();

afterEach(() => {
  for (const child of children) child.kill('SIGKILL');
  children.clear();
});

const SCRIPT = `
const info = {
  dwServiceFlags1: 0x20066, dwServiceFlags2: 0, dwServiceFlags3: 0, dwServiceFlags4: 0, dwProviderFlags: 8,
  ProviderId: 'e70f1aa0-ab8b-11cf-8ca3-00805f48a192', dwCatalogEntryId: 1001,
  ProtocolChain: { chainLen: 1, chainEntries: [] }, iVersion: 2, iAddressFamily: 2, iMaxSockAddr: 16,
  iMinSockAddr: 16, iSocketType: 1, iProtocol: 6, iProtocolMaxOffset: 0, iNetworkByteOrder: 0,
  iSecurityScheme: 0, dwMessageSize: 0, dwProviderReserved: 7, szProtocol: 'x',
  exportContext: { exportId: 7, sourcePid: 1, targetPid: 2, socketCookie: '18446744073709551615', nonce: new Uint8Array(16), expiresAtMs: 5 },
};
const back = m.decodeProtocolInfo(m.encodeProtocolInfo(info));
const native = m.fromNativeLayout(m.toNativeLayout(info));
let code = '';
try { m.decodeProtocolInfo(new Uint8Array([8])); } catch (e) { code = m.isWsaError(e, 'WSAEINVAL') ? e.code : String(e); }
process.stdout.write(JSON.stringify([back.exportContext.socketCookie, native.dwProviderReserved, code]));
`;

function runNode(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: packageDir, stdio: ['ignore', 'pipe', 'pipe'] });
    children.add(child);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      children.delete(child);
      if (code === 0) resolve(stdout);
      else reject(new Error(`node exited with ${code}: ${stderr}`));
    });
  });
}

describe('dist', () => {
  const expected = JSON.stringify(['18446744073709551615', 7, 'WSAEINVAL']);

  it('should work when imported as ESM', async () => {
    expect(await runNode(['--input-type=module', '-e', `import * as m from './dist/index.js';${SCRIPT}`])).toBe(expected);
  });

  it('should work when required as CJS', async () => {
    expect(await runNode(['-e', `const m = require('./dist/index.cjs');${SCRIPT}`])).toBe(expected);
  });
});
