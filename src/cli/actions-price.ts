import { DEFAULT_ACTIONS_PRICE_PER_MILLION } from '../core/billing/bill.js';

/** `--actions-price` help line, shared by the commands that show worst-case figures. */
export const ACTIONS_PRICE_HELP = `--actions-price <usd>  USD per million Actions for the "worst case if unused" figures
                        (default ${DEFAULT_ACTIONS_PRICE_PER_MILLION}, Temporal Cloud's list price; env CAPSCHED_ACTIONS_PRICE)`;

/** The Actions price from the flag, else CAPSCHED_ACTIONS_PRICE, else the list price; an error text when it is not a non-negative number. */
export function readActionsPrice(
  flag: string | undefined,
  env: Record<string, string | undefined>,
): { ok: true; price: number } | { ok: false; error: string } {
  const text = flag ?? env.CAPSCHED_ACTIONS_PRICE;
  if (text === undefined || text.trim() === '') return { ok: true, price: DEFAULT_ACTIONS_PRICE_PER_MILLION };
  const price = Number(text);
  if (!Number.isFinite(price) || price < 0)
    return { ok: false, error: `--actions-price "${text}" is not a non-negative number of USD per million Actions, e.g. 50` };
  return { ok: true, price };
}
