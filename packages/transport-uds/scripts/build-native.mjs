// Builds the N-API addon from source (node-gyp rebuild) into build/Release/, then copies it to
// prebuilds/<platform>-<arch>/ under a name node-gyp-build matches for any Node with N-API 8.
// node-gyp-build looks in build/Release first and falls back to prebuilds/, so a process that loads
// the addon while a rebuild has emptied build/ (parallel builds in this monorepo) still finds one. Offline by design: node-gyp gets Node's headers from the machine
// (npm's `nodedir`, or the headers installed next to this node binary), never from the network.
import { copyFileSync, existsSync, mkdirSync, renameSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const env = { ...process.env };

// turbo (strict env mode) may hide npm's settings from the task, so look for them ourselves.
const prefix = join(dirname(process.execPath), '..');
if (!env.npm_config_nodedir && existsSync(join(prefix, 'include', 'node', 'node_api.h'))) {
  env.npm_config_nodedir = prefix;
}
let nodeGyp = env.npm_config_node_gyp;
if (!nodeGyp || !existsSync(nodeGyp)) {
  const bundled = join(prefix, 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js');
  nodeGyp = existsSync(bundled) ? bundled : undefined;
}
const command = nodeGyp ? [process.execPath, nodeGyp] : ['node-gyp'];
const [bin, ...pre] = command;
const result = spawnSync(bin ?? 'node-gyp', [...pre, 'rebuild', '--release', '--loglevel=warn'], {
  cwd: root,
  env,
  stdio: 'inherit',
});
if (result.status !== 0) {
  console.error(
    '@sanshare/transport-uds: building the native addon failed; it needs python3, make, g++ and ' +
      "Node's headers (npm config nodedir, or <node prefix>/include/node).",
  );
  process.exit(result.status ?? 1);
}

const built = join(root, 'build', 'Release', 'transport_uds.node');
const dir = join(root, 'prebuilds', `${process.platform}-${process.arch}`);
mkdirSync(dir, { recursive: true });
const target = join(dir, '@sanshare+transport-uds.napi.node');
// Copy then rename: a reader never sees a half-written file.
copyFileSync(built, `${target}.tmp-${process.pid}`);
renameSync(`${target}.tmp-${process.pid}`, target);
