/**
 * @module OAB generator log template (`Logging\OABGeneratorLog\OABGeneratoryyyyMMdd-N.LOG`).
 *
 * The published facts give only the phrase Test-ProxyLogon and CISA search for ("Download failed
 * and temporary file '<path>' needs to be removed", path quoted, CVE-2021-26858 when the path is
 * outside `<install>\ClientAccess\OAB`), not the column layout. This demo writes Exchange's
 * usual CSV log shape (directives, then `Timestamp,ThreadId,Level,Source,Message`); rules should
 * look for the phrase in the raw line and not depend on these columns.
 */
import type { DemoContext } from './context.js';
import { isoTime } from './clock.js';
import type { Rng } from './random.js';
import { SYNTHETIC_NOTE, csvField } from './text.js';

export const OAB_FIELDS = ['Timestamp', 'ThreadId', 'Level', 'Source', 'Message'] as const;

export function oabPreamble(ctx: DemoContext, start: number): string[] {
  return [
    '#Software: Microsoft Exchange Server',
    `# ${SYNTHETIC_NOTE}`,
    `#Version: ${ctx.build.long}`,
    '#Log-type: OABGenerator Log',
    `#Date: ${isoTime(start)}`,
    `#Fields: ${OAB_FIELDS.join(',')}`,
  ];
}

export function oabRow(time: number, threadId: number, level: string, message: string): string {
  return `${isoTime(time)},${threadId},${level},OABGeneratorAssistant,${csvField(message)}`;
}

/** The benign form of the CVE-2021-26858 phrase: a temporary file inside ClientAccess\OAB. */
export function benignDownloadFailed(ctx: DemoContext, rng: Rng): string {
  return `Download failed and temporary file '${ctx.installWin}ClientAccess\\OAB\\${ctx.oabGuid}\\${rng.guid()}-lng${rng.range(400, 499)}.lzx.tmp' needs to be removed`;
}

/** One benign OAB generator message. */
export function benignOabRow(rng: Rng, ctx: DemoContext, time: number): string {
  const oab = `\\Default Offline Address Book (${ctx.oabGuid})`;
  const r = rng.next();
  const thread = rng.range(8, 96);
  let msg: string;
  if (r < 0.2) msg = `OABGeneratorAssistant started processing OAB '${oab}' in mailbox SystemMailbox{bb558c35-97f1-4cb9-8ff7-d53741dc928c}.`;
  else if (r < 0.4) msg = `Generated differential OAB file '${ctx.installWin}ClientAccess\\OAB\\${ctx.oabGuid}\\${rng.guid()}-data-${rng.range(2, 120)}.lzx' with ${rng.range(0, 40)} changes.`;
  else if (r < 0.55) msg = `Download completed for file '${ctx.installWin}ClientAccess\\OAB\\${ctx.oabGuid}\\oab.xml' (${rng.range(900, 4000)} bytes).`;
  else if (r < 0.7) msg = `Address list '\\Global Address List' processed: ${rng.range(300, 340)} entries in ${rng.range(200, 4000)} ms.`;
  else if (r < 0.85) msg = `Polling OAB manifest for '${oab}'; no changes since last generation.`;
  else if (r < 0.995) msg = `OABGeneratorAssistant completed processing OAB '${oab}' in ${rng.range(1, 40)} seconds.`;
  else return oabRow(time, thread, 'Warning', benignDownloadFailed(ctx, rng));
  return oabRow(time, thread, 'Information', msg);
}
