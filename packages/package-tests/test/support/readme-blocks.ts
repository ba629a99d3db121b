/** One fenced code block of a Markdown file. */
export interface CodeBlock {
  /** The fence's language, lower-cased (`ts`, `js`, `sh`...); empty when the fence names none. */
  readonly lang: string;
  /** The rest of the fence's info string, after the language. */
  readonly info: string;
  /** The block's text, with the fence's indentation removed, ending with a newline. */
  readonly code: string;
  /** The 1-based line of the opening fence, for messages that say which block failed. */
  readonly line: number;
}

/**
 * Every fenced code block of `markdown`, in order: ```` ``` ```` or `~~~` fences of three or more
 * characters, indented by any amount (a fence inside a list item counts), closed by a fence of the
 * same character at least as long (CommonMark). An unclosed fence runs to the end of the file, as
 * CommonMark renders it.
 */
export function readmeBlocks(markdown: string): CodeBlock[] {
  const lines = markdown.split('\n');
  const blocks: CodeBlock[] = [];
  for (let i = 0; i < lines.length; i += 1) {
    const open = /^(\s*)(`{3,}|~{3,})\s*([^\s`]*)(.*)$/.exec(lines[i] ?? '');
    if (!open) continue;
    const [, indent = '', fence = '', lang = '', info = ''] = open;
    const closing = new RegExp(`^\\s*${fence[0] === '`' ? '`' : '~'}{${fence.length},}\\s*$`);
    const body: string[] = [];
    let j = i + 1;
    for (; j < lines.length && !closing.test(lines[j] ?? ''); j += 1) {
      const text = lines[j] ?? '';
      // Remove at most the opening fence's indentation, as CommonMark does.
      body.push(text.startsWith(indent) ? text.slice(indent.length) : text.trimStart());
    }
    blocks.push({ lang: lang.toLowerCase(), info: info.trim(), code: body.length > 0 ? `${body.join('\n')}\n` : '', line: i + 1 });
    i = j;
  }
  return blocks;
}
