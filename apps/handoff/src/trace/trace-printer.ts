import type { TraceEvent } from './trace-event.js';
import { formatTraceLine } from './format-trace-line.js';
import { createTraceWriter, type TraceWriter } from './trace-writer.js';

/** Prints the events of a run as they happen: text lines, or the JSON lines themselves (`--json`). */
export interface TracePrinter {
  print(event: TraceEvent): void;
  /** A writer for the app's own events (role `app`), printed through this printer. */
  readonly app: TraceWriter;
  /** Plain text for humans (a header, a blank line); nothing in JSON mode. */
  text(line: string): void;
}

export function createTracePrinter(json: boolean, write: (text: string) => void = (text) => process.stdout.write(text)): TracePrinter {
  const print = (event: TraceEvent): void => {
    write(json ? `${JSON.stringify(event)}\n` : `${formatTraceLine(event)}\n`);
  };
  const app = createTraceWriter('app', (line) => {
    print(JSON.parse(line) as TraceEvent);
  });
  return {
    print,
    app,
    text(line) {
      if (!json) write(`${line}\n`);
    },
  };
}
