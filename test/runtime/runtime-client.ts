// AWS's Lambda runtime interface client (aws-lambda-ric), the client of the managed Node.js
// runtimes, installed on first use from test/runtime/ric/ (its own package.json and lockfile, so
// version and integrity are pinned) into an ignored cache folder. Its install builds curl,
// aws-lambda-cpp and a native addon from the sources in the package (about a minute), so it is
// not part of the project's `npm ci`; a later run reuses the build while the lockfile and the
// Node version are the same.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createWriteStream, existsSync } from 'node:fs';
import { copyFile, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { root } from '../../infra/paths.ts';

const packageDir = `${root}test/runtime/ric`;
const cacheDir = `${root}.cache/runtime-client`;
const stampPath = `${cacheDir}/installed.json`;
const logPath = `${cacheDir}/install.log`;
export const runtimeClientPath = `${cacheDir}/node_modules/aws-lambda-ric/index.mjs`;

/** Installs the runtime client unless the cache already holds this lockfile's build. */
export async function ensureRuntimeClient(): Promise<void> {
  const stamp = JSON.stringify({
    lockfileSha256: createHash('sha256')
      .update(await readFile(`${packageDir}/package-lock.json`))
      .digest('hex'),
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
  });
  const installed = await readFile(stampPath, 'utf8').catch(() => undefined);
  if (installed === stamp && existsSync(runtimeClientPath)) return;

  const nodedir = nodeHeadersDir();
  console.log(`installing aws-lambda-ric into ${cacheDir} (first run: about a minute)`);
  await rm(cacheDir, { recursive: true, force: true });
  await mkdir(cacheDir, { recursive: true });
  await copyFile(`${packageDir}/package.json`, `${cacheDir}/package.json`);
  await copyFile(`${packageDir}/package-lock.json`, `${cacheDir}/package-lock.json`);
  await npmCi(nodedir);
  await writeFile(stampPath, stamp);
}

/**
 * The pinned Node's own headers, shipped in its platform package (`node-<os>-<arch>`, locked in
 * package-lock.json): node-gyp builds against them and downloads nothing.
 */
function nodeHeadersDir(): string {
  const dir = `${root}node_modules/node-${process.platform}-${process.arch}`;
  const versionHeader = `${dir}/include/node/node_version.h`;
  if (!existsSync(versionHeader)) {
    throw new Error(`no Node headers at ${versionHeader}; run npm ci`);
  }
  return dir;
}

async function npmCi(nodedir: string): Promise<void> {
  // A clean environment for npm: the npm_* variables of the `npm run` we may be inside would point
  // it at the project (npm_config_local_prefix). The running Node goes first on PATH, so the
  // install scripts and node-gyp run on the pinned Node too.
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !/^npm_/i.test(name) && name !== 'NODE'),
  );
  Object.assign(env, {
    PATH: `${dirname(process.execPath)}:${process.env.PATH ?? ''}`,
    npm_config_nodedir: nodedir,
  });
  const log = createWriteStream(logPath);
  const child = spawn('npm', ['ci', '--foreground-scripts', '--no-audit', '--no-fund'], {
    cwd: cacheDir,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout.pipe(log, { end: false });
  child.stderr.pipe(log, { end: false });
  const code = await new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', resolve);
  });
  await new Promise((resolve) => log.end(resolve));
  if (code !== 0) {
    const tail = (await readFile(logPath, 'utf8')).split('\n').slice(-30).join('\n');
    throw new Error(`npm ci of aws-lambda-ric failed (exit ${code}); ${logPath} ends:\n${tail}`);
  }
}
