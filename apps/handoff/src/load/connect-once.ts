import * as http from 'node:http';
import * as net from 'node:net';
import { WebSocket, type RawData } from 'ws';
import { UNSERVED_AFTER_MS } from '../constants.js';
import { RecordReader, encodeRecord } from '../stream/records.js';
import type { Protocol } from './protocol.js';
import { decodeWsAnswer, encodeWsRequest } from './ws-message.js';

/**
 * What became of one connect: `answered` by a server process (with its pid, 0 for a raw echo);
 * `refused` (ECONNREFUSED: no listening socket); `unserved`: anything else, a connection that was
 * reset or closed before an answer, or that no one answered within `UNSERVED_AFTER_MS` (it sat in a
 * backlog no process accepts from).
 */
export interface ConnectAttempt {
  startedAt: number;
  endedAt: number;
  outcome: 'answered' | 'refused' | 'unserved';
  pid: number;
  /** Why it was not answered. */
  reason?: string;
}

/**
 * Opens one new TCP connection to the server, asks it one question of `protocol` (`GET /probe/<n>`, a
 * WebSocket handshake and message, or an echoed record), checks the answer, and closes the connection.
 */
export function connectOnce(protocol: Protocol, host: string, port: number, n: number): Promise<ConnectAttempt> {
  const startedAt = Date.now();
  return new Promise<ConnectAttempt>((resolve) => {
    let settled = false;
    let connected = false;
    let cleanup: () => void = () => undefined;
    const settle = (outcome: ConnectAttempt['outcome'], pid: number, reason?: string): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      cleanup();
      resolve({ startedAt, endedAt: Date.now(), outcome, pid, ...(reason === undefined ? {} : { reason }) });
    };
    const failed = (error: unknown): void => {
      const code = (error as NodeJS.ErrnoException | undefined)?.code;
      const message = error instanceof Error ? error.message : String(error);
      if (!connected && code === 'ECONNREFUSED') settle('refused', 0, message);
      else settle('unserved', 0, `${connected ? 'connected, then ' : ''}${message}`);
    };
    const timer = setTimeout(() => settle('unserved', 0, `${connected ? 'connected, but ' : ''}no answer within ${UNSERVED_AFTER_MS} ms`), UNSERVED_AFTER_MS);

    switch (protocol) {
      case 'http': {
        const path = `/probe/${n}`;
        const req = http.request({ host, port, path, agent: false, headers: { connection: 'close' } });
        req.on('socket', (socket: net.Socket) => socket.once('connect', () => (connected = true)));
        req.on('response', (res: http.IncomingMessage) => {
          let text = '';
          res.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
          res.on('end', () => {
            const pid = Number(res.headers['x-pid']);
            if (res.statusCode === 200 && text === `${pid} ${path}`) settle('answered', pid);
            else settle('unserved', 0, `answered ${res.statusCode ?? '?'} '${text.slice(0, 80)}'`);
          });
          res.on('error', failed);
        });
        req.on('error', failed);
        req.on('close', () => settle('unserved', 0, 'connected, then closed with no answer'));
        req.end();
        cleanup = () => req.destroy();
        break;
      }
      case 'ws': {
        const ws = new WebSocket(`ws://${host}:${port}/probe/${n}`, { perMessageDeflate: false });
        ws.on('upgrade', () => (connected = true));
        ws.on('open', () => {
          connected = true;
          ws.send(encodeWsRequest(0));
        });
        ws.on('message', (data: RawData) => {
          const answer = Buffer.isBuffer(data) ? decodeWsAnswer(data) : undefined;
          if (answer !== undefined && answer.seq === 0 && answer.serverSeq === 0) settle('answered', answer.pid);
          else settle('unserved', 0, 'a malformed answer');
        });
        ws.on('error', failed);
        ws.on('close', (code: number) => settle('unserved', 0, `closed with code ${code} before an answer`));
        // The close handshake goes on after the attempt is counted; terminate() only if it never began.
        cleanup = () => (ws.readyState === WebSocket.OPEN ? ws.close(1000, 'done') : ws.terminate());
        break;
      }
      case 'tcp': {
        const socket = net.connect({ host, port });
        const reader = new RecordReader();
        socket.on('connect', () => {
          connected = true;
          socket.write(encodeRecord('p', n));
        });
        socket.on('data', (chunk: Buffer) => {
          try {
            const [record] = reader.feed(chunk);
            if (record === undefined) return;
            if (record.tag === 'p' && record.n === n) settle('answered', 0);
            else settle('unserved', 0, `the echo of ${record.tag}${record.n} came for p${n}`);
          } catch (error) {
            settle('unserved', 0, error instanceof Error ? error.message : String(error));
          }
        });
        socket.on('error', failed);
        socket.on('close', () => settle('unserved', 0, 'connected, then closed with no echo'));
        cleanup = () => socket.destroy();
        break;
      }
    }
  });
}
