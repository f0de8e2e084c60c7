// Debian packages Herald's scripts need (Chromium, Java, Maven, Python's venv), provided the way `npm start` builds
// the Temporal CLI: by themselves when they can (apt-get as root; the downloaded .deb files kept under the Herald
// cache), else one line saying what to install.
import { spawnSync } from 'node:child_process';
import { accessSync, constants, mkdirSync } from 'node:fs';
import path from 'node:path';
import { CACHE_DIR } from './temporal.ts';

export interface Requirement {
  /** What it is and who needs it, for people: "Chromium (the browser test)". */
  what: string;
  /** The Debian packages that provide it. */
  packages: string[];
  /** Whether it is there (and recent enough); asked again after installing. */
  present(): boolean;
  /** Another way to provide it, said when it cannot be installed: "set CHROMIUM_PATH to a Chromium". */
  otherwise?: string;
}

/** Where apt-get keeps the .deb files it downloads for Herald, so a machine with this cache skips the download. */
const APT_ARCHIVES = path.join(CACHE_DIR, 'apt', 'archives');

export const isExecutable = (file: string): boolean => {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
};

export const onPath = (command: string): boolean =>
  (process.env.PATH ?? '').split(path.delimiter).some((dir) => dir !== '' && isExecutable(path.join(dir, command)));

/** The output of `command args` (stdout and stderr), or undefined when it cannot run or fails. */
export function outputOf(command: string, args: string[]): string | undefined {
  const result = spawnSync(command, args, { encoding: 'utf8', timeout: 30_000 });
  return result.status === 0 ? `${result.stdout}${result.stderr}` : undefined;
}

function apt(args: string[]): void {
  const result = spawnSync('apt-get', ['-o', `Dir::Cache::Archives=${APT_ARCHIVES}`, '-o', 'APT::Sandbox::User=root', ...args], {
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  if (result.status !== 0) throw new Error(`apt-get ${args.join(' ')} failed (exit ${result.status ?? result.signal})`);
}

/**
 * Provides every requirement that is missing, with one `apt-get update` and one `apt-get install` when this is root
 * on a Debian-like system. Returns undefined when all are present afterwards, else the one line that says what to
 * install (and how else to provide it).
 */
export function provide(requirements: Requirement[], say: (line: string) => void): string | undefined {
  const missing = requirements.filter((requirement) => !requirement.present());
  if (missing.length === 0) return undefined;
  const packages = [...new Set(missing.flatMap((requirement) => requirement.packages))];
  const canInstall = process.getuid?.() === 0 && onPath('apt-get');
  if (canInstall) {
    say(`installing ${packages.join(' ')} with apt-get, for ${missing.map((requirement) => requirement.what).join(', ')} (once)`);
    mkdirSync(path.join(APT_ARCHIVES, 'partial'), { recursive: true });
    try {
      apt(['update', '-qq']);
      apt(['install', '-y', '-qq', ...packages]);
    } catch (error) {
      say(error instanceof Error ? error.message : String(error));
    }
  }
  const still = missing.filter((requirement) => !requirement.present());
  if (still.length === 0) return undefined;
  const stillPackages = [...new Set(still.flatMap((requirement) => requirement.packages))];
  const otherwise = still.flatMap((requirement) => (requirement.otherwise ? [requirement.otherwise] : []));
  const who = canInstall ? 'apt-get could not install them' : 'this user cannot install them (not root, or no apt-get)';
  const instead = otherwise.length > 0 ? `, or ${otherwise.join(', or ')}` : '';
  return `Missing ${still.map((requirement) => requirement.what).join(', ')}: ${who}; as root run \`apt-get install ${stillPackages.join(' ')}\`${instead}`;
}
