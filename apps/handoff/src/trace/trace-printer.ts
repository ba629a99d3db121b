import type { TraceEvent } from './trace-event.js';
import { formatTraceLine } from './format-trace-line.js';
import { createTraceWriter, type TraceWriter } from './trace-writer.js';

/** Prints the events of a run as they happen: text lines, or the JSON lines themselves (`--json`). */
export interface TracePrinter {
  print(event: TraceEvent): void;
  /** A writer for the app's own events (role `app`), printed through this printer. */
  readonly app: TraceWriter;
  /** Every event written through `app`, in order. */
  readonly appEvents: TraceEvent[];
  /** Plain text for humans (a header, a blank line); nothing in JSON mode. */
  text(line: string): void;
  /** When it last printed something (ms since the epoch). */
  readonly lastPrintAt: number;
  /** Whether it prints JSON lines (`--json`) rather than text. */
  readonly json: boolean;
}

export function createTracePrinter(json: boolean, write: (text: string) => void = writeStdout): TracePrinter {
  let lastPrintAt = Date.now();
  const print = (event: TraceEvent): void => {
    lastPrintAt = Date.now();
    write(json ? `${JSON.stringify(event)}\n` : `${formatTraceLine(event)}\n`);
  };
  const appEvents: TraceEvent[] = [];
  const app = createTraceWriter('app', (line) => {
    const event = JSON.parse(line) as TraceEvent;
    appEvents.push(event);
    print(event);
  });
  return {
    print,
    app,
    appEvents,
    text(line) {
      lastPrintAt = Date.now();
      if (!json) write(`${line}\n`);
    },
    get lastPrintAt() {
      return lastPrintAt;
    },
    json,
  };
}

let stdoutGone = false;

/**
 * Writes to stdout unless its reader went away (`| head`): then the run goes on silently, so that it
 * still ends its processes and removes its files, instead of dying of EPIPE.
 */
function writeStdout(text: string): void {
  if (stdoutGone) return;
  if (process.stdout.listenerCount('error') === 0) {
    process.stdout.on('error', () => {
      stdoutGone = true;
    });
  }
  process.stdout.write(text);
}
