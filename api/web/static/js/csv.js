// A small RFC 4180 reader for previewing an upload next to its row errors.
// It only helps show the rows; the server validates the file.

/** Decode file bytes: UTF-8 (with or without BOM), else Shift_JIS. */
export function decodeText(buffer) {
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(buffer);
  } catch {
    return new TextDecoder("shift_jis").decode(buffer);
  }
}

/**
 * Parse CSV text into {header, records}; every record is
 * {line, values: {column: text}} where `line` is the 1-based line on which
 * the record starts (the header is line 1), as the server counts rows.
 */
export function parseCsv(text) {
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const rows = [];
  let field = "", row = [], quoted = false, line = 1, rowLine = 1;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') { field += '"'; i++; }
      else if (c === '"') quoted = false;
      else { if (c === "\n") line++; field += c; }
    } else if (c === '"') quoted = true;
    else if (c === ",") { row.push(field); field = ""; }
    else if (c === "\n" || c === "\r") {
      if (c === "\r" && text[i + 1] === "\n") i++;
      row.push(field); field = "";
      rows.push({ line: rowLine, cells: row });
      row = []; line++; rowLine = line;
    } else field += c;
  }
  if (field !== "" || row.length) { row.push(field); rows.push({ line: rowLine, cells: row }); }
  const nonEmpty = rows.filter((r) => r.cells.some((cell) => cell.trim() !== ""));
  if (!nonEmpty.length) return { header: [], records: [] };
  const header = nonEmpty[0].cells.map((h) => h.trim());
  const records = nonEmpty.slice(1).map((r) => ({
    line: r.line,
    values: Object.fromEntries(header.map((name, k) => [name, r.cells[k] ?? ""])),
  }));
  return { header, records };
}
