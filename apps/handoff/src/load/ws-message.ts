/**
 * The messages of the `ws` protocol, binary frames of 32-bit big-endian numbers:
 *
 * - client to server: `[seq]`, the client's messages numbered 0, 1, 2, ... on its connection;
 * - server to client: `[serverSeq][seq][pid]`: the server's own messages numbered 0, 1, 2, ... on the
 *   connection (a counter that is per-connection state of the server, carried when the connection
 *   moves), the number of the client message it answers, and the pid of the process that answered.
 *
 * The client checks both numbers: its own come back once each, in order; the server's follow each other
 * with no gap across every move (the state moved with the socket).
 */
const U32 = 4;

/** Bytes of a server message. */
export const WS_ANSWER_BYTES = 3 * U32;

export function encodeWsRequest(seq: number): Buffer {
  const b = Buffer.alloc(U32);
  b.writeUInt32BE(seq, 0);
  return b;
}

/** The client's number in a request, or `undefined` when the frame is not one. */
export function decodeWsRequest(data: Buffer): number | undefined {
  return data.length === U32 ? data.readUInt32BE(0) : undefined;
}

export interface WsAnswer {
  serverSeq: number;
  seq: number;
  pid: number;
}

export function encodeWsAnswer(answer: WsAnswer): Buffer {
  const b = Buffer.alloc(WS_ANSWER_BYTES);
  b.writeUInt32BE(answer.serverSeq, 0);
  b.writeUInt32BE(answer.seq, U32);
  b.writeUInt32BE(answer.pid, 2 * U32);
  return b;
}

/** A server message, or `undefined` when the frame is not one. */
export function decodeWsAnswer(data: Buffer): WsAnswer | undefined {
  if (data.length !== WS_ANSWER_BYTES) return undefined;
  return { serverSeq: data.readUInt32BE(0), seq: data.readUInt32BE(U32), pid: data.readUInt32BE(2 * U32) };
}
