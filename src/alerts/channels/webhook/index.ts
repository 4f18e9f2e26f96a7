/**
 * @module The webhook channel (generic JSON, Slack, Microsoft Teams). Re-exports only.
 */
export { webhookChannel } from './webhook.js';
export { alertFacts, slackBody, slackText, teamsBody, teamsText, webhookBody, type WebhookLayout } from './layouts.js';
