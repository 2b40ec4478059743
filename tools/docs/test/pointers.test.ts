import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { citedSections, docsIndex, findBadPointers, repositoryPaths, sectionNumbers, shippedTextFiles, type TextFile } from '../src/index.js';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));

// Bad pointers are assembled at run time so that this file does not contain them itself.
const UP_SHARED = ['..', 'shared', 'spec', 'baselines'].join('/') + '.md';
const UP_SPEC = ['..', 'spec', 'models'].join('/') + '.md';
const SPEC_NAME = ['d2pruner', 'md'].join('.');
const FORMATS = ['formats', 'md'].join('.');
const MISSING = ['tuning', 'md'].join('.');

const PAGES: TextFile[] = [
  { path: 'docs/formats.md', text: '# Formats\n\n## 1. Token files\n\n### 1.4 Priors\n\n## 2. Results\n\n## 3. Command line\n' },
  { path: 'docs/algorithm.md', text: '# Algorithm\n\n## 2. Inputs\n\n## 3. Steps\n\n## 6. Debias\n' },
];

function check(file: TextFile) {
  const files = [...PAGES, file];
  return findBadPointers(files, docsIndex(files, files.map((f) => f.path))).map((b) => `${b.file}:${b.line} ${b.reason}`);
}

describe('the pointer checker', () => {
  it('reads section numbers from headings and citations', () => {
    expect([...sectionNumbers(PAGES[0].text)]).toEqual(['1', '1.4', '2', '3']);
    expect(citedSections(' §§4, 5, 7) more')).toEqual(['4', '5', '7']);
    expect(citedSections(' §1.4–§1.5: text')).toEqual(['1.4', '1.5']);
    expect(citedSections(' §3 step 2, §6)')).toEqual(['3', '6']);
    expect(citedSections(' §3 steps 2–4)')).toEqual(['3']);
    expect(citedSections(' (no section)')).toEqual([]);
  });

  it('accepts docs/ pages and sections that exist', () => {
    expect(check({ path: 'packages/x/src/a.ts', text: `/** JSON of docs/${FORMATS} §2, priors in docs/${FORMATS} §1.4 */` })).toEqual([]);
    expect(check({ path: 'docs/README.md', text: `see [formats](${FORMATS}) §3 and algorithm.md §3 step 2, §6` })).toEqual([]);
  });

  it('rejects paths outside the repository', () => {
    expect(check({ path: 'README.md', text: `Specs: \`${UP_SHARED}\`` })).toContain('README.md:1 points outside the repository');
    expect(check({ path: 'packages/x/README.md', text: `\n[models](${UP_SPEC})` })).toContain('packages/x/README.md:2 points outside the repository');
  });

  it('rejects spec file names, missing pages and missing sections', () => {
    expect(check({ path: 'packages/x/src/a.ts', text: `// ${SPEC_NAME} §3` })).toEqual([`packages/x/src/a.ts:1 ${SPEC_NAME} is not a page of docs/`]);
    expect(check({ path: 'packages/x/src/b.ts', text: `// ${FORMATS} §2` })).toEqual([
      `packages/x/src/b.ts:1 cite it as docs/${FORMATS}: a bare ${FORMATS} names the working specification, not a file of the repository`,
    ]);
    expect(check({ path: 'packages/x/src/c.ts', text: `// docs/${FORMATS} §4` })).toEqual([`packages/x/src/c.ts:1 docs/${FORMATS} has no section 4`]);
    expect(check({ path: 'packages/x/src/d.ts', text: `// docs/${MISSING}` })).toEqual([`packages/x/src/d.ts:1 docs/${MISSING} does not exist`]);
    expect(check({ path: 'docs/README.md', text: `[x](${SPEC_NAME})` })).toEqual([`docs/README.md:1 ${SPEC_NAME} is not a page of docs/`, `docs/README.md:1 link target docs/${SPEC_NAME} is not in the repository`]);
  });
});

describe('the repository', () => {
  const paths = repositoryPaths(ROOT);
  const files = shippedTextFiles(ROOT, paths);

  it('has shipped text to check (READMEs, docs, sources)', () => {
    const names = files.map((f) => f.path);
    expect(names).toContain('README.md');
    expect(names).toContain('docs/algorithm.md');
    expect(names).toContain('packages/methods/src/baselines/fastv.ts');
  });

  it('points only to files, docs/ pages and sections that exist in it', () => {
    const bad = findBadPointers(files, docsIndex(files, paths)).map((b) => `${b.file}:${b.line}: ${b.match} — ${b.reason}`);
    expect(bad).toEqual([]);
  });
});
