/** The text `--help` prints. */
export const USAGE = `Usage: sanshare-handoff [command] [options]

Commands:
  handoff (default)  the spec's 17-step source/destination hand-off across three
                     real processes: a TCP peer, a source and a destination
  workers            a controller accepts client connections and hands each to a
                     worker process, which hands it back for graceful closure
  restart            a server holding live client connections mid-stream starts
                     its successor, duplicates every connection to it and exits

Options (all commands):
  --json             write the trace as JSON lines (one object per line) instead
                     of text
  --timeout-ms <ms>  give up (and clean up) after this long; default 30000,
                     1000..600000
  -h, --help         show this text

Options of handoff (fault injection, one per run):
  --kill-source-at <step>
                     kill the source (SIGKILL) just before step <step> (1..17)
                     of the table; the destination reports the step its peer
                     died at, the app which step failed and why, and cleans up
  --kill-destination-at <step>
                     the same for the destination; the source reports it

Options of workers:
  --clients <n>      client connections the load generator makes (1..2000,
                     default 40)
  --workers <m>      worker processes (1..16, default 3)

Options of restart:
  --connections <n>  live client connections to move (1..500, default 50)

Exit status: 0 when every check passed, 1 when a check failed or the run could
not start (the error says why), 2 on a usage error.
`;
