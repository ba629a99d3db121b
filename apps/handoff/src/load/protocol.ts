/**
 * The application protocols `restart` and `workers` run: a real `http.Server` (keep-alive requests),
 * a real `ws` WebSocketServer (numbered messages both ways), or a raw TCP echo.
 */
export const PROTOCOLS = ['http', 'ws', 'tcp'] as const;

export type Protocol = (typeof PROTOCOLS)[number];

/** True when `value` names one of `PROTOCOLS`. */
export function isProtocol(value: unknown): value is Protocol {
  return typeof value === 'string' && (PROTOCOLS as readonly string[]).includes(value);
}

/** Whether answers of `protocol` say which server process wrote them (a raw echo cannot). */
export function answersCarryPid(protocol: Protocol): boolean {
  return protocol !== 'tcp';
}

/** The server of `protocol`, for people (`an http.Server`). */
export function describeServer(protocol: Protocol): string {
  switch (protocol) {
    case 'http':
      return 'an http.Server';
    case 'ws':
      return 'a ws WebSocket server';
    case 'tcp':
      return 'a raw TCP echo server';
  }
}
