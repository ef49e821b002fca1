// The build as the CDK CLI and the local tools run it, each test in its own copy of the project.
import { execFile } from 'node:child_process';
import { appendFile, rename, stat, unlink, writeFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { copyProject } from '../support/project-copy.ts';

const run = promisify(execFile);
const copies: Awaited<ReturnType<typeof copyProject>>[] = [];
async function project(): Promise<string> {
  const copy = await copyProject();
  copies.push(copy);
  return copy.dir;
}
afterEach(async () => {
  await Promise.all(copies.splice(0).map((copy) => copy.remove()));
});

describe('npx cdk synth', () => {
  it('writes the template alone to stdout, so `> template.yaml` is valid YAML', async () => {
    const context = ['-c', 'kodexaUrl=https://platform.kodexa.ai', '-c', 'apiKeySecretName=k/key'];
    const { stdout, stderr } = await run('npx', ['cdk', 'synth', ...context], {
      cwd: await project(),
    });
    // The build's progress line goes to stderr, and no notice about unconfigured feature flags.
    expect(stderr).toMatch(/^built .*\/dist\/slice-completion\/index\.mjs \(\d+\.\d KiB\)$/m);
    expect(stderr).not.toContain('feature flags');
    expect(stdout).toMatch(/^Description: .*\nResources:\n {2}\w+:\n {4}Type: AWS::/);
    // Every line not indented is a section of a CloudFormation template.
    const topLevel = stdout.split('\n').filter((line) => /^\S/.test(line));
    for (const line of topLevel) {
      expect(line).toMatch(/^(Description|Resources|Outputs|Conditions|Parameters|Rules):/);
    }
  }, 60_000);
});

describe('buildIfStale', () => {
  /** Whether buildIfStale, run as the local tools run it, wrote a new bundle. */
  async function rebuilds(dir: string): Promise<boolean> {
    const bundle = `${dir}/dist/slice-completion/index.mjs`;
    const before = await stat(bundle).then(
      (s) => s.mtimeMs,
      () => 0,
    );
    const script = `await (await import('${dir}/infra/build.ts')).buildIfStale();`;
    await run(process.execPath, ['--input-type=module', '-e', script]);
    return (await stat(bundle)).mtimeMs !== before;
  }

  it('builds when there is no bundle, then only after something it is made of changed', async () => {
    const dir = await project();
    const sources = `${dir}/functions/slice-completion`;
    expect(await rebuilds(dir)).toBe(true);
    expect(await rebuilds(dir)).toBe(false);

    await appendFile(`${sources}/retry-delay.ts`, '\n');
    expect(await rebuilds(dir)).toBe(true);
    // A file added, renamed (keeping its old mtime) and deleted: the directory's mtime changes.
    await writeFile(`${sources}/notes.md`, 'notes');
    expect(await rebuilds(dir)).toBe(true);
    await rename(`${sources}/notes.md`, `${sources}/renamed.md`);
    expect(await rebuilds(dir)).toBe(true);
    await unlink(`${sources}/renamed.md`);
    expect(await rebuilds(dir)).toBe(true);
    await appendFile(`${dir}/infra/build.ts`, '\n');
    expect(await rebuilds(dir)).toBe(true);
    expect(await rebuilds(dir)).toBe(false);
  }, 60_000);
});
