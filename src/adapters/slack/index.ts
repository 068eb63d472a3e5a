export { createSlackNotifier, type SlackNotifier, type SlackNotifierOptions } from './notifier.js';
export { formatAlert, escapeSlack, slackTime, SEVERITY_ICON, type SlackPayload } from './format.js';
