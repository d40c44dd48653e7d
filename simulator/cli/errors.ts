/**
 * Exit codes and the CLI's own "bad input" error. A SpecError (from simulator/model) is bad input
 * too; anything else that escapes a command is our bug.
 */

export const EXIT_OK = 0;
/** A load-profile threshold or a steady-state probe did not hold (RunResult.passed false). */
export const EXIT_FAILED = 1;
/** Bad input: unreadable file, invalid document, bad flag. */
export const EXIT_BAD_INPUT = 2;
/** Internal error: a bug in meshdojo. */
export const EXIT_INTERNAL = 3;

/** Bad input detected by the CLI itself (flags, missing documents, sweep keys). Printed without a stack. */
export class UsageError extends Error {
  override name = 'UsageError';
}
