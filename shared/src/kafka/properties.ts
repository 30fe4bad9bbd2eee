/**
 * Reads the text of a `.properties` file as java.util.Properties.load does, so a client.properties
 * written for Kafka's Java tools means the same here: `#` and `!` comment lines; a key ends at the
 * first unescaped `=`, `:` or white space; a line ending in an odd number of backslashes goes on on
 * the next (whose leading white space is dropped); `\t \n \r \f \uXXXX` and `\<any>` escapes.
 * The last value of a repeated key wins.
 */
export function parseProperties(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of logicalLines(text)) {
    let i = 0;
    let key = '';
    while (i < line.length && !/[=:\s]/.test(line[i] as string)) {
      if (line[i] === '\\') {
        const [c, next] = unescapeAt(line, i);
        key += c;
        i = next;
      } else key += line[i++];
    }
    while (i < line.length && /[ \t\f]/.test(line[i] as string)) i++;
    if (line[i] === '=' || line[i] === ':') i++;
    while (i < line.length && /[ \t\f]/.test(line[i] as string)) i++;
    let value = '';
    while (i < line.length) {
      if (line[i] === '\\') {
        const [c, next] = unescapeAt(line, i);
        value += c;
        i = next;
      } else value += line[i++];
    }
    out.set(key, value);
  }
  return out;
}

/** Natural lines joined where a line ends in an odd number of backslashes; comments and blank lines dropped. */
function logicalLines(text: string): string[] {
  const lines: string[] = [];
  let pending: string | null = null;
  for (const raw of text.split(/\r\n|\r|\n/)) {
    const stripped = raw.replace(/^[ \t\f]+/, '');
    if (pending === null && (stripped === '' || stripped.startsWith('#') || stripped.startsWith('!'))) continue;
    const trailing = /\\*$/.exec(stripped)?.[0].length ?? 0;
    const continues = trailing % 2 === 1;
    const content = continues ? stripped.slice(0, -1) : stripped;
    pending = (pending ?? '') + content;
    if (!continues) {
      lines.push(pending);
      pending = null;
    }
  }
  if (pending !== null) lines.push(pending);
  return lines;
}

/** The character an escape at `i` (a backslash) stands for, and the index after the escape. */
function unescapeAt(line: string, i: number): [string, number] {
  const c = line[i + 1];
  if (c === undefined) return ['', i + 1];
  if (c === 'u') {
    const hex = line.slice(i + 2, i + 6);
    if (!/^[0-9a-fA-F]{4}$/.test(hex)) throw new Error(`malformed \\uxxxx escape "\\u${hex}"`);
    return [String.fromCharCode(parseInt(hex, 16)), i + 6];
  }
  const named: Record<string, string> = { t: '\t', n: '\n', r: '\r', f: '\f' };
  return [named[c] ?? c, i + 2];
}
