// Number inputs hold text; the shared schemas take exact JSON numbers, so forms convert at the
// field. A blank field becomes NaN (the schema answers "Enter a number"), never a silent 0.
export function numberInput(text: string): number {
  return text.trim() === '' ? Number.NaN : Number(text);
}
