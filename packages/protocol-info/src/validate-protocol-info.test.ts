import { describe, expect, it } from 'vitest';
import { sampleDuplicatedInfo, sampleInfo } from '../test/arbitraries.js';
import { isWsaError } from './errors.js';
import type { ProtocolInfo } from './protocol-info.js';
import { validateProtocolInfo } from './validate-protocol-info.js';

/** Returns the message of the WSAEINVAL that `value` gets, failing the test on anything else. */
function rejection(value: unknown): string {
  try {
    validateProtocolInfo(value, 'test');
  } catch (error) {
    expect(isWsaError(error, 'WSAEINVAL')).toBe(true);
    return (error as Error).message;
  }
  throw new Error('expected WSAEINVAL, got no error');
}

function withField(field: string, value: unknown, from: ProtocolInfo = sampleInfo()): unknown {
  return { ...from, [field]: value };
}

describe('validateProtocolInfo', () => {
  it('should accept a catalog entry and a duplicated protocol info', () => {
    expect(() => validateProtocolInfo(sampleInfo())).not.toThrow();
    expect(() => validateProtocolInfo(sampleDuplicatedInfo())).not.toThrow();
  });

  it('should reject what is not an object', () => {
    for (const value of [null, undefined, 42, 'info', true]) expect(rejection(value)).toMatch(/ProtocolInfo must be an object/);
  });

  it('should reject a dw* field that is not a uint32, naming the field', () => {
    for (const field of ['dwServiceFlags1', 'dwServiceFlags4', 'dwProviderFlags', 'dwCatalogEntryId', 'dwMessageSize', 'dwProviderReserved']) {
      for (const bad of [-1, 2 ** 32, 1.5, Number.NaN, Infinity, '1', 1n, null, undefined]) {
        expect(rejection(withField(field, bad))).toContain(`test: ${field} must be a uint32`);
      }
    }
  });

  it('should reject an i* field that is not an int32, naming the field', () => {
    for (const field of ['iVersion', 'iAddressFamily', 'iMaxSockAddr', 'iMinSockAddr', 'iSocketType', 'iProtocol', 'iProtocolMaxOffset', 'iSecurityScheme']) {
      for (const bad of [2 ** 31, -(2 ** 31) - 1, 0.5, '2', undefined]) {
        expect(rejection(withField(field, bad))).toContain(`test: ${field} must be an int32`);
      }
    }
  });

  it('should carry any address family and socket type, and only the two byte orders', () => {
    // A codec carries what a catalog holds; the provider refuses what it does not implement.
    for (const af of [6, 17, 26, 32, 34, -1]) expect(() => validateProtocolInfo(withField('iAddressFamily', af))).not.toThrow();
    for (const type of [4, 5, 6, -1]) expect(() => validateProtocolInfo(withField('iSocketType', type))).not.toThrow();
    expect(rejection(withField('iSocketType', 1.5))).toContain('iSocketType must be an int32');
    expect(rejection(withField('iNetworkByteOrder', 2))).toContain('iNetworkByteOrder must be one of 0, 1');
  });

  it('should accept only canonical lowercase GUID text', () => {
    for (const bad of [
      'E70F1AA0-AB8B-11CF-8CA3-00805F48A192',
      '{e70f1aa0-ab8b-11cf-8ca3-00805f48a192}',
      'e70f1aa0ab8b11cf8ca300805f48a192',
      'e70f1aa0-ab8b-11cf-8ca3-00805f48a19',
      'e70f1aa0-ab8b-11cf-8ca3-00805f48a1920',
      'e70f1aa0-ab8b-11cf-8ca3_00805f48a192',
      'g70f1aa0-ab8b-11cf-8ca3-00805f48a192',
      '',
      42,
    ]) {
      expect(rejection(withField('ProviderId', bad))).toContain('ProviderId must be a GUID');
    }
  });

  it('should reject a chain longer than 7, a chainLen out of 0..7 and a malformed chain', () => {
    const chain = (value: unknown): unknown => withField('ProtocolChain', value);
    expect(rejection(chain({ chainLen: 7, chainEntries: [1, 2, 3, 4, 5, 6, 7, 8] }))).toContain('ProtocolChain.chainEntries must hold at most 7');
    expect(rejection(chain({ chainLen: 8, chainEntries: [1, 2, 3, 4, 5, 6, 7, 8] }))).toContain('ProtocolChain.chainLen must be an integer 0..7');
    expect(rejection(chain({ chainLen: -1, chainEntries: [] }))).toContain('ProtocolChain.chainLen');
    expect(rejection(chain({ chainLen: 1, chainEntries: [5, 0] }))).toContain('chainEntries[1] must not be a trailing 0');
    expect(rejection(chain({ chainLen: 3, chainEntries: [5, 6] }))).toContain('must hold exactly chainLen (3) entries');
    expect(rejection(chain({ chainLen: 3, chainEntries: [5, 0, 6] }))).toContain('chainEntries[1] must be a catalog entry id');
    expect(rejection(chain({ chainLen: 1, chainEntries: [2 ** 32] }))).toContain('chainEntries[0] must be a uint32');
    expect(rejection(chain({ chainLen: 1 }))).toContain('chainEntries must be an array');
    expect(rejection(chain(null))).toContain('ProtocolChain must be an object');
    expect(() => validateProtocolInfo(chain({ chainLen: 7, chainEntries: [1, 2, 3, 4, 5, 6, 7] }))).not.toThrow();
    expect(() => validateProtocolInfo(chain({ chainLen: 0, chainEntries: [0, 9] }))).not.toThrow();
  });

  it('should reject a szProtocol over 255 code units, with a NUL or with an unpaired surrogate', () => {
    expect(() => validateProtocolInfo(withField('szProtocol', 'x'.repeat(255)))).not.toThrow();
    expect(() => validateProtocolInfo(withField('szProtocol', `${'😀'.repeat(127)}a`))).not.toThrow();
    expect(rejection(withField('szProtocol', 'x'.repeat(256)))).toContain('szProtocol must be at most 255 UTF-16 code units');
    expect(rejection(withField('szProtocol', '😀'.repeat(128)))).toContain('szProtocol must be at most 255');
    expect(rejection(withField('szProtocol', 'a\0b'))).toContain('code unit 1 is 0x0');
    expect(rejection(withField('szProtocol', 'a\ud800b'))).toContain('code unit 1 is 0xd800');
    expect(rejection(withField('szProtocol', 'ab\udc00'))).toContain('code unit 2 is 0xdc00');
    expect(rejection(withField('szProtocol', 'ab\ud83d'))).toContain('code unit 2 is 0xd83d');
    expect(rejection(withField('szProtocol', 7))).toContain('szProtocol must be a string');
  });

  it('should check every field of the export context', () => {
    const exportContext = (patch: Record<string, unknown>): unknown => {
      const info = sampleDuplicatedInfo();
      return { ...info, exportContext: { ...info.exportContext, ...patch } };
    };
    expect(rejection(exportContext({ exportId: 0 }))).toContain('exportContext.exportId must be a non-zero uint32');
    expect(rejection(exportContext({ exportId: 5 }))).toContain('exportContext.exportId must equal dwProviderReserved (2752513), got 5');
    expect(rejection(exportContext({ sourcePid: -1 }))).toContain('exportContext.sourcePid');
    expect(rejection(exportContext({ targetPid: 2 ** 32 }))).toContain('exportContext.targetPid');
    for (const bad of ['', '-1', '01', '1.0', '18446744073709551616', '99999999999999999999', 1]) {
      expect(rejection(exportContext({ socketCookie: bad }))).toContain('exportContext.socketCookie');
    }
    expect(rejection(exportContext({ nonce: new Uint8Array(15) }))).toContain('exportContext.nonce must be a Uint8Array of 16 bytes, got 15 bytes');
    expect(rejection(exportContext({ nonce: Array.from({ length: 16 }, () => 0) }))).toContain('exportContext.nonce');
    expect(rejection(exportContext({ expiresAtMs: 2 ** 53 }))).toContain('exportContext.expiresAtMs');
    expect(rejection(exportContext({ expiresAtMs: -1 }))).toContain('exportContext.expiresAtMs');
    expect(rejection({ ...sampleInfo(), exportContext: null })).toContain('exportContext must be an object');
  });

  it('should name the caller at the start of the message', () => {
    expect(() => validateProtocolInfo(withField('dwServiceFlags2', -1), 'encodeProtocolInfo')).toThrow(
      'WSAEINVAL: encodeProtocolInfo: dwServiceFlags2 must be a uint32 (an integer 0..4294967295), got -1',
    );
  });
});
