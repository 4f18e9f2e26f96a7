/**
 * @module The e-mail channel and its minimal SMTP client. Re-exports only.
 */
export { defaultSmtpPort, smtpChannel } from './smtp.js';
export { dotStuff, sendMail, type SmtpReply, type SmtpSendOptions } from './client.js';
export { alertText, composeMail, headerText, mailDate, quotedPrintable, type MailOptions } from './message.js';
