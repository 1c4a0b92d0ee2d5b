// Whether a text shows anything at all. A chat line made only of zero-width characters, direction marks or
// blank-looking spaces arrives as an empty-looking line, so it is refused like an empty one.

// What draws nothing: whitespace of every script (NBSP, ideographic space...), format characters (zero-width
// space and joiners, BOM, direction marks, embeddings and isolates, soft hyphen, tags), the other
// default-ignorable code points (variation selectors, Hangul fillers), controls, and the blank braille cell.
const DRAWS_SOMETHING = /[^\p{White_Space}\p{Cf}\p{Cc}\p{Default_Ignorable_Code_Point}\u2800]/u;

/** True if the text has at least one character that shows on a terminal. */
export function hasVisibleText(text: string): boolean {
  return DRAWS_SOMETHING.test(text);
}
