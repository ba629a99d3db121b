import { describe, expect, it } from 'vitest';
import { readmeBlocks } from './readme-blocks.js';

describe('readmeBlocks', () => {
  it('should return each fenced block with its language, info string, text and opening line', () => {
    const markdown = ['# title', '', '```ts no-run', 'const a = 1;', '```', 'text', '```', 'plain', '```', ''].join('\n');
    expect(readmeBlocks(markdown)).toEqual([
      { lang: 'ts', info: 'no-run', code: 'const a = 1;\n', line: 3 },
      { lang: '', info: '', code: 'plain\n', line: 7 },
    ]);
  });

  it('should close a fence only with the same character, at least as long', () => {
    const markdown = ['````md', '```js', 'inner', '```', '````', '~~~sh', '```', 'echo', '~~~'].join('\n');
    expect(readmeBlocks(markdown)).toEqual([
      { lang: 'md', info: '', code: '```js\ninner\n```\n', line: 1 },
      { lang: 'sh', info: '', code: '```\necho\n', line: 6 },
    ]);
  });

  it('should find an indented fence (in a list item) and remove its indentation from the text', () => {
    const markdown = ['- step:', '  ```JS', '  if (x) {', '    y();', '  }', '  ```'].join('\n');
    expect(readmeBlocks(markdown)).toEqual([{ lang: 'js', info: '', code: 'if (x) {\n  y();\n}\n', line: 2 }]);
  });

  it('should run an unclosed fence to the end of the file, as Markdown renders it', () => {
    expect(readmeBlocks('```ts\nlet a = 1;\n')).toEqual([{ lang: 'ts', info: '', code: 'let a = 1;\n\n', line: 1 }]);
  });
});
