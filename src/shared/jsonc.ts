// Just enough JSON-with-comments for mcp.json (shared by the helper, which parses it, and the extension, which edits it): parse it, and insert a member into an object without losing the file's comments.
// (Written when jsonc-parser could not be bundled; scripts/build.mjs now bundles its ESM build, which src/cli/adopt/ uses.)

/** The text with comments blanked out and trailing commas removed (offsets preserved); strings are left intact. */
export function stripJsonComments(text: string): string {
  const out = text.split('');
  let i = 0;
  let lastSignificant = -1;
  while (i < text.length) {
    const c = text[i]!;
    if (c === '"') {
      i++;
      while (i < text.length && text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
      lastSignificant = i;
      i++;
    } else if (c === '/' && text[i + 1] === '/') {
      while (i < text.length && text[i] !== '\n') out[i++] = ' ';
    } else if (c === '/' && text[i + 1] === '*') {
      const end = text.indexOf('*/', i + 2);
      const stop = end < 0 ? text.length : end + 2;
      for (; i < stop; i++) if (text[i] !== '\n') out[i] = ' ';
    } else {
      if ((c === '}' || c === ']') && lastSignificant >= 0 && out[lastSignificant] === ',') out[lastSignificant] = ' ';
      if (!/\s/.test(c)) lastSignificant = i;
      i++;
    }
  }
  return out.join('');
}

/** JSON.parse for JSON with comments and trailing commas; throws a SyntaxError like JSON.parse. */
export function parseJsonc(text: string): unknown {
  return JSON.parse(stripJsonComments(text));
}

/** Offsets of the `{` and `}` of the object that is the value of top-level `key`, or null. */
export function findTopLevelObject(text: string, key: string): { open: number; close: number } | null {
  const clean = stripJsonComments(text);
  let depth = 0;
  let i = 0;
  let pendingKey: string | null = null;
  let target: { open: number } | null = null;
  while (i < clean.length) {
    const c = clean[i]!;
    if (c === '"') {
      const start = i;
      i++;
      while (i < clean.length && clean[i] !== '"') i += clean[i] === '\\' ? 2 : 1;
      const str = JSON.parse(clean.slice(start, i + 1)) as string;
      i++;
      if (depth === 1) {
        let j = i;
        while (j < clean.length && /\s/.test(clean[j]!)) j++;
        if (clean[j] === ':') pendingKey = str;
      }
      continue;
    }
    if (c === '{' || c === '[') {
      if (depth === 1 && c === '{' && pendingKey === key && !target) target = { open: i };
      depth++;
    } else if (c === '}' || c === ']') {
      depth--;
      if (target && depth === 1) return { open: target.open, close: i };
    } else if (c === ',' && depth === 1) {
      pendingKey = null;
    }
    i++;
  }
  return null;
}

/**
 * Inserts `"name": value` as the last member of the top-level object `key` (creating `key` when absent),
 * indented like a 2-space file; the rest of the text, comments included, is untouched.
 */
export function insertMember(text: string, key: string, name: string, value: unknown): string {
  const indent = '  ';
  const valueText = JSON.stringify(value, null, 2).replace(/\n/g, `\n${indent}${indent}`);
  const member = `${indent}${indent}${JSON.stringify(name)}: ${valueText}`;
  const found = findTopLevelObject(text, key);
  if (found) {
    const clean = stripJsonComments(text);
    const inner = clean.slice(found.open + 1, found.close);
    if (!inner.trim()) return `${text.slice(0, found.open + 1)}\n${member}\n${indent}${text.slice(found.close)}`;
    // After the last significant character inside the object (skipping comments and whitespace), add a comma and the member.
    let last = found.close - 1;
    while (last > found.open && /\s/.test(clean[last]!)) last--;
    const needsComma = clean[last] !== ',';
    return `${text.slice(0, last + 1)}${needsComma ? ',' : ''}\n${member}${text.slice(last + 1)}`;
  }
  const clean = stripJsonComments(text);
  const rootOpen = clean.indexOf('{');
  const rootClose = clean.lastIndexOf('}');
  if (rootOpen < 0 || rootClose < rootOpen) throw new SyntaxError('the file does not contain a JSON object');
  const block = `${indent}${JSON.stringify(key)}: {\n${member}\n${indent}}`;
  const inner = clean.slice(rootOpen + 1, rootClose);
  if (!inner.trim()) return `${text.slice(0, rootOpen + 1)}\n${block}\n${text.slice(rootClose)}`;
  let last = rootClose - 1;
  while (last > rootOpen && /\s/.test(clean[last]!)) last--;
  const needsComma = clean[last] !== ',';
  return `${text.slice(0, last + 1)}${needsComma ? ',' : ''}\n${block}${text.slice(last + 1)}`;
}
