import { visible } from './output.js';

/** Plain aligned columns for terminal output, one line per row; cells are made `visible()`, long ones cut with "…". */
export function formatTable(headers: string[], rows: string[][], maxWidth = 48): string[] {
  const cut = (cell: string) => (cell.length > maxWidth ? `${cell.slice(0, maxWidth - 1)}…` : cell);
  const cells = [headers, ...rows.map((row) => row.map((cell) => cut(visible(cell))))];
  const widths = headers.map((_, column) => Math.max(...cells.map((row) => (row[column] ?? '').length)));
  return cells.map((row) => row.map((cell, column) => cell.padEnd(widths[column] ?? 0)).join('  ').trimEnd());
}
