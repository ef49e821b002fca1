// What the docs tests read in README.md and docs/*.md: fenced code blocks, headings and relative
// links. A small reader of the CommonMark that these pages use, not a general Markdown parser.
import { readdirSync, readFileSync } from 'node:fs';
import { root } from '../../infra/paths.ts';

export interface Page {
  /** Relative to the repository root, e.g. `docs/events.md`. */
  file: string;
  text: string;
}

export interface CodeBlock {
  page: string;
  /** 1-based line of the opening fence. */
  line: number;
  /** The info string's first word (`ts`, `json`, ...), '' for none. */
  lang: string;
  /** The info string's other words, e.g. `event` in ```json event. */
  tags: string[];
  code: string;
}

export function docPages(): Page[] {
  const docs = readdirSync(`${root}docs`)
    .filter((name) => name.endsWith('.md'))
    .sort()
    .map((name) => `docs/${name}`);
  return ['README.md', ...docs].map((file) => ({
    file,
    text: readFileSync(`${root}${file}`, 'utf8'),
  }));
}

const FENCE = /^( *)(`{3,})(.*)$/;

/** Fenced blocks, also those indented inside a list item (their indent is taken off). */
export function codeBlocks(page: Page): CodeBlock[] {
  const lines = page.text.split('\n');
  const blocks: CodeBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = FENCE.exec(lines[i] ?? '');
    if (!open) continue;
    const [, indent = '', ticks = '', info = ''] = open;
    const body: string[] = [];
    let j = i + 1;
    for (; j < lines.length; j++) {
      const close = FENCE.exec(lines[j] ?? '');
      if (close && (close[2] ?? '').length >= ticks.length && (close[3] ?? '').trim() === '') break;
      body.push((lines[j] ?? '').replace(new RegExp(`^ {0,${indent.length}}`), ''));
    }
    if (j === lines.length) throw new Error(`${page.file}:${i + 1}: a code fence is never closed`);
    const [lang = '', ...tags] = info.trim().split(/\s+/).filter(Boolean);
    blocks.push({ page: page.file, line: i + 1, lang, tags, code: `${body.join('\n')}\n` });
    i = j;
  }
  return blocks;
}

/** The lines outside fenced blocks. */
function outsideFences(page: Page): string[] {
  const out: string[] = [];
  let fence: string | undefined;
  for (const line of page.text.split('\n')) {
    const match = FENCE.exec(line);
    if (fence === undefined && match) fence = match[2];
    else if (fence !== undefined && match && (match[2] ?? '').length >= fence.length) {
      fence = undefined;
    } else if (fence === undefined) out.push(line);
  }
  return out;
}

/** The text outside fenced blocks, with inline code blanked out: where links are. */
function prose(page: Page): string {
  return outsideFences(page)
    .join('\n')
    .replace(/`[^`]*`/g, (code) => code.replace(/[^\n]/g, ' '));
}

/** The anchors GitHub gives the page's headings: lower case, punctuation dropped, spaces to `-`. */
export function headingAnchors(page: Page): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  for (const line of outsideFences(page)) {
    const heading = /^#{1,6} +(.*?) *#* *$/.exec(line);
    if (!heading) continue;
    const slug = (heading[1] ?? '')
      .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
      .toLowerCase()
      .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '')
      .replace(/ /g, '-');
    const count = seen.get(slug) ?? 0;
    seen.set(slug, count + 1);
    anchors.add(count === 0 ? slug : `${slug}-${count}`);
  }
  return anchors;
}

/** Every `[text](target)` whose target is not a URL with a scheme. */
export function relativeLinks(page: Page): string[] {
  return [...prose(page).matchAll(/\[[^\]]*\]\(([^)\s]+)\)/g)]
    .map((match) => match[1] ?? '')
    .filter((target) => !/^[a-z][a-z0-9+.-]*:/i.test(target));
}
