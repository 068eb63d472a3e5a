/** HH:MM (or HH:MM:SS) of an instant in the caller's zone (TZ), UTC when TZ is not a zone: for progress lines. */
export function clockOf(env: NodeJS.ProcessEnv, seconds: boolean): (iso: string) => string {
  let format: Intl.DateTimeFormat;
  const options: Intl.DateTimeFormatOptions = { hour: '2-digit', minute: '2-digit', ...(seconds ? { second: '2-digit' } : {}), hourCycle: 'h23' };
  try {
    format = new Intl.DateTimeFormat('en-GB', { ...options, ...(env.TZ === undefined || env.TZ === '' ? {} : { timeZone: env.TZ }) });
  } catch {
    format = new Intl.DateTimeFormat('en-GB', { ...options, timeZone: 'UTC' });
  }
  return (iso) => format.format(new Date(iso));
}
