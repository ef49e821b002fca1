// Every example in README.md and docs/*.md works: TypeScript typechecks with the project's compiler
// settings, JSON parses, an event goes through the function's parser and the JSON Schema, Python
// compiles with every name defined. The conventions are in docs/contributing.md, Documentation.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import Ajv2020 from 'ajv/dist/2020.js';
import AjvDraft04 from 'ajv-draft-04';
import addFormats from 'ajv-formats';
import ts from 'typescript';
import { beforeAll, describe, expect, it } from 'vitest';
import { isObject } from '#functions/slice-completion/json-object.ts';
import { parseCompletionEvent } from '#functions/slice-completion/parse-event.ts';
import { SCHEMA_FILES } from '#tools/completion-schema.ts';
import { root } from '../../infra/paths.ts';
import { type CodeBlock, codeBlocks, docPages } from './markdown.ts';

const pages = docPages();
const blocks = pages.flatMap(codeBlocks);
const where = (block: CodeBlock) => `${block.page}:${block.line}`;
const ofLang = (...langs: string[]) => blocks.filter((block) => langs.includes(block.lang));

/** Blocks that are shown, not run: commands, diagrams, output. */
const SHOWN = ['sh', 'mermaid', ''];
const CHECKED = ['ts', 'json', 'python'];

