// The REST contract as data, written from the API's specification (not from the code), so the
// tests that walk it check the code against the contract. Meta's webhook routes are no procedures: test/whatsapp and
// test/messages cover them. Who may call what is not here: each procedure declares it (`meta({ roles })`), and
// roles.test.ts checks that declaration against the README's table and against what the API answers.

export interface ContractRoute {
  method: 'GET' | 'POST';
  path: string;
  /** The tRPC procedure serving the same operation. */
  procedure: string;
  /** The success status over REST. */
  status: 200 | 201;
  /** Input fields that travel in the path, written `{name}` in `path` as OpenAPI does. */
  pathParams?: readonly string[];
  /** A POST whose whole input is in its path: it documents no request body. */
  noBody?: true;
}

export const CONTRACT: ContractRoute[] = [
  { method: 'POST', path: '/auth/register-tenant', procedure: 'auth.registerTenant', status: 201 },
  { method: 'POST', path: '/auth/login', procedure: 'auth.login', status: 200 },
  { method: 'POST', path: '/users', procedure: 'users.create', status: 201 },
  { method: 'GET', path: '/users', procedure: 'users.list', status: 200 },
  { method: 'GET', path: '/tenants', procedure: 'tenants.list', status: 200 },
  { method: 'POST', path: '/contacts/import', procedure: 'contacts.import', status: 200 },
  { method: 'GET', path: '/contacts', procedure: 'contacts.list', status: 200 },
  { method: 'POST', path: '/templates', procedure: 'templates.create', status: 201 },
  { method: 'GET', path: '/templates', procedure: 'templates.list', status: 200 },
  { method: 'POST', path: '/billing/add-credits', procedure: 'billing.addCredits', status: 200 },
  { method: 'GET', path: '/billing/balance', procedure: 'billing.balance', status: 200 },
  { method: 'GET', path: '/billing/ledger', procedure: 'billing.ledger', status: 200 },
  { method: 'POST', path: '/messages/schedule', procedure: 'messages.schedule', status: 201 },
  { method: 'GET', path: '/messages/{id}', procedure: 'messages.get', status: 200, pathParams: ['id'] },
  { method: 'GET', path: '/messages', procedure: 'messages.list', status: 200 },
  { method: 'POST', path: '/messages/{id}/cancel', procedure: 'messages.cancel', status: 200, pathParams: ['id'], noBody: true },
  { method: 'POST', path: '/messages/{id}/reschedule', procedure: 'messages.reschedule', status: 200, pathParams: ['id'] },
];

/** The concrete path for `input`, and what is left of the input for the query or the body. */
export function fillPath(route: Pick<ContractRoute, 'path' | 'pathParams'>, input: Record<string, unknown>): { path: string; rest: Record<string, unknown> } {
  const rest = { ...input };
  let path = route.path;
  for (const name of route.pathParams ?? []) {
    path = path.replace(`{${name}}`, encodeURIComponent(String(rest[name])));
    delete rest[name];
  }
  return { path, rest };
}
