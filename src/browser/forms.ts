// Form fields as the user changes them, how each one is shown, and what submitting a form sends
// (application/x-www-form-urlencoded, as a browser would). Pure: no I/O.
import { sanitizeLine } from '../text/sanitize.js';
import type { Document, FormField } from './document.js';

/** Current values of a document's fields, indexed like Document.fields. */
export interface FormState {
  values: string[];
  checked: boolean[];
}

export function initialFormState(doc: Document): FormState {
  return {
    values: doc.fields.map((f) => f.value),
    checked: doc.fields.map((f) => f.checked),
  };
}

/** Fields a user can act on get a number, like links; hidden fields and plain buttons do not. */
export function isNumberedField(field: FormField): boolean {
  return field.kind !== 'hidden' && field.kind !== 'button';
}

/** Whether choosing the field asks for a value (text, password, textarea, select). */
export function fieldTakesInput(field: FormField): boolean {
  return (
    field.kind === 'text' || field.kind === 'password' || field.kind === 'textarea' || field.kind === 'select'
  );
}

const SHOWN_VALUE_MAX = 24;

function shortValue(value: string): string {
  const v = sanitizeLine(value);
  return v.length > SHOWN_VALUE_MAX ? `${v.slice(0, SHOWN_VALUE_MAX - 1)}\u2026` : v;
}

/** How a field appears in the page, e.g. `[12 text: name=____]`; `number` is its link/field number. */
export function fieldLabel(field: FormField, state: FormState | undefined, number: number | null): string {
  const value = state?.values[field.index] ?? field.value;
  const checked = state?.checked[field.index] ?? field.checked;
  const n = number === null ? '' : `${number} `;
  const name = field.name || '(unnamed)';
  switch (field.kind) {
    case 'text':
    case 'textarea':
      return `[${n}${field.kind}: ${name}=${value ? shortValue(value) : '____'}]`;
    case 'password':
      return `[${n}password: ${name}=${value ? '*'.repeat(Math.min(value.length, SHOWN_VALUE_MAX)) : '____'}]`;
    case 'checkbox':
      return `[${n}${checked ? '[x]' : '[ ]'} ${name}${field.value !== 'on' ? `=${shortValue(field.value)}` : ''}]`;
    case 'radio':
      return `[${n}${checked ? '(*)' : '( )'} ${name}=${shortValue(field.value)}]`;
    case 'select': {
      const option = field.options.find((o) => o.value === value);
      return `[${n}select: ${name}=${shortValue(option?.label ?? value)}]`;
    }
    case 'submit':
      return `[${n}submit: ${shortValue(field.value)}]`;
    case 'button':
      return `[${shortValue(field.value)}]`;
    case 'hidden':
      return '';
  }
}

/** Checkbox: flips it. Radio: checks it and unchecks the others of its group. Returns the new state. */
export function toggleField(doc: Document, state: FormState, index: number): FormState {
  const field = doc.fields[index];
  if (!field) return state;
  const checked = state.checked.slice();
  if (field.kind === 'checkbox') checked[index] = !checked[index];
  else if (field.kind === 'radio') {
    for (const other of doc.fields)
      if (other.kind === 'radio' && other.form === field.form && other.name === field.name)
        checked[other.index] = false;
    checked[index] = true;
  }
  return { values: state.values, checked };
}

/** Sets a text field's value, or a select's (by option number from 1, option value or option label). */
export function setFieldValue(
  doc: Document,
  state: FormState,
  index: number,
  input: string,
): FormState | string {
  const field = doc.fields[index];
  if (!field) return 'no such field';
  const values = state.values.slice();
  if (field.kind === 'select') {
    const trimmed = input.trim();
    const byNumber = /^\d+$/.test(trimmed) ? field.options[Number(trimmed) - 1] : undefined;
    const option =
      byNumber ??
      field.options.find((o) => o.value === trimmed) ??
      field.options.find((o) => o.label.toLowerCase() === trimmed.toLowerCase());
    if (!option) return `no option "${sanitizeLine(trimmed)}" (choose 1-${field.options.length})`;
    values[index] = option.value;
  } else values[index] = input;
  return { values, checked: state.checked };
}

export interface Submission {
  method: 'GET' | 'POST';
  url: string;
  /** application/x-www-form-urlencoded body, for POST. */
  body?: string;
}

/**
 * What submitting a form sends. `via` is the submit field that was chosen (its name=value is included), or any
 * other field of the form (submitting as if Enter was pressed in it).
 */
export function buildSubmission(doc: Document, state: FormState, via: number): Submission | string {
  const trigger = doc.fields[via];
  if (!trigger) return 'no such field';
  if (trigger.form === null) return 'this field is not inside a form, so it cannot be submitted';
  const form = doc.forms[trigger.form]!;
  const params = new URLSearchParams();
  for (const field of doc.fields) {
    if (field.form !== trigger.form || !field.name) continue;
    const value = state.values[field.index] ?? field.value;
    switch (field.kind) {
      case 'submit':
        if (field.index === via) params.append(field.name, field.value);
        break;
      case 'button':
        break;
      case 'checkbox':
      case 'radio':
        if (state.checked[field.index]) params.append(field.name, field.value);
        break;
      case 'textarea':
        // Browsers send textarea line breaks as CRLF.
        params.append(field.name, value.replace(/\r?\n/g, '\r\n'));
        break;
      default:
        params.append(field.name, value);
    }
  }
  const action = (trigger.kind === 'submit' && trigger.formAction) || form.action;
  const method = (trigger.kind === 'submit' && trigger.formMethod) || form.method;
  const encoded = params.toString();
  if (method === 'post') return { method: 'POST', url: action, body: encoded };
  const url = new URL(action);
  // A GET form replaces the action's query with its own (HTML spec), and never sends the fragment.
  url.search = encoded;
  url.hash = '';
  return { method: 'GET', url: url.href };
}
