/**
 * @module RFC 4180 CSV: quoted fields with doubled quotes and line breaks inside, CRLF or LF,
 * a UTF-8 BOM; each row carries the 1-based line it starts on.
 */

export interface CsvRow {
  readonly line: number;
  readonly fields: readonly string[];
}

export function* parseCsv(text: string, delimiter = ','): Generator<CsvRow> {
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  let line = 1;
  const n = text.length;
  while (i < n) {
    const startLine = line;
    const fields: string[] = [];
    let field = '';
    let rowDone = false;
    while (!rowDone) {
      if (i < n && text[i] === '"') {
        i++;
        for (;;) {
          if (i >= n) break;
          const c = text[i]!;
          if (c === '"') {
            if (text[i + 1] === '"') {
              field += '"';
              i += 2;
              continue;
            }
            i++;
            break;
          }
          if (c === '\n') line++;
          field += c;
          i++;
        }
        // Anything between the closing quote and the delimiter is kept (lenient).
        while (i < n && text[i] !== delimiter && text[i] !== '\n' && text[i] !== '\r') field += text[i++];
      } else {
        while (i < n && text[i] !== delimiter && text[i] !== '\n' && text[i] !== '\r') field += text[i++];
      }
      fields.push(field);
      field = '';
      if (i >= n) {
        rowDone = true;
      } else if (text[i] === delimiter) {
        i++;
      } else {
        if (text[i] === '\r') i++;
        if (text[i] === '\n') i++;
        line++;
        rowDone = true;
      }
    }
    if (fields.length === 1 && fields[0] === '') continue; // blank line
    yield { line: startLine, fields };
  }
}
