// `npm test` provides what the suite needs beyond npm's packages (scripts/ensure-test-tools.ts): it installs what is
// missing with apt-get when it can, and otherwise stops with one line saying what to install. Run here against a
// stand-in apt-get and a PATH without Java or Maven, so nothing on this machine changes.
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '../..');

describe('npm test provides its own tools', () => {
  let scratch: string | undefined;
  afterEach(() => scratch && rmSync(scratch, { recursive: true, force: true }));

  /** Runs the provisioning step with only node (and the given stand-ins) on PATH, and a cache of its own. */
  function provision(options: { aptGet: boolean }) {
    scratch = mkdtempSync(path.join(os.tmpdir(), 'herald-provision-'));
    const bin = path.join(scratch, 'bin');
    const aptLog = path.join(scratch, 'apt.log');
    mkdirSync(bin);
    symlinkSync(process.execPath, path.join(bin, 'node'));
    if (options.aptGet) {
      writeFileSync(path.join(bin, 'apt-get'), `#!/bin/sh\necho "$@" >> ${aptLog}\n`);
      chmodSync(path.join(bin, 'apt-get'), 0o755);
    }
    const result = spawnSync(process.execPath, ['scripts/ensure-test-tools.ts'], {
      cwd: ROOT,
      env: { HOME: os.homedir(), PATH: bin, HERALD_CACHE_DIR: path.join(scratch, 'cache'), CHROMIUM_PATH: path.join(scratch, 'no-chromium') },
      encoding: 'utf8',
      timeout: 60_000,
    });
    return { ...result, apt: existsSync(aptLog) ? readFileSync(aptLog, 'utf8').trim().split('\n') : [] };
  }

  it('with apt-get, installs everything missing as root (one update, one install, packages cached), and never as another user', () => {
    const run = provision({ aptGet: true });
    if (process.getuid?.() === 0) {
      expect(run.apt.map((line) => line.replace(/.*Sandbox::User=root /, ''))).toEqual(['update -qq', 'install -y -qq chromium default-jre-headless maven']);
      expect(run.apt[0]).toContain(`Dir::Cache::Archives=${path.join(scratch!, 'cache', 'apt', 'archives')}`);
    } else {
      expect(run.apt).toEqual([]);
    }
    // The stand-in installed nothing: the one line says what is still missing.
    expect(run.status).toBe(1);
    expect(run.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^\[test setup\] Missing Chromium .*Java 17 or newer.*Maven.*apt-get install chromium default-jre-headless maven/)]);
  });

  it('without apt-get (or root), installs nothing and stops with one line naming what to install', () => {
    const run = provision({ aptGet: false });
    expect(run.status).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr.trim().split('\n')).toEqual([
      expect.stringMatching(/^\[test setup\] Missing Chromium at .*no-chromium.*, Java 17 or newer .*, Maven .*: this user cannot install them .*`apt-get install chromium default-jre-headless maven`, or set CHROMIUM_PATH/),
    ]);
  });

  it('says nothing and succeeds when everything is there', () => {
    const result = spawnSync(process.execPath, ['scripts/ensure-test-tools.ts'], { cwd: ROOT, encoding: 'utf8', timeout: 120_000 });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
  });
});
