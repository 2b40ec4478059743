import { posix } from 'node:path';

/** A text file of the repository: its path (POSIX, relative to the root) and its content. */
export interface TextFile {
  path: string;
  text: string;
}

/** One pointer that leads nowhere a user of the repository or of the packages can follow. */
export interface BadPointer {
  /** File holding the pointer. */
  file: string;
  /** 1-based line. */
  line: number;
  /** The offending text. */
  match: string;
  /** Why it is rejected. */
  reason: string;
}

/** What the checker knows about the repository's documentation. */
export interface DocsIndex {
  /** Section numbers (`3`, `1.4`, …) of every page in `docs/`, by file name (`algorithm.md`). */
  sections: ReadonlyMap<string, ReadonlySet<string>>;
  /** Every tracked path, for relative Markdown links. */
  paths: ReadonlySet<string>;
}

/** File names of the working specification the project was built from; text must cite docs/ instead. */
export const SPEC_FILE_NAMES: readonly string[] = ['d2pruner', 'baselines', 'models', 'formats', 'eval', 'architecture'].map((n) => `${n}.md`);

const OUTSIDE = /(?:\.\.\/)+shared\b|\bshared\/spec\b|(?:\.\.\/)+spec\/|\/work\/(?:shared|main|wt)\b/g;
const DOC_MENTION = /((?:\.\.\/)*docs\/)?\b([a-z][a-z0-9-]*\.md)\b`?\)?/g;
const SECTION_HEAD = /^\s*§{1,2}\s*(\d+(?:\.\d+)*)/;
const SECTION_NEXT = /^(?:\s+(?:steps?|items?)\s+[\d.]+(?:\s*[–-]\s*[\d.]+)?(?!\s*[–-]\s*\d))?(?:\s*(?:,|–|-|and)\s*§{0,2}\s*)(\d+(?:\.\d+)*)/;
const LINK = /\]\(([^)\s]+)\)/g;

/** Section numbers of a Markdown page: the leading number of every `##`–`####` heading. */
export function sectionNumbers(markdown: string): Set<string> {
  const out = new Set<string>();
  for (const m of markdown.matchAll(/^#{2,4}\s+(\d+(?:\.\d+)*)\.?\s/gm)) out.add(m[1]);
  return out;
}

/** Builds the index from the tracked files: sections of `docs/*.md`, and every path. */
export function docsIndex(files: readonly TextFile[], allPaths: readonly string[]): DocsIndex {
  const sections = new Map<string, Set<string>>();
  for (const f of files) {
    if (/^docs\/[^/]+\.md$/.test(f.path)) sections.set(posix.basename(f.path), sectionNumbers(f.text));
  }
  return { sections, paths: new Set(allPaths) };
}

function lineOf(text: string, index: number): number {
  let line = 1;
  for (let i = 0; i < index; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

/** The section numbers cited right after a file mention: `§3`, `§§4, 5`, `§1.4–§1.5`, `§3 step 2, §6`. */
export function citedSections(after: string): string[] {
  const head = SECTION_HEAD.exec(after);
  if (!head) return [];
  const out = [head[1]];
  let rest = after.slice(head[0].length);
  for (let next = SECTION_NEXT.exec(rest); next; next = SECTION_NEXT.exec(rest)) {
    out.push(next[1]);
    rest = rest.slice(next[0].length);
  }
  return out;
}

function pageExists(index: DocsIndex, name: string): boolean {
  return index.sections.has(name);
}

function checkMentions(file: TextFile, index: DocsIndex, bad: BadPointer[]): void {
  const inDocs = /^docs\/[^/]+$/.test(file.path);
  for (const m of file.text.matchAll(DOC_MENTION)) {
    const [whole, prefix, name] = m;
    const at = m.index ?? 0;
    const viaDocs = prefix !== undefined || inDocs;
    const isSpecName = SPEC_FILE_NAMES.includes(name);
    if (!viaDocs && !isSpecName) continue;
    const report = (reason: string) => bad.push({ file: file.path, line: lineOf(file.text, at), match: whole, reason });
    if (!pageExists(index, name)) {
      if (viaDocs && !isSpecName && !inDocs) report(`docs/${name} does not exist`);
      else if (isSpecName || prefix !== undefined) report(`${name} is not a page of docs/`);
      continue;
    }
    if (!viaDocs) {
      report(`cite it as docs/${name}: a bare ${name} names the working specification, not a file of the repository`);
      continue;
    }
    const sections = index.sections.get(name) ?? new Set<string>();
    for (const s of citedSections(file.text.slice(at + whole.length, at + whole.length + 80))) {
      if (!sections.has(s)) report(`docs/${name} has no section ${s}`);
    }
  }
}

function checkLinks(file: TextFile, index: DocsIndex, bad: BadPointer[]): void {
  if (!file.path.endsWith('.md')) return;
  for (const m of file.text.matchAll(LINK)) {
    const target = m[1];
    if (/^(?:[a-z]+:|#)/i.test(target)) continue;
    const path = posix.normalize(posix.join(posix.dirname(file.path), target.split('#')[0]));
    const isDir = [...index.paths].some((p) => p.startsWith(`${path.replace(/\/$/, '')}/`));
    if (path.startsWith('..') || (!index.paths.has(path) && !isDir)) {
      bad.push({ file: file.path, line: lineOf(file.text, m.index ?? 0), match: m[0], reason: `link target ${path} is not in the repository` });
    }
  }
}

/**
 * Every pointer in `files` that a reader cannot follow inside the repository: relative paths out
 * of it into the working specification, spec file names cited instead of the docs/
 * page, docs/ pages or sections that do not exist, and relative Markdown links to missing files.
 */
export function findBadPointers(files: readonly TextFile[], index: DocsIndex): BadPointer[] {
  const bad: BadPointer[] = [];
  for (const file of files) {
    for (const m of file.text.matchAll(OUTSIDE)) {
      bad.push({ file: file.path, line: lineOf(file.text, m.index ?? 0), match: m[0], reason: 'points outside the repository' });
    }
    checkMentions(file, index, bad);
    checkLinks(file, index, bad);
  }
  return bad;
}
