/** A link target found in Markdown text, with the line it is on. */
export interface MarkdownLink {
  readonly target: string;
  /** 1-based line of the link. */
  readonly line: number;
}

/**
 * The link targets of `markdown` (`[text](target)`, `![alt](target)`, `[text](<target> "title")` and
 * reference definitions `[id]: target`), outside fenced code blocks and inline code spans, where a
 * bracket is code rather than a link.
 */
export function markdownLinks(markdown: string): MarkdownLink[] {
  const links: MarkdownLink[] = [];
  let fence: string | undefined;
  markdown.split('\n').forEach((raw, index) => {
    const marker = /^\s*(`{3,}|~{3,})/.exec(raw)?.[1];
    if (fence === undefined && marker !== undefined) {
      fence = marker;
      return;
    }
    if (fence !== undefined) {
      if (marker !== undefined && marker[0] === fence[0] && marker.length >= fence.length && raw.trim() === marker) {
        fence = undefined;
      }
      return;
    }
    const line = raw.replace(/(`+)[^`][\s\S]*?\1/g, '');
    const definition = /^\s{0,3}\[[^\]]+\]:\s*<?([^\s>]+)>?/.exec(line);
    if (definition?.[1] !== undefined) links.push({ target: definition[1], line: index + 1 });
    for (const match of line.matchAll(/\]\(\s*(?:<([^>]*)>|([^\s)]+))/g)) {
      const target = match[1] ?? match[2];
      if (target !== undefined && target !== '') links.push({ target, line: index + 1 });
    }
  });
  return links;
}

/** Whether `target` points into the repository (a relative path), rather than to a URL or an anchor. */
export function isLocalTarget(target: string): boolean {
  return !/^[a-z][a-z0-9+.-]*:/i.test(target) && !target.startsWith('#') && !target.startsWith('//');
}

/** `target` without its `#fragment` or `?query`, URL-decoded: the path the link names. */
export function targetPath(target: string): string {
  return decodeURIComponent(target.replace(/[#?].*$/, ''));
}
