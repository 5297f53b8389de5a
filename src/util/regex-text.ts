/** A string used as a regular expression (logIgnore rules, regexFiles): why it does not compile, or `null`. */
export function regexProblem(text: string): string | null {
  try {
    new RegExp(text);
    return null;
  } catch (err) {
    return (err as Error).message;
  }
}
