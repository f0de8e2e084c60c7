// Template placeholders and rendering: pure functions, shared by templates.create and message sending.

/** One `{{n}}` in a template's content, with where it sits. */
export interface Placeholder {
  number: number;
  start: number;
  end: number;
}

export type PlaceholderScan = { ok: true; placeholders: Placeholder[] } | { ok: false; problem: string };

/** Finds every `{{n}}` (n ≥ 1, no spaces, no leading zero); any other `{{…` is malformed. */
export function scanPlaceholders(content: string): PlaceholderScan {
  const placeholderAt = /\{\{([1-9][0-9]*)\}\}/y;
  const placeholders: Placeholder[] = [];
  let from = 0;
  for (let at = content.indexOf('{{', from); at !== -1; at = content.indexOf('{{', from)) {
    placeholderAt.lastIndex = at;
    const match = placeholderAt.exec(content);
    if (!match) {
      const close = content.indexOf('}}', at);
      const snippet = close === -1 || close - at > 30 ? `${content.slice(at, at + 12)}…` : content.slice(at, close + 2);
      return { ok: false, problem: `content has a malformed placeholder "${snippet}": write {{1}}, {{2}}… with no spaces` };
    }
    placeholders.push({ number: Number(match[1]), start: at, end: at + match[0].length });
    from = at + match[0].length;
  }
  return { ok: true, placeholders };
}

/** Contact fields a variable may name: the contact's name, phone, or one of its attributes. */
export const CONTACT_FIELD = /^(?:name|phone|attributes\.[A-Za-z0-9_-]{1,64})$/;
const isContactField = (variable: string): boolean => CONTACT_FIELD.test(variable);
export const CONTACT_FIELD_HINT = 'must be name, phone or attributes.<key> (key: letters, digits, _ or -, up to 64)';

const plural = (count: number, word: string) => `${count} ${word}${count === 1 ? '' : 's'}`;
const listOf = (numbers: readonly number[]) => {
  const shown = numbers.slice(0, 5).map((n) => `{{${n}}}`);
  if (numbers.length > 5) return `${shown.join(', ')}…`;
  return shown.length > 1 ? `${shown.slice(0, -1).join(', ')} and ${shown.at(-1)}` : (shown[0] ?? '');
};

/**
 * Checks that `content` and `variables` describe one another: placeholders numbered 1..n without
 * gaps (repeats allowed), exactly n variables, each naming a contact field. Returns what is wrong.
 */
export function checkTemplate(content: string, variables: readonly string[]): string | undefined {
  const scan = scanPlaceholders(content);
  if (!scan.ok) return scan.problem;
  const used = [...new Set(scan.placeholders.map((p) => p.number))].sort((a, b) => a - b);
  const highest = used.at(-1) ?? 0;
  if (used.length !== highest) {
    const missing: number[] = [];
    for (let n = 1, i = 0; n <= highest && missing.length < 6; n++) {
      if (used[i] === n) i++;
      else missing.push(n);
    }
    return `content uses ${listOf(used)} but not ${listOf(missing)}`;
  }
  if (variables.length !== highest) {
    return `${plural(variables.length, 'variable')} given for ${plural(highest, 'placeholder')}`;
  }
  const bad = variables.findIndex((variable) => !isContactField(variable));
  if (bad !== -1) return `variables[${bad}] "${variables[bad]}" ${CONTACT_FIELD_HINT}`;
  return undefined;
}

export interface RenderContact {
  phone: string;
  name?: string | null | undefined;
  attributes?: Readonly<Record<string, unknown>> | null | undefined;
}

export type RenderResult = { ok: true; body: string; parameters: string[] } | { ok: false; missing: string[] };

function contactValue(contact: RenderContact, variable: string): string | undefined {
  if (variable === 'name') return contact.name ?? undefined;
  if (variable === 'phone') return contact.phone;
  if (!variable.startsWith('attributes.')) return undefined;
  const value = contact.attributes?.[variable.slice('attributes.'.length)];
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' ? String(value) : undefined;
}

const present = (value: string | undefined): value is string => value !== undefined && value.trim() !== '';

/**
 * Fills a template for one contact. Explicit `parameters` (keyed by variable name) win over the
 * contact's fields; a blank value counts as absent. `parameters` in the result are in placeholder
 * order ({{1}} first), as WhatsApp expects its body parameters.
 */
export function renderTemplate(
  template: { content: string; variables: readonly string[] },
  contact: RenderContact,
  parameters: Readonly<Record<string, string>> = {},
): RenderResult {
  // Stored templates were checked at creation; a broken one is a programming error, not bad input.
  const problem = checkTemplate(template.content, template.variables);
  const scan = scanPlaceholders(template.content);
  if (problem || !scan.ok) throw new Error(`Template cannot be rendered: ${problem}`);

  const values: string[] = [];
  const missing: string[] = [];
  for (const variable of template.variables) {
    const explicit = Object.hasOwn(parameters, variable) ? parameters[variable] : undefined;
    const value = present(explicit) ? explicit : contactValue(contact, variable);
    if (present(value)) values.push(value);
    else if (!missing.includes(variable)) missing.push(variable);
  }
  if (missing.length > 0) return { ok: false, missing };

  let body = '';
  let from = 0;
  for (const placeholder of scan.placeholders) {
    body += template.content.slice(from, placeholder.start) + values[placeholder.number - 1];
    from = placeholder.end;
  }
  body += template.content.slice(from);
  return { ok: true, body, parameters: values };
}
