import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isLocalTarget, markdownLinks, targetPath } from './support/markdown-links.js';
import { listPublicPackages, readManifest, workspaceRoot } from './support/workspace.js';

// Issue 12: the repository as someone meets it who clones it, with nothing beside it, or who reads a
// package on npm. Every relative link resolves inside the clone; a published README links nothing
// outside its package (docs do not ship in the tarball); nothing refers to notes that only the
// maintainers' machines have; the license is stated once and the same everywhere.

/** Files git tracks (a fresh clone holds exactly these), relative to the root. */
function trackedFiles(pattern?: string): string[] {
  const out = execFileSync('git', ['ls-files', '-z', ...(pattern ? [pattern] : [])], {
    cwd: workspaceRoot,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  return out.split('\0').filter((file) => file.length > 0 && existsSync(join(workspaceRoot, file)));
}

const markdownFiles = trackedFiles('*.md');
const manifests = trackedFiles('*package.json').filter((file) => file.endsWith('package.json'));
const publicPackages = listPublicPackages();

/** Files npm always packs, whatever `files` says. */
const ALWAYS_PACKED = new Set(['package.json', 'README.md', 'LICENSE', 'CHANGELOG.md']);

/** Whether `path` (relative to a package) is in its tarball: always packed, or under a `files` entry. */
function isShipped(files: readonly string[], path: string): boolean {
  const clean = path.split(sep).join('/').replace(/\/$/, '');
  if (clean === '' || clean.startsWith('..')) return false;
  return ALWAYS_PACKED.has(clean) || files.some((entry) => {
    const root = entry.replace(/^\.\//, '').replace(/\/$/, '');
    return clean === root || clean.startsWith(`${root}/`);
  });
}

// Written in two parts so that this file does not match its own search.
const SHARED = 'shared';
const PRIVATE_NOTES = new RegExp(`\\.\\./${SHARED}\\b|/work/${SHARED}\\b|\\b${SHARED}/spec\\b`);

describe('the repository as a fresh clone', () => {
  it('should have an MIT LICENSE for the sanshare contributors', () => {
    const license = readFileSync(join(workspaceRoot, 'LICENSE'), 'utf8');
    expect(license.split('\n')[0]).toBe('MIT License');
    expect(license).toContain('Copyright (c) 2026 the sanshare contributors');
  });

  it.each(manifests)('%s should say MIT and name no repository while no public URL is known', (file) => {
    const manifest = readManifest(dirname(join(workspaceRoot, file)));
    expect(manifest.license).toBe('MIT');
    expect(manifest.repository).toBeUndefined();
    expect(readFileSync(join(workspaceRoot, file), 'utf8')).not.toContain('example.invalid');
  });

  it('should have no tracked file that refers to notes outside the repository', () => {
    const offenders: string[] = [];
    for (const file of trackedFiles()) {
      const bytes = readFileSync(join(workspaceRoot, file));
      if (bytes.includes(0)) continue; // binary
      bytes
        .toString('utf8')
        .split('\n')
        .forEach((line, index) => {
          if (PRIVATE_NOTES.test(line)) offenders.push(`${file}:${index + 1}: ${line.trim()}`);
        });
    }
    expect(offenders).toEqual([]);
  });

  describe.each(markdownFiles)('%s', (file) => {
    const links = markdownLinks(readFileSync(join(workspaceRoot, file), 'utf8')).filter((link) => isLocalTarget(link.target));
    const from = dirname(join(workspaceRoot, file));

    it('should link only to files that exist in the repository', () => {
      const dead = links
        .filter((link) => {
          const path = resolve(from, targetPath(link.target));
          return !(path === workspaceRoot || path.startsWith(workspaceRoot + sep)) || !existsSync(path);
        })
        .map((link) => `${file}:${link.line}: ${link.target}`);
      expect(dead).toEqual([]);
    });

    const pkg = publicPackages.find((candidate) => relative(workspaceRoot, join(candidate.dir, 'README.md')) === file);
    if (pkg) {
      it('should link only to files its npm tarball ships (docs and sources outside `files` do not)', () => {
        const notShipped = links
          .filter((link) => !isShipped(pkg.manifest.files ?? [], relative(pkg.dir, resolve(from, targetPath(link.target)))))
          .map((link) => `${file}:${link.line}: ${link.target}`);
        expect(notShipped).toEqual([]);
      });
    }
  });
});
