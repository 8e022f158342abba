import type { Page } from 'playwright-core';

/** Collects the page's script errors and console errors, for a test to expect none. */
export function collectPageErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  return errors;
}

/** Opens the fleet page and enters the viewer key once in its form, as an operator does (never in the address). */
export async function openFleetPage(page: Page, options: { baseUrl: string; viewerKey: string }): Promise<void> {
  await page.goto(`${options.baseUrl}/api/fleet`);
  await page.locator('#key-form').waitFor({ state: 'visible', timeout: 15_000 });
  await page.fill('#viewer-key', options.viewerKey);
  await page.click('#key-form button[type="submit"]');
}
