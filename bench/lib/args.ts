/** The bench scripts' command line: `--name` flags and `--name value` options. */
const args = process.argv.slice(2);

/** Whether `--name` was given. */
export const flag = (name: string): boolean => args.includes(name);

/** The word after `--name`, or undefined when it was not given. */
export function option(name: string): string | undefined {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
}
