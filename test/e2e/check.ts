// The one assertion the scenarios use: a failed check throws with the message the log and report show.
export function check(condition: boolean, message: string): asserts condition {
  if (!condition) throw new Error(message);
}
