// The one name rule every plainwire chat shares (the TCP chat's screen names and groups, imchat's users and
// rooms), so a name that works in one works in the other and `ALICE` can never sit beside `alice`.

/** 1-32 ASCII letters, digits, `_`, `-`, `.`; ASCII only, so there are no look-alikes. */
export const NAME_PATTERN = /^[A-Za-z0-9_.-]{1,32}$/;
const HAS_LETTER_OR_DIGIT = /[A-Za-z0-9]/;

/** The rule in words, for error messages and help. */
export const NAME_RULE = "1-32 letters, digits, '_', '-' or '.', with at least one letter or digit";

/** True for a usable name: the pattern, and at least one letter or digit (so not `.`, `..` or `-`). */
export function isValidName(name: string): boolean {
  return NAME_PATTERN.test(name) && HAS_LETTER_OR_DIGIT.test(name);
}

/** Names are unique case-insensitively; this is the form they are compared and stored under. */
export function nameKey(name: string): string {
  return name.toLowerCase();
}
