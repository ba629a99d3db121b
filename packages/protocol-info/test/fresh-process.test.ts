/**
 * What a codec accepts must not depend on what the process validated before: each case runs in a
 * fresh Node process (the built package, as a user loads it), once first and once after a valid
 * info was validated.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const dist = join(import.meta.dirname, '..', 'dist', 'index.js');

/** Runs `body` in a fresh process with the package as `p` and a valid `info`; returns its JSON output. */
function inFreshProcess(body: string): unknown {
  const script = `
    const p = await import(${JSON.stringify(dist)});
    const info = p.tcpProtocolInfo({ providerId: '5a4e5348-0000-4000-8000-000000000001', szProtocol: 'x' });
    const outcome = (run) => { try { run(); return 'ok'; } catch (e) { return e.name + ' ' + e.code; } };
    ${body}
  `;
  return JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' }));
}

describe('validation in a fresh process', () => {
  for (const field of ['ProviderId', 'szProtocol']) {
    it(`should refuse an info without ${field} first and after a valid one, with WsaError in every codec`, () => {
      const result = inFreshProcess(`
        const bad = { ...info }; delete bad[${JSON.stringify(field)}];
        const first = outcome(() => p.validateProtocolInfo(bad));
        p.validateProtocolInfo(info);
        console.log(JSON.stringify({
          first,
          after: outcome(() => p.validateProtocolInfo(bad)),
          protobuf: outcome(() => p.encodeProtocolInfo(bad)),
          native: outcome(() => p.toNativeLayout(bad)),
        }));
      `);
      expect(result).toEqual({ first: 'WsaError WSAEINVAL', after: 'WsaError WSAEINVAL', protobuf: 'WsaError WSAEINVAL', native: 'WsaError WSAEINVAL' });
    });
  }
});
