import { describe, expect, it } from 'vitest';
import { checkTemplate, renderTemplate, scanPlaceholders } from '../../server/modules/templates/render.ts';

const seed = { content: 'Hello {{1}}, welcome!', variables: ['name'] };
const alice = { phone: '+14155550100', name: 'Alice', attributes: { city: 'Lisbon', plan: 'gold' } };

describe('rendering a template for a contact', () => {
  it("fills the documentation's template with the contact's name", () => {
    expect(renderTemplate(seed, alice)).toEqual({ ok: true, body: 'Hello Alice, welcome!', parameters: ['Alice'] });
  });

  it('repeats a value wherever its placeholder repeats, and lists parameters once in placeholder order', () => {
    const template = { content: '{{2}}: hi {{1}}! {{1}}, your number is {{2}}.', variables: ['name', 'phone'] };
    expect(renderTemplate(template, alice)).toEqual({
      ok: true,
      body: '+14155550100: hi Alice! Alice, your number is +14155550100.',
      parameters: ['Alice', '+14155550100'],
    });
  });

  it("reads the contact's attributes", () => {
    const template = { content: 'See you in {{1}} on the {{2}} plan', variables: ['attributes.city', 'attributes.plan'] };
    expect(renderTemplate(template, alice)).toMatchObject({ ok: true, body: 'See you in Lisbon on the gold plan' });
  });

  it("lets explicit parameters win over the contact's fields and supply what the contact lacks", () => {
    const template = { content: '{{1}} in {{2}}, code {{3}}', variables: ['name', 'attributes.city', 'attributes.code'] };
    const result = renderTemplate(template, alice, { name: 'Dr. Alice', 'attributes.code': 'X42' });
    expect(result).toEqual({ ok: true, body: 'Dr. Alice in Lisbon, code X42', parameters: ['Dr. Alice', 'Lisbon', 'X42'] });
  });

  it('reports every variable it cannot resolve: no name, absent attribute, empty value', () => {
    const template = {
      content: '{{1}} {{2}} {{3}} {{4}} {{1}}',
      variables: ['name', 'attributes.city', 'attributes.plan', 'phone'],
    };
    const nameless = { phone: '+14155550100', name: null, attributes: { plan: '  ' } };
    expect(renderTemplate(template, nameless)).toEqual({ ok: false, missing: ['name', 'attributes.city', 'attributes.plan'] });
    // A blank explicit parameter does not count as a value either.
    expect(renderTemplate(seed, { phone: '+14155550100' }, { name: '' })).toEqual({ ok: false, missing: ['name'] });
  });

  it('refuses to render a template that could never have been created', () => {
    expect(() => renderTemplate({ content: 'Hi {{1}} {{2}}', variables: ['name'] }, alice)).toThrow(/1 variable given for 2 placeholders/);
  });

  it('renders content without placeholders as it is', () => {
    expect(renderTemplate({ content: 'Your order has shipped.', variables: [] }, alice)).toEqual({
      ok: true,
      body: 'Your order has shipped.',
      parameters: [],
    });
  });
});

describe('checking placeholders against variables', () => {
  it('accepts contiguous placeholders in any order, repeated, with one variable each', () => {
    expect(checkTemplate('Hello {{1}}, welcome!', ['name'])).toBeUndefined();
    expect(checkTemplate('{{2}} then {{1}} then {{2}}', ['phone', 'attributes.first-name_2'])).toBeUndefined();
    expect(checkTemplate('No placeholders { here }', [])).toBeUndefined();
  });

  it('names the gap, the count mismatch and the bad variable', () => {
    expect(checkTemplate('{{1}} and {{3}}', ['name', 'phone', 'phone'])).toBe('content uses {{1}} and {{3}} but not {{2}}');
    expect(checkTemplate('{{2}}', ['name'])).toBe('content uses {{2}} but not {{1}}');
    expect(checkTemplate('{{1}} {{2}}', ['name', 'phone', 'name'])).toBe('3 variables given for 2 placeholders');
    expect(checkTemplate('{{1}}', [])).toBe('0 variables given for 1 placeholder');
    expect(checkTemplate('plain', ['name'])).toBe('1 variable given for 0 placeholders');
    expect(checkTemplate('{{1}} {{2}}', ['name', 'email'])).toMatch(/^variables\[1\] "email" must be name, phone or attributes/);
    expect(checkTemplate('{{1}}', ['attributes.'])).toMatch(/"attributes\." must be/);
  });

  it('refuses malformed placeholders', () => {
    for (const content of ['Hi {{0}}', 'Hi {{ 1 }}', 'Hi {{name}}', 'Hi {{01}}', 'Hi {{1', 'Hi {{{1}}}']) {
      expect(checkTemplate(content, ['name']), content).toMatch(/^content has a malformed placeholder/);
    }
    expect(scanPlaceholders('Hi {{ 1 }}')).toEqual({ ok: false, problem: expect.stringContaining('"{{ 1 }}"') });
  });
});
