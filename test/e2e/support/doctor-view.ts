import type { Page } from 'playwright-core';

/** What each step row of "Check my connection" says about itself, in the doctor's order. */
export function doctorStepStates(page: Page): Promise<string[]> {
  return page
    .locator('.doctor-step')
    .evaluateAll((rows) =>
      rows.map(
        (row) =>
          ['pass', 'warn', 'fail', 'skipped', 'running', 'pending'].find((state) =>
            row.classList.contains(state),
          ) ?? '?',
      ),
    );
}
