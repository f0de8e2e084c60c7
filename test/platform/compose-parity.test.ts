// docker-compose.yml and the production run (`npm run test:production`) describe one topology: the same command
// lines as package.json's start scripts, the same search attributes as the workflows set, the same environment.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { startCommand } from '../../bench/lib/processes.ts';
import { apiEnv, sharedEnv, workerEnv } from '../../scripts/lib/production-env.ts';
import { SEARCH_ATTRIBUTES } from '../../workflows/shared.ts';

const read = (file: string) => readFileSync(new URL(`../../${file}`, import.meta.url), 'utf8');
const compose = parse(read('docker-compose.yml'), { merge: true });
const service = (name: string) => compose.services[name];
const keys = (env: Record<string, unknown>) => Object.keys(env).sort();

/** The image's default command (what compose's api runs when it names none). */
const imageCommand = (): string[] => JSON.parse(/^CMD (\[.*\])$/m.exec(read('Dockerfile'))![1]!);

const runEnv = () =>
  sharedEnv({
    databaseUrl: 'postgresql://h:h@127.0.0.1:1/h',
    temporalAddress: '127.0.0.1:2',
    taskQueue: 'q',
    dataDir: '/tmp/x',
    graphUrl: 'http://127.0.0.1:3',
    accessToken: 't',
    appSecret: 's',
    phoneNumberId: '1',
  });

/** Set by the production run and not by compose, each for a reason. */
const RUN_ONLY_SHARED = {
  WHATSAPP_API_BASE_URL: "the run's cloud mode calls the local Graph stand-in; compose's calls Meta itself",
};
const RUN_ONLY_API = {
  PORT: 'two APIs share one host in the run; compose has one per container, on the image’s PORT=3000',
  HOST: 'the run listens on loopback on a shared machine; a container listens on every interface (the default)',
};

describe('docker-compose.yml and the production run describe the same topology', () => {
  it('starts api and worker with the node flags and entry points of npm run start:api / start:worker', () => {
    const api = service('api').command ?? imageCommand();
    expect(api).toEqual(['node', ...startCommand('api')]);
    expect(imageCommand()).toEqual(['node', ...startCommand('api')]);
    expect(service('worker').command).toEqual(['node', ...startCommand('worker')]);
    expect(startCommand('api')).toEqual(['--max-semi-space-size=8', 'server/entrypoints/api.ts']);
    expect(startCommand('worker')).toEqual(['--max-semi-space-size=8', 'server/entrypoints/worker.ts']);
  });

  it('registers exactly the search attributes the workflows set, everywhere Herald registers them', () => {
    const names = Object.values(SEARCH_ATTRIBUTES).sort();
    const script: string = service('temporal-admin-tools').command.join('\n');
    const lists = [...script.matchAll(/for name in ([^;]+); do/g)].map((match) => match[1]!.trim().split(/\s+/).sort());
    // The loop that creates them and the loop that checks them.
    expect(lists).toHaveLength(2);
    for (const list of lists) expect(list).toEqual(names);
    expect(script).toMatch(/--name "\$\$name" --type Keyword/);
    // The dev server (npm start, tests), Temporal's own server (the production run) and the test server take the list from the code.
    for (const file of ['scripts/lib/temporal.ts', 'scripts/lib/temporal-server.ts', 'scripts/lib/temporal-test-server.ts']) {
      const source = read(file);
      expect(source, file).toContain('Object.values(SEARCH_ATTRIBUTES)');
      for (const name of names) expect(source, `${file} names ${name} itself`).not.toContain(`'${name}'`);
    }
    // The README's command for a Temporal server you run yourself.
    const command = /temporal operator search-attribute create (.*)/.exec(read('README.md'))![1]!;
    expect([...command.matchAll(/--name (\w+) --type Keyword/g)].map((match) => match[1]).sort()).toEqual(names);
  });

  it("gives the processes the same environment: compose's x-herald-env is the run's shared one, key for key", () => {
    const composeShared = compose['x-herald-env'] as Record<string, string>;
    const run = runEnv();
    const runShared = Object.fromEntries(Object.entries(run).filter(([key]) => !(key in RUN_ONLY_SHARED)));
    expect(keys(runShared)).toEqual(keys(composeShared));
    for (const key of Object.keys(RUN_ONLY_SHARED)) expect(run, key).toHaveProperty(key);
    expect(run.NODE_ENV).toBe(composeShared.NODE_ENV);
    // The api service adds nothing of its own; the run's APIs add only what RUN_ONLY_API explains.
    expect(keys(service('api').environment)).toEqual(keys(composeShared));
    expect(keys(apiEnv(1))).toEqual(keys(RUN_ONLY_API));
    expect(read('Dockerfile')).toMatch(/PORT=3000/);
    // The worker service adds its own on top of the shared ones, and the run's workers add the same.
    const workerOwn = Object.keys(service('worker').environment).filter((key) => !(key in composeShared)).sort();
    expect(keys(service('worker').environment)).toEqual([...keys(composeShared), ...workerOwn].sort());
    expect(keys(workerEnv('http://api', 1))).toEqual(workerOwn);
  });
});
