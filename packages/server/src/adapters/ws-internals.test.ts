import { EventEmitter } from 'node:events';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { WebSocketServer, type WebSocket } from 'ws';
import { isServerError } from '../errors.js';
import { createWsAdapter } from './ws-adapter.js';
import { wsLibraryOf } from './ws-internals.js';

const require = createRequire(import.meta.url);

function thrown(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  throw new Error('it did not throw');
}

describe('wsLibraryOf', () => {
  it("should find PerMessageDeflate and extension for a server from import 'ws' (no statics) and from require('ws')", () => {
    const fromImport = new WebSocketServer({ noServer: true });
    const Cjs = require('ws') as { WebSocketServer: typeof WebSocketServer; PerMessageDeflate: unknown; extension: unknown };
    const fromRequire = new Cjs.WebSocketServer({ noServer: true });
    for (const wss of [fromImport, fromRequire]) {
      const lib = wsLibraryOf(wss.options as { WebSocket?: unknown });
      expect(lib.PerMessageDeflate).toBe(Cjs.PerMessageDeflate);
      expect(lib.extension).toBe(Cjs.extension);
      expect(lib.PerMessageDeflate.extensionName).toBe('permessage-deflate');
    }
  });

  it('should fail with ERR_INTERNALS_MISSING, naming what, when the server has no WebSocket class with setSocket', () => {
    const error = thrown(() => wsLibraryOf({ WebSocket: class {} }));
    expect(isServerError(error, 'ERR_INTERNALS_MISSING')).toBe(true);
    expect((error as Error).message).toMatch(/^cannot move this connection: WebSocket\.prototype\.setSocket is missing in this ws \(@sanshare\/server was tested with ws 8\.23\.1\)/);
    expect(isServerError(thrown(() => createWsAdapter(Object.assign(new EventEmitter(), { options: {} }))), 'ERR_INTERNALS_MISSING')).toBe(true);
  });

  it("should reject a freeze with ERR_INTERNALS_MISSING when a WebSocket lacks the receiver's fields", async () => {
    const wss = new WebSocketServer({ noServer: true });
    const adapter = createWsAdapter(wss);
    const fake = Object.assign(new EventEmitter(), {
      readyState: 1,
      _socket: Object.assign(new EventEmitter(), { destroyed: false, _handle: {} }),
      _extensions: {},
    });
    wss.emit('connection', fake, { method: 'GET', url: '/', httpVersion: '1.1', rawHeaders: [] });
    await expect(adapter.freeze(fake as unknown as WebSocket, new AbortController().signal)).rejects.toMatchObject({ name: 'ServerError', code: 'ERR_INTERNALS_MISSING' });
  });
});
