import { describe, expect, it } from 'vitest';
import { parseDocument } from '../../src/browser/document.js';
import { buildSubmission, initialFormState, setFieldValue, toggleField } from '../../src/browser/forms.js';

const doc = parseDocument(
  '<form action="/s?drop=1#frag"><input name=q value="a b"><input type=radio name=r value=x checked>' +
    '<input type=radio name=r value=y><input type=checkbox name=c value=1><select name=s><option value=v1>One<option value=v2>Two</select>' +
    '<textarea name=t>l1\nl2</textarea><input type=submit name=go value=Go><input type=submit value=Other formmethod=post formaction="/p"></form>',
  'http://example.test/dir/',
);

describe('forms', () => {
  it('builds a GET submission that replaces the action query and drops the fragment', () => {
    const sub = buildSubmission(doc, initialFormState(doc), 6);
    expect(sub).toEqual({
      method: 'GET',
      url: 'http://example.test/s?q=a+b&r=x&s=v1&t=l1%0D%0Al2&go=Go',
    });
  });

  it('toggles radios as a group and checkboxes alone, and picks select options by number or label', () => {
    let state = initialFormState(doc);
    state = toggleField(doc, state, 2);
    state = toggleField(doc, state, 3);
    const chosen = setFieldValue(doc, state, 4, 'two');
    if (typeof chosen === 'string') throw new Error(chosen);
    expect(setFieldValue(doc, chosen, 4, '1')).toMatchObject({ values: expect.arrayContaining(['v1']) });
    expect(setFieldValue(doc, chosen, 4, '9')).toMatch(/no option "9" \(choose 1-2\)/);
    const sub = buildSubmission(doc, chosen, 7);
    expect(sub).toEqual({
      method: 'POST',
      url: 'http://example.test/p',
      body: 'q=a+b&r=y&c=1&s=v2&t=l1%0D%0Al2',
    });
  });

  it('refuses to submit a field outside any form', () => {
    const lone = parseDocument('<input name=x><input type=submit>', 'http://e.test/');
    expect(buildSubmission(lone, initialFormState(lone), 1)).toMatch(/not inside a form/);
  });
});
