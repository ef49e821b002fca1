import { cp, mkdtemp, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { root } from '../../infra/paths.ts';

/**
 * What builds and synthesizes the function, copied to a temporary directory (node_modules linked),
 * so a test can build there without rewriting the dist/ that other test files are loading.
 */
export async function copyProject(): Promise<{ dir: string; remove(): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'slice-completion-copy-'));
  for (const entry of ['package.json', 'cdk.json', 'infra', 'functions', 'schema']) {
    await cp(`${root}${entry}`, `${dir}/${entry}`, { recursive: true });
  }
  await symlink(`${root}node_modules`, `${dir}/node_modules`);
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}
