// Send arrival times at Meta's stand-in, read the way a number's limit is judged: shared by the governor
// benchmark and the tests that hold a number to its rate.

/** The most arrivals inside any one-second window (a number's limit plus at most a one-send burst). */
export function busiestSecond(times: number[]): number {
  const sorted = [...times].sort((a, b) => a - b);
  let most = 0;
  for (let i = 0, j = 0; i < sorted.length; i++) {
    while (j < sorted.length && sorted[j]! < sorted[i]! + 1_000) j++;
    most = Math.max(most, j - i);
  }
  return most;
}
