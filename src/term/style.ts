// Decides whether to colour output, following the NO_COLOR and FORCE_COLOR conventions.

export interface ColourStream {
  isTTY?: boolean;
}

/** Colour on a TTY unless NO_COLOR is set; FORCE_COLOR (not "0") forces it on anywhere. */
export function shouldColour(stream: ColourStream, env: NodeJS.ProcessEnv = process.env): boolean {
  const force = env.FORCE_COLOR;
  if (force !== undefined && force !== '' && force !== '0' && force !== 'false') return true;
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  if (force === '0' || force === 'false') return false;
  return stream.isTTY === true;
}

/** SGR styling that collapses to plain text when colour is off. */
export function makeStyle(colour: boolean) {
  const wrap = (open: string, close: string) => (s: string) =>
    colour ? `\u001b[${open}m${s}\u001b[${close}m` : s;
  return {
    colour,
    bold: wrap('1', '22'),
    dim: wrap('2', '22'),
    italic: wrap('3', '23'),
    underline: wrap('4', '24'),
    red: wrap('31', '39'),
    green: wrap('32', '39'),
    yellow: wrap('33', '39'),
    blue: wrap('34', '39'),
    magenta: wrap('35', '39'),
    cyan: wrap('36', '39'),
  };
}

export type Style = ReturnType<typeof makeStyle>;
