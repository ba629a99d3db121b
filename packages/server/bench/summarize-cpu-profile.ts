/**
 * Summarizes V8 CPU profiles (`.cpuprofile`, from `node --cpu-prof` or BENCH_CPU_PROF) so that a
 * restart's hot spots can be read without a browser: for each profile, the sampled time by package
 * (node internals, each @sanshare package, ws, undici...), the functions with the most self time, and
 * the time by who asked for it (below, `askerOf`): Node's own frames counted to the sanshare, `ws` or
 * application frame that called them, so that a move's CPU splits into the floor's steps, the IPC
 * layers, the move engine, serving and garbage collection. A window (`--from-ms`, `--to-ms`, relative
 * to the profile's start) narrows it to the move.
 *
 *   npx tsx bench/summarize-cpu-profile.ts [--top 25] [--from-ms n] [--to-ms n] <file.cpuprofile>...
 */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

/** The package (or part of Node) a script belongs to, from its URL. */
function packageOf(url: string): string {
  if (url === '') return '(native / idle / gc)';
  if (url.startsWith('node:')) return `node:${url.slice(5).split('/')[0]}`;
  const sanshare = /packages\/([^/]+)\//.exec(url) ?? /@sanshare\/([^/]+)\//.exec(url);
  if (sanshare !== null && !url.includes('node_modules/.pnpm/')) return `@sanshare/${sanshare[1]}`;
  const module = /node_modules\/(?:\.pnpm\/[^/]+\/node_modules\/)?((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (module !== null) return module[1] as string;
  return basename(url);
}

/**
 * Server-package functions that belong to the adapters (what the floor scenario runs too), by name:
 * a built package is one bundle, so its URL cannot tell them from the move engine. A heuristic, kept
 * to the adapters' entry points and their helpers with the most time.
 */
const ADAPTER_FUNCTIONS: ReadonlySet<string> = new Set([
  'freeze', 'detach', 'adopt', 'unfreeze', 'freezeWhen', 'connections', 'encodeConnectionState', 'decodeConnectionState',
  'rebuildRequest', 'freezeReceiver', 'thawReceiver', 'parkSocket', 'readWs', 'wsInternalsOf', 'receiverAtBoundary',
  'senderIdle', 'refusal', 'tag', '#step', '#forget', '#rebuildDeflate',
]);

/**
 * Who asked for the work of profile node `id`: the innermost frame, from the sample up, that is a
 * sanshare package, `ws` or the benchmark's code. Node's own frames (a `writev`, a `net.Socket`
 * constructor) count to it; a sample with none of those above it is Node serving or its event loop.
 */
function askerOf(id: number, byId: ReadonlyMap<number, ProfileNode>, parent: ReadonlyMap<number, number>): string {
  const name = (byId.get(id) as ProfileNode).callFrame.functionName;
  if (name === '(idle)') return '(idle)';
  if (name === '(garbage collector)') return 'garbage collection';
  if (name === '(program)') return "V8's own (program)";
  for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
    const { url, functionName } = (byId.get(at) as ProfileNode).callFrame;
    if (url.includes('/bench/')) return /bench-app/.test(url) ? 'serving: the application' : "the benchmark's harness";
    if (url.includes('node_modules/ws/') || /node_modules\/\.pnpm\/ws@/.test(url)) return 'serving: ws';
    const pkg = packageOf(url);
    if (!pkg.startsWith('@sanshare/')) continue;
    if (pkg === '@sanshare/transport-uds' && (functionName === 'detachNetSocket' || functionName === 'stopReading')) return "floor's steps: taking out (Node's socket)";
    if (pkg === '@sanshare/transport-uds' && functionName === 'toNetSocket') return "floor's steps: adopting (a net.Socket)";
    if (pkg === '@sanshare/server') return ADAPTER_FUNCTIONS.has(functionName) ? "floor's steps: the adapters" : 'the move engine and mover (@sanshare/server)';
    return `IPC layers: ${pkg}`;
  }
  return "serving: Node's HTTP, streams, event loop";
}

function summarize(file: string, top: number, fromMs: number, toMs: number): void {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const child of n.children ?? []) parent.set(child, n.id);
  const selfUs = new Map<number, number>();
  let t = 0;
  let total = 0;
  profile.samples.forEach((id, i) => {
    const delta = profile.timeDeltas[i] ?? 0;
    t += delta;
    const atMs = t / 1000;
    if (atMs < fromMs || atMs > toMs) return;
    selfUs.set(id, (selfUs.get(id) ?? 0) + delta);
    total += delta;
  });
  const byFunction = new Map<string, number>();
  const byPackage = new Map<string, number>();
  const byAsker = new Map<string, number>();
  for (const [id, us] of selfUs) {
    const asker = askerOf(id, byId, parent);
    byAsker.set(asker, (byAsker.get(asker) ?? 0) + us);
    const frame = (byId.get(id) as ProfileNode).callFrame;
    const name = frame.functionName === '' ? '(anonymous)' : frame.functionName;
    const where = frame.url === '' ? '' : ` ${basename(frame.url)}:${frame.lineNumber + 1}`;
    const key = `${name}${where} [${packageOf(frame.url)}]`;
    byFunction.set(key, (byFunction.get(key) ?? 0) + us);
    const pkg = name === '(idle)' ? '(idle)' : name === '(garbage collector)' ? '(gc)' : name === '(program)' ? '(program)' : packageOf(frame.url);
    byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + us);
  }
  const ms = (us: number): string => `${(us / 1000).toFixed(1).padStart(9)} ms`;
  const pct = (us: number): string => `${((100 * us) / Math.max(total, 1)).toFixed(1).padStart(5)} %`;
  const busy = total - (byPackage.get('(idle)') ?? 0);
  process.stdout.write(`\n${basename(file)}: ${(total / 1000).toFixed(0)} ms sampled, ${(busy / 1000).toFixed(0)} ms busy\n  by package:\n`);
  for (const [pkg, us] of [...byPackage].sort((a, b) => b[1] - a[1])) process.stdout.write(`  ${ms(us)} ${pct(us)}  ${pkg}\n`);
  process.stdout.write('  by who asked for it:\n');
  for (const [asker, us] of [...byAsker].sort((a, b) => b[1] - a[1])) process.stdout.write(`  ${ms(us)} ${pct(us)}  ${asker}\n`);
  process.stdout.write(`  top ${top} functions by self time:\n`);
  for (const [key, us] of [...byFunction].sort((a, b) => b[1] - a[1]).slice(0, top)) process.stdout.write(`  ${ms(us)} ${pct(us)}  ${key}\n`);
}

const args = process.argv.slice(2);
let top = 25;
let fromMs = 0;
let toMs = Infinity;
const files: string[] = [];
for (let i = 0; i < args.length; i++) {
  const arg = args[i] as string;
  if (arg === '--top') top = Number(args[++i]);
  else if (arg === '--from-ms') fromMs = Number(args[++i]);
  else if (arg === '--to-ms') toMs = Number(args[++i]);
  else files.push(arg);
}
if (files.length === 0) {
  process.stderr.write('usage: summarize-cpu-profile.ts [--top n] [--from-ms n] [--to-ms n] <file.cpuprofile>...\n');
  process.exit(2);
}
for (const file of files) summarize(file, top, fromMs, toMs);
