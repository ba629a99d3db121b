/** The text `--help` prints. */
export const USAGE = `Usage: sanshare-handoff [command] [options]

Commands:
  handoff (default)  the spec's 17-step source/destination hand-off across three
                     real processes: a TCP peer, a source and a destination
  restart            a server (http, ws or a TCP echo) holding live client
                     connections restarts on @sanshare/server: its listener and
                     every connection move to its successor while the clients
                     stream and a connector opens new connections in a loop
  workers            a worker pool on @sanshare/server: a controller hands
                     client connections to worker processes; one worker is
                     drained (its live connections move to the others) while
                     the clients stream

Options (all commands):
  --json             write the trace as JSON lines (one object per line) instead
                     of text; the last line is the result
  --timeout-ms <ms>  give up (and clean up) after this long, 1000..600000;
                     default 30000 for handoff, and 60000 + 20 per connection
                     for restart and workers
  -h, --help         show this text

Options of handoff (fault injection, one per run):
  --kill-source-at <step>
                     kill the source (SIGKILL) just before step <step> (1..17)
                     of the table; the destination reports the step its peer
                     died at, the app which step failed and why, and cleans up
  --kill-destination-at <step>
                     the same for the destination; the source reports it

Options of restart:
  --connections <n>  live client connections to move (1..10000, default 50)
  --protocol <p>     http (an http.Server, keep-alive requests), ws (a ws
                     server, numbered messages) or tcp (a raw echo); default
                     http

Options of workers:
  --clients <n>      client connections (1..10000, default 40)
  --workers <m>      worker processes (2..16, default 3)
  --protocol <p>     http, ws or tcp, as for restart; default http

Exit status: 0 when every check passed, 1 when a check failed or the run could
not start (the error says why), 2 on a usage error.
`;
