import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const read = (path: string): string => readFileSync(root + path, 'utf8');

describe("the root README's first command", () => {
  const readme = read('README.md');
  const block = /```[a-z]*\n([\s\S]*?)```/.exec(readme)?.[1] ?? '';
  const [handoffLine = '', testLine = ''] = block.split('\n');

  it('should run the root handoff script, which builds and runs this app', () => {
    expect(handoffLine).toMatch(/&& npx -y pnpm@[\d.]+ handoff$/);
    const rootScripts = (JSON.parse(read('package.json')) as { scripts: Record<string, string> }).scripts;
    expect(rootScripts.handoff).toContain('--filter=@sanshare/handoff...');
    expect(rootScripts.handoff).toContain('pnpm --filter @sanshare/handoff run handoff');
    const app = JSON.parse(read('apps/handoff/package.json')) as { name: string; private: boolean; scripts: Record<string, string> };
    expect(app.name).toBe('@sanshare/handoff');
    expect(app.private).toBe(true);
    // The script runs the app with no arguments: the 17-step hand-off the end-to-end tests run.
    expect(app.scripts.handoff).toBe('node dist/main.js');
  });

  it("should be followed by the test command, which .ci/run runs verbatim", () => {
    expect(testLine).toMatch(/npx -y pnpm@[\d.]+ test$/);
    expect(read('.ci/run').split('\n')).toContain(testLine);
  });
});
