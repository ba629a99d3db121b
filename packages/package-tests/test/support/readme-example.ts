import ts from 'typescript';
import { readmeBlocks } from './readme-blocks.js';

/** The runnable example of a package's README, in the two module systems users load it with. */
export interface ReadmeExample {
  /** An ES module (types stripped when the README shows TypeScript). */
  readonly esm: string;
  /** The CommonJS form: the README's own ```cjs block, or the ESM example compiled to `require`. */
  readonly cjs: string;
}

const ESM_LANGS = new Set(['js', 'mjs', 'javascript', 'ts', 'mts', 'typescript']);

function importsPackage(code: string, name: string): boolean {
  const quoted = `(['"])${name.replace(/[/.]/g, '\\$&')}\\1`;
  return new RegExp(`\\bfrom\\s*${quoted}|\\bimport\\s*\\(?\\s*${quoted}`).test(code);
}

function transpile(code: string, module: ts.ModuleKind): string {
  return ts.transpileModule(code, {
    compilerOptions: { module, target: ts.ScriptTarget.ES2022, esModuleInterop: true },
  }).outputText;
}

/**
 * Finds the example a user would copy from a README: the first fenced JS/TS block that imports
 * `name` (every such block runs as written: test/readme-examples.test.ts runs them all in the workspace;
 * this one also runs from the registry, with only the README's install line installed).
 * Returns a problem string instead when the README has none, so that a README without a runnable
 * example fails the release test with a clear message.
 */
export function readmeExample(markdown: string, name: string): ReadmeExample | string {
  const blocks = readmeBlocks(markdown);
  const esmBlock = blocks.find((block) => ESM_LANGS.has(block.lang) && importsPackage(block.code, name));
  if (!esmBlock) return `no \`\`\`js or \`\`\`ts block importing '${name}' in its README`;
  const esm = transpile(esmBlock.code, ts.ModuleKind.ESNext);
  const cjsBlock = blocks.find((block) => block.lang === 'cjs');
  // CommonJS has no top-level await: run the compiled body inside an async function.
  const cjs =
    cjsBlock?.code ??
    `(async () => {\n${transpile(esmBlock.code, ts.ModuleKind.CommonJS)}\n})().catch((error) => {\n  console.error(error);\n  process.exit(1);\n});\n`;
  return { esm, cjs };
}

/**
 * The packages a README tells users to install: the arguments of its first `npm install` (or
 * `npm i`) line that names `name`, without flags; just `name` when the README has no such line.
 */
export function readmeInstall(markdown: string, name: string): string[] {
  for (const block of readmeBlocks(markdown)) {
    if (!['sh', 'bash', 'shell', 'console', ''].includes(block.lang)) continue;
    for (const line of block.code.split('\n')) {
      const match = /^\s*(?:\$\s*)?npm\s+(?:install|i|add)\s+(.+)$/.exec(line);
      const args = (match?.[1] ?? '').split(/\s+/).filter((arg) => arg.length > 0 && !arg.startsWith('-'));
      if (args.includes(name)) return args;
    }
  }
  return [name];
}
