// Evidence for docs/decisions/1602: run in a scratch directory with `npm install cron-parser@5.10.6`
// (no longer a capsched dependency). The Temporal behaviour named in each label is checked by
// test/server/validate/preview-matches-server.test.ts against the dev server (ListScheduleMatchingTimes).
import { CronExpressionParser } from 'cron-parser';
const next = (expr, from, tz = 'UTC', n = 3) => { const it = CronExpressionParser.parse(expr, { currentDate: new Date(from), tz }); return Array.from({ length: n }, () => it.next().toISOString()); };
const show = (label, f) => { try { console.log(label, JSON.stringify(f())); } catch (e) { console.log(label, 'throws:', e.message); } };
show('0 0 13 * 5 (Temporal: Friday the 13th only; next 2027-08-13):', () => next('0 0 13 * 5', '2027-01-01T00:00:00Z'));
show('0 9 * * MON#2 (Temporal: # starts a comment -> every Monday):', () => next('0 9 * * MON#2', '2027-01-01T00:00:00Z'));
show('0 0 1 1 * 2030 six fields (Temporal: 6th = year):', () => next('0 0 1 1 * 2030', '2027-01-01T00:00:00Z'));
show('30 2 * * * New York spring forward 2027-03-14 (Temporal: skipped that day):', () => next('30 2 * * *', '2027-03-13T12:00:00Z', 'America/New_York'));
show('30 1 * * * New York fall back 2027-11-07 (Temporal: fires twice, 01:30 EDT and EST):', () => next('30 1 * * *', '2027-11-06T12:00:00Z', 'America/New_York'));
show('"" empty:', () => next('', '2027-01-01T00:00:00Z'));
show('0 0 30 2 * (never exists):', () => next('0 0 30 2 *', '2027-01-01T00:00:00Z', 'UTC', 1));