describe('the examples in the docs', () => {
  it('are all read: every fence line opens or closes a block the test sees', () => {
    const fences = pages.flatMap((page) => page.text.split('\n').filter((l) => /^ *```/.test(l)));
    expect(blocks.length * 2).toBe(fences.length);
    expect(ofLang('ts').length).toBeGreaterThan(0);
  });

  it('are in a language the test checks, or one shown as it is', () => {
    const others = blocks
      .filter((block) => ![...CHECKED, ...SHOWN].includes(block.lang))
      .map((block) => `${where(block)} ${block.lang}`);
    expect(others).toEqual([]);
  });
});

describe('TypeScript examples', () => {
  // Each block is a module of its own, as if it were a file in test/docs/snippet-context/, where
  // what a pipeline's project would have and this one does not is (see the files there).
  const context = `${root}test/docs/snippet-context/`;
  const snippets = new Map(
    ofLang('ts').map((block) => [
      `${context}${block.page.replace(/\W/g, '-')}-${block.line}.ts`,
      block,
    ]),
  );
  const virtual = new Map<string, string>([
    ...[...snippets].map(([file, block]): [string, string] => [file, block.code]),
    [
      `${context}completion-event.schema.json`,
      readFileSync(`${root}${SCHEMA_FILES.completionEvent}`, 'utf8'),
    ],
  ]);
  let diagnostics: Map<string, string[]>;

  beforeAll(() => {
    const { config } = ts.readConfigFile(`${root}tsconfig.json`, ts.sys.readFile);
    const project = ts.parseJsonConfigFileContent(config, ts.sys, root).options;
    // A pipeline's project imports its schema file; this one never imports JSON.
    const options = { ...project, resolveJsonModule: true };
    const host = ts.createCompilerHost(options);
    const real = { ...host };
    host.fileExists = (file) => virtual.has(file) || real.fileExists(file);
    host.readFile = (file) => virtual.get(file) ?? real.readFile(file);
    host.getSourceFile = (file, language, ...rest) => {
      const text = virtual.get(file);
      return text === undefined
        ? real.getSourceFile(file, language, ...rest)
        : ts.createSourceFile(file, text, language, true);
    };
    const program = ts.createProgram({
      rootNames: [...snippets.keys(), `${context}client-eventbridge.d.ts`],
      options,
      host,
    });
    diagnostics = new Map();
    for (const diagnostic of ts.getPreEmitDiagnostics(program)) {
      const file = diagnostic.file?.fileName ?? '';
      const block = snippets.get(file);
      const line =
        diagnostic.file && diagnostic.start !== undefined
          ? diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start).line
          : 0;
      const at = block ? `${block.page}:${block.line + 1 + line}` : file || 'compiler options';
      const text = ts.flattenDiagnosticMessageText(diagnostic.messageText, ' ');
      const key = block ? file : '';
      diagnostics.set(key, [
        ...(diagnostics.get(key) ?? []),
        `${at}: TS${diagnostic.code} ${text}`,
      ]);
    }
  }, 60_000);

  it('leave the compiler nothing to say outside them (options, stubs)', () => {
    expect(diagnostics.get('') ?? []).toEqual([]);
  });

  it.each([...snippets].map(([file, block]) => ({ file, at: where(block) })))(
    '$at typechecks',
    ({ file }) => {
      expect(diagnostics.get(file) ?? []).toEqual([]);
    },
  );
});

describe('JSON examples', () => {
  const ajv2020 = new Ajv2020.default({ allErrors: true });
  addFormats.default(ajv2020);
  const ajvDraft04 = new AjvDraft04.default({ allErrors: true });
  addFormats.default(ajvDraft04);
  ajvDraft04.addVocabulary(['x-amazon-events-detail-type', 'x-amazon-events-source']);
  const schema = (file: string) => JSON.parse(readFileSync(`${root}${file}`, 'utf8'));
  const validateCompletion = ajv2020.compile(schema(SCHEMA_FILES.completionEvent));
  const validateEvent = ajvDraft04.compile(schema(SCHEMA_FILES.executionSliceCompleted));

  it.each(ofLang('json').map((block) => ({ block, at: where(block) })))(
    '$at is JSON',
    ({ block }) => {
      expect(() => JSON.parse(block.code)).not.toThrow();
    },
  );

  const events = ofLang('json').filter((block) => block.tags.includes('event'));

  it('include events (```json event)', () => {
    expect(events.length).toBeGreaterThan(0);
  });

  it.each(events.map((block) => ({ block, at: where(block) })))(
    '$at is an event the function takes, and the schema too',
    ({ block }) => {
      const event: unknown = JSON.parse(block.code);
      const completion = parseCompletionEvent(event);
      expect(completion.sliceId).toMatch(/^[0-9a-f-]{36}$/);
      if (!isObject(event)) return;
      if (event['detail-type'] === 'Execution Slice Completed') {
        expect(validateEvent(event) ? [] : validateEvent.errors).toEqual([]);
      } else if (!['detail-type', 'detail', 'requestContext'].some((key) => key in event)) {
        expect(validateCompletion(event) ? [] : validateCompletion.errors).toEqual([]);
      }
    },
  );
});

describe('Python examples', () => {
  const python = spawnSync('python3', ['--version']).status === 0;
  // Compiles the block, then lists the names it uses at module level or as globals that nothing
  // defines, imports or builds in: what would be a NameError when the code runs.
  const UNDEFINED_NAMES = `
import builtins, json, symtable, sys
source = sys.stdin.read()
compile(source, "snippet", "exec")
top = symtable.symtable(source, "snippet", "exec")
defined = {s.get_name() for s in top.get_symbols()
           if s.is_assigned() or s.is_imported() or s.is_namespace()}
missing = set()
def walk(table):
    for s in table.get_symbols():
        if s.is_referenced() and (table is top or s.is_global()):
            if s.get_name() not in defined and not hasattr(builtins, s.get_name()):
                missing.add(s.get_name())
    for child in table.get_children():
        walk(child)
walk(top)
print(json.dumps(sorted(missing)))
`;

  it.skipIf(!python)('include some', () => {
    expect(ofLang('python').length).toBeGreaterThan(0);
  });

  it.skipIf(!python).each(ofLang('python').map((block) => ({ block, at: where(block) })))(
    '$at compiles, and defines or imports every name it uses (skipped without python3)',
    ({ block }) => {
      const run = spawnSync('python3', ['-c', UNDEFINED_NAMES], { input: block.code });
      expect(run.stderr.toString()).toBe('');
      expect(JSON.parse(run.stdout.toString())).toEqual([]);
    },
  );
});
