import { DAY_MS, HOUR_MS, MINUTE_MS, SECOND_MS } from './civil.js';
import { validationError } from './errors.js';

// P[nY][nM][nW][nD][T[nH][nM][n(.n)S]]; only seconds may carry a fraction.
const ISO_DURATION =
  /^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:[.,]\d+)?)S)?)?$/;

// Calendar units have no fixed length; Dkron's ISO-8601 library counts a year as 365 days and a month as 30.
const UNIT_MS = [365 * DAY_MS, 30 * DAY_MS, 7 * DAY_MS, DAY_MS, HOUR_MS, MINUTE_MS, SECOND_MS];

/**
 * Parses an ISO-8601 duration as Dkron's `@after` grace period does: `P[nY][nM][nW][nD][T[nH][nM][n(.n)S]]`,
 * with years of 365 days and months of 30 days. Time parts need the `T` (`PT2H`, not `P2H`).
 *
 * @returns the duration in milliseconds, always greater than zero.
 * @throws DkronError `VALIDATION` when the text is not such a duration or is zero.
 */
export function parseIsoDuration(text: string): number {
  const match = ISO_DURATION.exec(text);
  const parts = match?.slice(1) ?? [];
  // The regex also accepts "P" and "P1DT": an ISO duration needs a number in each part it opens.
  if (!match || parts.every((p) => p === undefined) || text.endsWith('T')) {
    throw validationError(
      `invalid ISO 8601 duration ${JSON.stringify(text)}: expected P[nY][nM][nW][nD][T[nH][nM][nS]], e.g. PT1H30M`,
    );
  }
  let total = 0;
  parts.forEach((part, index) => {
    if (part !== undefined) total += Number(part.replace(',', '.')) * (UNIT_MS[index] ?? 0);
  });
  if (total <= 0) {
    throw validationError(`ISO 8601 duration ${JSON.stringify(text)} must be greater than zero`);
  }
  return total;
}
