// docker compose runs sandbox mode by default, where the API also serves the simulated Graph API: it publishes
// the API on loopback unless the operator says otherwise.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

describe('docker compose publishes the sandbox-mode API on loopback by default', () => {
  it('binds the api service to 127.0.0.1 unless HERALD_API_BIND is set', () => {
    const compose = parse(readFileSync(new URL('../../docker-compose.yml', import.meta.url), 'utf8'), { merge: true });
    // Compose's `${NAME:-default}`, as `docker compose` resolves it with the variable unset.
    const resolved = (compose.services.api.ports as string[]).map((port) => port.replace(/\$\{(\w+):-([^}]*)\}/g, (_all, _name, fallback) => fallback));
    expect(resolved).toEqual(['127.0.0.1:3000:3000']);
  });
});
