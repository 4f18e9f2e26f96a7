/**
 * @module Request bodies of the webhook channel, one alert per request:
 * - `json`: the alert as JSON (`alertId`, then the finding's JSON Lines fields);
 * - `slack`: a Slack incoming-webhook message (`text` fallback plus Block Kit blocks);
 * - `teams`: a Microsoft Teams message carrying an Adaptive Card (Workflows / incoming webhook).
 *
 * Values come from attacker-written logs. Controls and bidi characters are made visible first
 * (as in the terminal report); then Slack's three control characters `& < >` become entities
 * (so no `<!channel>` ping or `<http://x|link>` can be forged), and in Teams every Markdown
 * punctuation character is backslash-escaped (so no link or emphasis can be forged).
 */
import { escapeJsonText, escapeTerminal, truncate } from '../../../sinks/escape/index.js';
import type { Alert } from '../../alert.js';
import { alertJson } from '../../alert.js';

export type WebhookLayout = 'json' | 'slack' | 'teams';

const SEVERITY_MARK: Readonly<Record<string, string>> = { critical: '🔴', high: '🟠', medium: '🟡', low: '🔵', info: '⚪' };

/** Slack mrkdwn text: only `&`, `<` and `>` are special (https://api.slack.com/reference/surfaces/formatting). */
export function slackText(s: string): string {
  return escapeTerminal(s).replace(/[&<>]/g, (c) => (c === '&' ? '&amp;' : c === '<' ? '&lt;' : '&gt;'));
}

/** Teams (Adaptive Card) Markdown text: CommonMark punctuation backslash-escaped. */
export function teamsText(s: string): string {
  return escapeTerminal(s).replace(/[\\`*_{}[\]()<>#+\-.!|~]/g, (c) => `\\${c}`);
}

interface Fact {
  readonly title: string;
  readonly value: string;
}

/** The facts shown in chat layouts, in order; empty values left out. */
export function alertFacts(alert: Alert): Fact[] {
  const f = alert.finding;
  const facts: Fact[] = [
    { title: 'Severity', value: f.severity.toUpperCase() },
    { title: 'Host', value: f.host },
    { title: 'Rule', value: f.ruleId },
    { title: 'Outcome', value: f.outcome },
    { title: 'Time', value: f.time ?? '' },
    { title: 'Client', value: f.clientIp ?? '' },
    { title: 'Source', value: f.source.line === null ? f.source.path : `${f.source.path}:${f.source.line}` },
    { title: 'CVE', value: f.cves.join(', ') },
    { title: 'ATT&CK', value: f.attack.join(', ') },
  ];
  return facts.filter((x) => x.value !== '');
}

function headline(alert: Alert): string {
  const f = alert.finding;
  return `${alert.test ? '[TEST] ' : ''}${f.severity.toUpperCase()} on ${f.host}: ${f.title}`;
}

function evidenceLines(alert: Alert, max: number): string[] {
  return Object.entries(alert.finding.evidence).map(([k, v]) => `${k}: ${truncate(v, max)}`);
}

export function slackBody(alert: Alert): unknown {
  const f = alert.finding;
  const mark = SEVERITY_MARK[f.severity] ?? '';
  const fields = alertFacts(alert)
    .slice(0, 10)
    .map((x) => ({ type: 'mrkdwn', text: `*${x.title}*\n${slackText(truncate(x.value, 500))}` }));
  const evidence = evidenceLines(alert, 300).map(slackText).join('\n');
  return {
    text: `${mark} ${slackText(headline(alert))}`,
    blocks: [
      // Header blocks are plain text, at most 150 characters; Slack wants & < > escaped there too.
      { type: 'header', text: { type: 'plain_text', text: slackText(truncate(`${mark} ${headline(alert)}`, 120)), emoji: true } },
      { type: 'section', fields },
      { type: 'section', text: { type: 'mrkdwn', text: slackText(truncate(f.description, 2500)) } },
      ...(evidence ? [{ type: 'section', text: { type: 'mrkdwn', text: truncate(`*Evidence*\n${evidence}`, 2900) } }] : []),
      { type: 'context', elements: [{ type: 'mrkdwn', text: `exhunt alert ${slackText(alert.key)}` }] },
    ],
  };
}

export function teamsBody(alert: Alert): unknown {
  const f = alert.finding;
  const color = f.severity === 'critical' || f.severity === 'high' ? 'Attention' : f.severity === 'medium' ? 'Warning' : 'Default';
  const evidence = evidenceLines(alert, 300).map((l) => `- ${teamsText(l)}`).join('\n');
  return {
    type: 'message',
    attachments: [
      {
        contentType: 'application/vnd.microsoft.card.adaptive',
        contentUrl: null,
        content: {
          $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
          type: 'AdaptiveCard',
          version: '1.4',
          msteams: { width: 'Full' },
          body: [
            { type: 'TextBlock', size: 'Large', weight: 'Bolder', color, wrap: true, text: teamsText(headline(alert)) },
            { type: 'FactSet', facts: alertFacts(alert).map((x) => ({ title: teamsText(x.title), value: teamsText(truncate(x.value, 500)) })) },
            { type: 'TextBlock', wrap: true, text: teamsText(truncate(f.description, 2500)) },
            ...(evidence ? [{ type: 'TextBlock', wrap: true, text: `**Evidence**\n\n${evidence}` }] : []),
            { type: 'TextBlock', isSubtle: true, size: 'Small', wrap: true, text: teamsText(`exhunt alert ${alert.key}`) },
          ],
        },
      },
    ],
  };
}

/** The request body for an alert in a layout, as JSON text. */
export function webhookBody(alert: Alert, layout: WebhookLayout): string {
  const body = layout === 'slack' ? slackBody(alert) : layout === 'teams' ? teamsBody(alert) : alertJson(alert);
  return escapeJsonText(JSON.stringify(body));
}
