/**
 * The next load step of a search for the largest number of candidates that passes: `first`, then
 * doubling until a step fails (halving while none passed), then halving the gap between the largest pass and the smallest
 * failure above it; null once that gap is within 10 % (at least 2 candidates).
 */
export function nextStep(results: readonly { candidates: number; passed: boolean }[], first: number): number | null {
  if (results.length === 0) return first;
  const passed = results.filter((result) => result.passed).map((result) => result.candidates);
  const largestPass = passed.length > 0 ? Math.max(...passed) : 0;
  const failedAbove = results
    .filter((result) => !result.passed && result.candidates > largestPass)
    .map((result) => result.candidates);
  if (failedAbove.length === 0) return largestPass * 2;
  const smallestFail = Math.min(...failedAbove);
  if (largestPass === 0) return smallestFail > 1 ? Math.floor(smallestFail / 2) : null;
  if (smallestFail - largestPass <= Math.max(2, largestPass * 0.1)) return null;
  return Math.floor((largestPass + smallestFail) / 2);
}
