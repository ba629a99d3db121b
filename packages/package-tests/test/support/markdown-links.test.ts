import { describe, expect, it } from 'vitest';
import { isLocalTarget, markdownLinks, targetPath } from './markdown-links.js';

describe('markdownLinks', () => {
  it('should find inline links, images, angle-bracket targets and reference definitions, with their lines', () => {
    const markdown = [
      'See [the docs](docs/a.md#part) and ![logo](img/logo.png "Logo").',
      'Also [spaced](<docs/with space.md>).',
      '[ref]: ../other.md',
    ].join('\n');
    expect(markdownLinks(markdown)).toEqual([
      { target: 'docs/a.md#part', line: 1 },
      { target: 'img/logo.png', line: 1 },
      { target: 'docs/with space.md', line: 2 },
      { target: '../other.md', line: 3 },
    ]);
  });

  it('should ignore brackets in fenced code and in inline code', () => {
    const markdown = ['```ts', 'const a = b[0](c);', '```', 'Call `f[x](y)` then [real](r.md).'].join('\n');
    expect(markdownLinks(markdown)).toEqual([{ target: 'r.md', line: 4 }]);
  });
});

describe('isLocalTarget', () => {
  it('should tell repository paths from URLs and anchors', () => {
    expect(['docs/spec.md', '../x', 'examples/a.mjs'].map(isLocalTarget)).toEqual([true, true, true]);
    expect(['https://learn.microsoft.com/x', 'mailto:a@b', '#section', '//cdn/x'].map(isLocalTarget)).toEqual([false, false, false, false]);
  });
});

describe('targetPath', () => {
  it('should drop the fragment and query and decode the path', () => {
    expect(targetPath('docs/my%20file.md#part?x')).toBe('docs/my file.md');
  });
});
