/**
 * Accessibility checks for any page of the app in Chromium: axe-core's WCAG 2.1 A/AA rules and
 * best practices (contrast, labels, names, roles), failing on every serious or critical
 * violation, plus the app's own rule that a field marked invalid says why in text.
 */
import { AxeBuilder } from '@axe-core/playwright';
import type { Page } from 'playwright-core';

const FAILING_IMPACTS: ReadonlySet<string> = new Set(['serious', 'critical']);

export interface A11yProblem {
  rule: string;
  impact: string;
  help: string;
  /** One line per element: where it is and what axe found wrong with it. */
  nodes: string[];
}

/** Every serious or critical problem axe finds on the page as it is now. */
export async function seriousA11yProblems(page: Page): Promise<A11yProblem[]> {
  // Legacy mode runs axe in the page itself: the app has no frames, and the default mode needs
  // a page of its own in the context, which a page from browser.newPage() cannot open.
  const results = await new AxeBuilder({ page })
    .setLegacyMode(true)
    .withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'])
    .analyze();
  const problems: A11yProblem[] = results.violations
    .filter((violation) => FAILING_IMPACTS.has(violation.impact ?? ''))
    .map((violation) => ({
      rule: violation.id,
      impact: violation.impact ?? '',
      help: violation.help,
      nodes: violation.nodes.map(
        (node) =>
          `${node.target.join(' ')}: ${(node.failureSummary ?? '').replace(/\s*\n\s*/g, '; ')}`,
      ),
    }));
  for (const field of await unexplainedInvalidFields(page)) {
    problems.push({
      rule: 'invalid-field-explained',
      impact: 'serious',
      help: 'A field marked aria-invalid must be described by a message that says what is wrong',
      nodes: [field],
    });
  }
  return problems;
}

/**
 * Fields marked invalid whose aria-describedby (or aria-errormessage) names no text. Run in the
 * page as a string: the tests compile without the DOM's types.
 */
const UNEXPLAINED_INVALID_FIELDS = `(() => {
  const explained = (field) =>
    ['aria-describedby', 'aria-errormessage'].some((attribute) =>
      (field.getAttribute(attribute) || '').split(/\\s+/).filter(Boolean).some((id) => {
        const message = document.getElementById(id);
        return !!message && (message.textContent || '').trim() !== '';
      }),
    );
  return [...document.querySelectorAll('[aria-invalid="true"]')]
    .filter((field) => !explained(field))
    .map((field) => field.outerHTML.slice(0, 160));
})()`;

export async function unexplainedInvalidFields(page: Page): Promise<string[]> {
  return (await page.evaluate(UNEXPLAINED_INVALID_FIELDS)) as string[];
}

export function describeA11yProblems(label: string, problems: A11yProblem[]): string {
  return [
    `${label}: ${problems.length} serious or critical accessibility problem(s)`,
    ...problems.flatMap((problem) => [
      `- ${problem.rule} (${problem.impact}): ${problem.help}`,
      ...problem.nodes.map((node) => `    ${node}`),
    ]),
  ].join('\n');
}

/**
 * Fails, listing each problem plainly (rule, why, which element), when the page as it is now has
 * any serious or critical accessibility violation. `label` names the page in the message.
 */
export async function expectNoSeriousA11yViolations(page: Page, label: string): Promise<void> {
  const problems = await seriousA11yProblems(page);
  if (problems.length > 0) throw new Error(describeA11yProblems(label, problems));
}

export interface FocusedControl {
  /** Its accessible name, roughly as a screen reader says it. */
  name: string;
  tag: string;
  outlineStyle: string;
  outlineColor: string;
  outlineWidth: number;
}

const FOCUSED_CONTROL = `(() => {
  const element = document.activeElement;
  if (!element || element === document.body) return null;
  const labelledBy = element.getAttribute('aria-labelledby');
  const name =
    element.getAttribute('aria-label') ??
    (labelledBy ? document.getElementById(labelledBy)?.textContent : null) ??
    element.labels?.[0]?.textContent ??
    element.textContent ??
    '';
  const style = getComputedStyle(element);
  return {
    name: name.replace(/\\s+/g, ' ').trim(),
    tag: element.tagName.toLowerCase(),
    outlineStyle: style.outlineStyle,
    outlineColor: style.outlineColor,
    outlineWidth: parseFloat(style.outlineWidth) || 0,
  };
})()`;

/** What the keyboard focus is on now, and the ring it shows; null when nothing has it. */
export async function focusedControl(page: Page): Promise<FocusedControl | null> {
  return (await page.evaluate(FOCUSED_CONTROL)) as FocusedControl | null;
}

/** Names each control the keyboard should reach (visible, enabled, in the tab order). */
const MARK_FOCUSABLE = `(() => {
  const nameOf = (element) => {
    const labelledBy = element.getAttribute('aria-labelledby');
    const name =
      element.getAttribute('aria-label') ??
      (labelledBy ? document.getElementById(labelledBy)?.textContent : null) ??
      element.labels?.[0]?.firstChild?.textContent ??
      element.textContent ??
      '';
    return name.replace(/\\s+/g, ' ').trim();
  };
  const controls = [
    ...document.querySelectorAll('a[href], button, input, select, textarea, summary, [tabindex]'),
  ].filter(
    (element) =>
      !element.disabled &&
      element.tabIndex >= 0 &&
      element.getClientRects().length > 0 &&
      getComputedStyle(element).visibility !== 'hidden',
  );
  return controls.map((element, index) => {
    element.dataset.a11yWalk = String(index);
    return nameOf(element);
  });
})()`;

const FOCUS_STOP = `(() => {
  const element = document.activeElement;
  if (!element || element === document.body) return null;
  const style = getComputedStyle(element);
  return {
    index: element.dataset.a11yWalk === undefined ? -1 : Number(element.dataset.a11yWalk),
    ring:
      style.outlineStyle !== 'none' &&
      parseFloat(style.outlineWidth) >= 2 &&
      !/rgba\\([^)]*, 0\\)|transparent/.test(style.outlineColor),
  };
})()`;

export interface TabWalk {
  /** Names of the controls focus landed on, in the order Tab took it there. */
  reached: string[];
  /** Controls in the tab order that Tab never reached. */
  unreached: string[];
  /** Controls that took focus with no visible focus ring. */
  withoutRing: string[];
}

/**
 * Presses Tab from the top of the page until focus has gone round once, and reports which of
 * the page's controls it reached and whether each showed a focus ring.
 */
export async function tabWalk(page: Page): Promise<TabWalk> {
  const names = (await page.evaluate(MARK_FOCUSABLE)) as string[];
  await page.evaluate('document.activeElement?.blur(); window.scrollTo(0, 0)');
  const reached: number[] = [];
  const withoutRing = new Set<number>();
  for (let press = 0; press < names.length + 5; press++) {
    await page.keyboard.press('Tab');
    const stop = (await page.evaluate(FOCUS_STOP)) as { index: number; ring: boolean } | null;
    if (!stop || stop.index < 0) continue;
    if (reached.includes(stop.index)) break;
    reached.push(stop.index);
    if (!stop.ring) withoutRing.add(stop.index);
  }
  const label = (index: number) => names[index] || `control ${index}`;
  return {
    reached: reached.map(label),
    unreached: names
      .map((_name, index) => index)
      .filter((i) => !reached.includes(i))
      .map(label),
    withoutRing: [...withoutRing].map(label),
  };
}
