// Every relative link in README.md and docs/*.md reaches a file, and every #anchor a heading of
// the page it names: moving a section must not leave a reader at a dead end. And the README stays
// short enough to be read first.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { root } from '../../infra/paths.ts';
import { docPages, headingAnchors, type Page, relativeLinks } from './markdown.ts';

const pages = docPages();

function deadEnd(page: Page, link: string): string | undefined {
  const [path = '', anchor] = link.split('#');
  const file = path === '' ? page.file : relative(root, join(root, dirname(page.file), path));
  if (!existsSync(join(root, file))) return `${link}: no file ${file}`;
  if (anchor === undefined) return undefined;
  if (!file.endsWith('.md')) return `${link}: an anchor into a file that is not Markdown`;
  const target = { file, text: readFileSync(join(root, file), 'utf8') };
  return headingAnchors(target).has(anchor)
    ? undefined
    : `${link}: no heading #${anchor} in ${file}`;
}

describe('links in the docs', () => {
  it('are found', () => {
    expect(pages.map((page) => page.file)).toContain('README.md');
    expect(relativeLinks(pages[0] as Page)).toContain('docs/runbook.md');
  });

  it.each(pages.map((page) => ({ page, file: page.file })))(
    '$file: every link arrives',
    ({ page }) => {
      const dead = relativeLinks(page).flatMap((link) => deadEnd(page, link) ?? []);
      expect(dead).toEqual([]);
    },
  );

  it('README.md stays a front door: at most 300 lines, the rest in docs/', () => {
    expect((pages[0] as Page).text.trimEnd().split('\n').length).toBeLessThanOrEqual(300);
  });

  it('README.md links every page in docs/', () => {
    const readme = relativeLinks(pages[0] as Page).map((link) => link.split('#')[0]);
    const docs = pages.slice(1).map((page) => page.file);
    expect(docs.filter((file) => !readme.includes(file))).toEqual([]);
  });
});
