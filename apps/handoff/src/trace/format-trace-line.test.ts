import { describe, expect, it } from 'vitest';
import { TRACE_HEADER, formatTraceLine } from './format-trace-line.js';
import { parseTraceLine, type TraceEvent } from './trace-event.js';

const step: TraceEvent = {
  kind: 'step',
  role: 'source',
  pid: 4242,
  at: 0,
  step: 5,
  call: 'WSADuplicateSocket(s=1, 4243)',
  socket: { switchSocket: 1, providerSocket: 7, cookie: '8193', local: '127.0.0.1:5000', remote: '127.0.0.1:6000' },
  detail: 'export 9 from pid 4242 for pid 4243',
};

describe('formatTraceLine', () => {
  it('should show the step, process, call, descriptors and socket identity of a step', () => {
    const line = formatTraceLine(step);
    expect(line).toMatch(/^ {2}5 {2}source +4242 {2}WSADuplicateSocket\(s=1, 4243\) +s=1 prov=7 +cookie 8193 {2}127\.0\.0\.1:5000 > 127\.0\.0\.1:6000 {2}export 9/);
    // The columns line up under the header.
    expect(line.indexOf('WSADuplicateSocket')).toBe(TRACE_HEADER.indexOf('call'));
    expect(line.indexOf('s=1 prov=7')).toBe(TRACE_HEADER.indexOf('descriptors'));
  });

  it('should mark data, failures, verdicts and results', () => {
    expect(formatTraceLine({ kind: 'data', role: 'source', pid: 1, at: 0, call: 'send/recv' })).toMatch(/^ --/);
    expect(formatTraceLine({ kind: 'failure', role: 'source', pid: 1, at: 0, error: { code: 'WSAEINVAL', message: 'bad' } })).toMatch(/^ !!.*WSAEINVAL: bad$/);
    expect(formatTraceLine({ kind: 'verdict', role: 'app', pid: 1, at: 0, call: 'one-connection', detail: 'x', data: { ok: true } })).toMatch(/^ OK {2}one-connection/);
    expect(formatTraceLine({ kind: 'verdict', role: 'app', pid: 1, at: 0, call: 'one-connection', detail: 'x', data: { ok: false } })).toMatch(/^ NO/);
    expect(formatTraceLine({ kind: 'result', role: 'app', pid: 1, at: 0, detail: 'done', data: { ok: false } })).toMatch(/^=!>/);
  });
});

describe('parseTraceLine', () => {
  it('should read back what a process wrote, and ignore anything else', () => {
    expect(parseTraceLine(JSON.stringify(step))).toEqual(step);
    expect(parseTraceLine('hello')).toBeUndefined();
    expect(parseTraceLine('{"kind":"nope","role":"x","pid":1,"at":0}')).toBeUndefined();
    expect(parseTraceLine('{broken')).toBeUndefined();
  });
});
