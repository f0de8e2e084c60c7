// Which contacts a search matches, for GET /contacts and for a campaign's audience filter alike: a part of
// the name, in any case; a search of digits (and phone punctuation) also a part of the phone.

// LIKE treats % and _ as wildcards and \ as the escape: a search for "50%" means the text "50%".
const likeLiteral = (text: string): string => text.replace(/[\\%_]/g, (char) => `\\${char}`);

/** The SQL condition of a search on the contact table under `alias`, with its parameters; none for a blank search. */
export function contactSearch(asked: string | undefined): { sql: (alias: string) => string; params: string[] } | undefined {
  const search = asked?.trim();
  if (!search) return undefined;
  const name = `%${likeLiteral(search)}%`;
  // "+1 (555) 123" searches the digits 1555123 of the stored E.164 phones.
  const digits = search.replace(/[\s+().-]/g, '');
  if (/^\d+$/.test(digits)) return { sql: (alias) => `(${alias}.name ilike ? or ${alias}.phone like ?)`, params: [name, `%${digits}%`] };
  return { sql: (alias) => `${alias}.name ilike ?`, params: [name] };
}
