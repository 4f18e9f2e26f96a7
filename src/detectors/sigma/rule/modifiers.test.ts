// Every value modifier of the Sigma 2.1 modifiers appendix, the wildcard and escape rules and
// the special values of the rules specification, each with a matching and a non-matching
// record. Examples from the specification are used where it gives them.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { loadSigmaText } from '../load.js';
import { compileOne, matches, procRule, winEvent } from '../testing/fixtures.js';
import { base64Offsets } from './modifiers.js';

const ev = winEvent;
const rule = (sel: string, cond = 'selection'): string => procRule(`selection:\n${sel.replace(/^/gm, '    ')}\ncondition: ${cond}`);
const yes = (sel: string, fields: Record<string, string>): void => assert.ok(matches(rule(sel), ev(fields)), `${sel} should match ${JSON.stringify(fields)}`);
const no = (sel: string, fields: Record<string, string>): void => assert.ok(!matches(rule(sel), ev(fields)), `${sel} should not match ${JSON.stringify(fields)}`);
const fails = (sel: string, pattern: RegExp): void => {
  const r = loadSigmaText(rule(sel), 'x.yml');
  assert.equal(r.failed.length, 1, `${sel} should fail to load`);
  assert.match(r.failed[0]!.reason, pattern);
};

describe('plain values (rules specification, "General")', () => {
  test('strings compare whole and case-insensitively', () => {
    yes("Image: 'C:\\Windows\\System32\\whoami.exe'", { Image: 'c:\\windows\\system32\\WHOAMI.EXE' });
    no("Image: 'C:\\Windows\\System32\\whoami.exe'", { Image: 'C:\\Windows\\System32\\whoami.exe.bak' });
    no("Image: 'whoami.exe'", { Image: 'C:\\Windows\\System32\\whoami.exe' });
  });
  test('a list of values is OR, a map is AND (spec "Lists" and "Maps")', () => {
    const sel = 'EventLog: Security\nEventID:\n    - 517\n    - 1102';
    yes(sel, { EventLog: 'Security', EventID: '1102' });
    yes(sel, { EventLog: 'security', EventID: '517' });
    no(sel, { EventLog: 'Security', EventID: '4624' });
    no(sel, { EventLog: 'System', EventID: '517' });
  });
  test('numbers match the same number or the same text; unquoted hex keeps its spelling', () => {
    yes('EventID: 4688', { EventID: '4688' });
    no('EventID: 4688', { EventID: '46880' });
    yes('TicketOptions: 0x40810000', { TicketOptions: '0x40810000' });
    yes("TicketOptions: '0x40810000'", { TicketOptions: '0x40810000' });
  });
  test('booleans compare as text', () => {
    yes('Initiated: true', { Initiated: 'true' });
    no('Initiated: true', { Initiated: 'false' });
  });
  test("'' is a present, empty field; null is an absent or empty one (spec 'Special Field Values')", () => {
    yes("CommandLine: ''", { CommandLine: '' });
    no("CommandLine: ''", {});
    no("CommandLine: ''", { CommandLine: 'x' });
    yes('CommandLine: null', {});
    yes('CommandLine: null', { CommandLine: '' });
    no('CommandLine: null', { CommandLine: 'cmd' });
  });
  test('the specification\'s "not null" example: selection and not filter', () => {
    const y = procRule('selection:\n    EventID: 4738\nfilter:\n    PasswordLastSet: null\ncondition: selection and not filter');
    assert.ok(matches(y, ev({ EventID: '4738', PasswordLastSet: '2021-01-01' })));
    assert.ok(!matches(y, ev({ EventID: '4738' })));
  });
});

describe('wildcards and escapes (spec "String Wildcard", "Escape Character")', () => {
  test('? is one mandatory character: prog?.exe', () => {
    yes("Image|endswith: '\\prog?.exe'", { Image: 'C:\\progA.exe' });
    no("Image|endswith: '\\prog?.exe'", { Image: 'C:\\prog.exe' });
    no("Image|endswith: '\\prog?.exe'", { Image: 'C:\\progAB.exe' });
  });
  test('* is any run: antivirus_V*.exe', () => {
    yes("Image: 'antivirus_V*.exe'", { Image: 'antivirus_V1.exe' });
    yes("Image: 'antivirus_V*.exe'", { Image: 'antivirus_V21.2.1.exe' });
    yes("Image: 'antivirus_V*.exe'", { Image: 'antivirus_V.exe' });
    no("Image: 'antivirus_V*.exe'", { Image: 'antivirus_X1.exe' });
    yes("CommandLine: '*a*b*c*'", { CommandLine: 'xxaxxbxxcxx' });
    no("CommandLine: '*a*b*c*'", { CommandLine: 'xxcxxbxxaxx' });
  });
  test('\\* and \\? are literal', () => {
    yes("CommandLine: 'a\\*b'", { CommandLine: 'a*b' });
    no("CommandLine: 'a\\*b'", { CommandLine: 'axxb' });
    yes("CommandLine: 'a\\?b'", { CommandLine: 'a?b' });
    no("CommandLine: 'a\\?b'", { CommandLine: 'axb' });
  });
  test('a plain backslash can be written single or double', () => {
    yes("Image: 'C:\\Windows\\x.exe'", { Image: 'C:\\Windows\\x.exe' });
    yes("Image: 'C:\\\\Windows\\\\x.exe'", { Image: 'C:\\Windows\\x.exe' });
  });
  test('\\\\* is a backslash followed by a wildcard; \\\\\\* a backslash and a literal star', () => {
    yes("TargetObject: 'HKLM\\\\*'", { TargetObject: 'HKLM\\Software' });
    no("TargetObject: 'HKLM\\\\*'", { TargetObject: 'HKLMSoftware' });
    yes("TargetObject: 'HKLM\\\\\\*'", { TargetObject: 'HKLM\\*' });
    no("TargetObject: 'HKLM\\\\\\*'", { TargetObject: 'HKLM\\Software' });
  });
  test('three or four backslashes are a double backslash', () => {
    yes("CommandLine: '\\\\\\\\server'", { CommandLine: '\\\\server' });
    yes("CommandLine: '\\\\\\server'", { CommandLine: '\\\\server' });
  });
});

describe('generic modifiers', () => {
  test('contains, startswith, endswith', () => {
    yes("CommandLine|contains: 'mimikatz'", { CommandLine: 'run MimiKatz.exe now' });
    no("CommandLine|contains: 'mimikatz'", { CommandLine: 'mimi katz' });
    yes("Image|startswith: 'C:\\Users\\'", { Image: 'c:\\users\\bob\\a.exe' });
    no("Image|startswith: 'C:\\Users\\'", { Image: 'D:\\C:\\Users\\a.exe' });
    yes("Image|endswith: '\\cmd.exe'", { Image: 'C:\\Windows\\System32\\CMD.EXE' });
    no("Image|endswith: '\\cmd.exe'", { Image: 'C:\\Windows\\System32\\cmd.exe.mui' });
  });
  test('all links the values with AND', () => {
    const sel = "CommandLine|contains|all:\n    - ' -enc '\n    - 'bypass'";
    yes(sel, { CommandLine: 'powershell -enc AAA -ep bypass' });
    no(sel, { CommandLine: 'powershell -enc AAA' });
  });
  test('all on a single value is refused', () => {
    fails("CommandLine|contains|all: 'x'", /`all` needs a list/);
  });
  test('exists: true and false (spec "Field Existence")', () => {
    yes('PasswordLastSet|exists: true', { PasswordLastSet: '' });
    no('PasswordLastSet|exists: true', {});
    yes('PasswordLastSet|exists: false', {});
    no('PasswordLastSet|exists: false', { PasswordLastSet: 'x' });
    fails('PasswordLastSet|exists: maybe', /true or false/);
  });
  test('cased compares case-sensitively', () => {
    yes("CommandLine|cased: 'Invoke-Mimikatz'", { CommandLine: 'Invoke-Mimikatz' });
    no("CommandLine|cased: 'Invoke-Mimikatz'", { CommandLine: 'invoke-mimikatz' });
    yes("CommandLine|contains|cased: 'DumpCreds'", { CommandLine: 'x -DumpCreds' });
    no("CommandLine|contains|cased: 'DumpCreds'", { CommandLine: 'x -dumpcreds' });
  });
  test('neq: present and different from every value', () => {
    yes("User|neq: 'SYSTEM'", { User: 'alice' });
    no("User|neq: 'SYSTEM'", { User: 'system' });
    no("User|neq: 'SYSTEM'", {});
    const list = "User|neq:\n    - 'SYSTEM'\n    - 'LOCAL SERVICE'";
    yes(list, { User: 'alice' });
    no(list, { User: 'local service' });
    yes('Level|neq: 4', { Level: '2' });
    no('Level|neq: 4', { Level: '4' });
  });
});

describe('string modifiers', () => {
  test('windash: -, /, en dash, em dash, horizontal bar are interchangeable before an option', () => {
    const sel = "CommandLine|contains|windash: ' -enc '";
    for (const d of ['-', '/', '\u2013', '\u2014', '\u2015']) yes(sel, { CommandLine: `powershell ${d}enc AAAA` });
    no(sel, { CommandLine: 'powershell +enc AAAA' });
    yes("CommandLine|contains|windash: '/c whoami'", { CommandLine: 'cmd.exe -c whoami' });
    // Only a character that starts an option is varied, not one inside a word.
    no("CommandLine|contains|windash: 'a-b'", { CommandLine: 'a/b' });
    yes("CommandLine|contains|windash: 'a-b'", { CommandLine: 'a-b' });
  });
  test('re: case-sensitive by default, unanchored; i, m, s sub-modifiers', () => {
    yes("CommandLine|re: 'net\\s+user'", { CommandLine: 'cmd /c net   user x' });
    no("CommandLine|re: 'net\\s+user'", { CommandLine: 'NET USER' });
    yes("CommandLine|re|i: 'net\\s+user'", { CommandLine: 'NET USER' });
    no("CommandLine|re: '^b'", { CommandLine: 'a\nb' });
    yes("CommandLine|re|m: '^b'", { CommandLine: 'a\nb' });
    no("CommandLine|re: 'a.b'", { CommandLine: 'a\nb' });
    yes("CommandLine|re|s: 'a.b'", { CommandLine: 'a\nb' });
    yes("CommandLine|re: '(?i)whoami'", { CommandLine: 'WHOAMI' });
    fails("CommandLine|i: 'x'", /need the `re` modifier/);
    fails("CommandLine|re: '(?<=a)b'", /lookaround/);
    fails("CommandLine|re: 'a(b'", /missing \)/);
  });
  test('re with values as regular expressions, not wildcards', () => {
    yes("CommandLine|re: 'a*b'", { CommandLine: 'xaaab' });
    yes("CommandLine|re: 'a*b'", { CommandLine: 'b' });
    no("CommandLine|re: 'a\\*b'", { CommandLine: 'aab' });
  });
  test('base64: the value encoded (spec "Encoding")', () => {
    yes("CommandLine|base64: 'cmd'", { CommandLine: 'Y21k' });
    yes("CommandLine|base64|contains: 'http://'", { CommandLine: 'x aHR0cDovLw== y' });
    no("CommandLine|base64|contains: 'http://'", { CommandLine: 'x AHR0CDOVLW== y' });
  });
  test('base64offset: the three shifted spellings', () => {
    assert.deepEqual(base64Offsets(Buffer.from('http://')), ['aHR0cDovL', 'h0dHA6Ly', 'odHRwOi8v']);
    const sel = "CommandLine|base64offset|contains: 'http://'";
    for (const pre of ['', 'a', 'ab', 'abc']) {
      for (const post of ['', 'x', 'xy']) yes(sel, { CommandLine: `powershell -e ${Buffer.from(`${pre}http://${post}`).toString('base64')}` });
    }
    no(sel, { CommandLine: `powershell -e ${Buffer.from('https://').toString('base64')}` });
  });
  test('utf16le, wide, utf16be, utf16 (cmd > 63 00 6d 00 64 00 ...)', () => {
    const le = Buffer.from('c\0m\0d\0', 'latin1').toString('base64');
    assert.equal(le, 'YwBtAGQA');
    yes("CommandLine|utf16le|base64: 'cmd'", { CommandLine: le });
    yes("CommandLine|wide|base64: 'cmd'", { CommandLine: le });
    yes("CommandLine|utf16be|base64: 'cmd'", { CommandLine: Buffer.from('\0c\0m\0d', 'latin1').toString('base64') });
    yes("CommandLine|utf16|base64: 'cmd'", { CommandLine: Buffer.from('\xff\xfec\0m\0d\0', 'latin1').toString('base64') });
    // PowerShell -EncodedCommand: UTF-16LE, Base64, anywhere in the text.
    const enc = Buffer.from('IEX (New-Object Net.WebClient).DownloadString', 'utf16le').toString('base64');
    yes("CommandLine|wide|base64offset|contains: 'Net.WebClient'", { CommandLine: `powershell -enc ${enc}` });
    fails("CommandLine|base64: 'a*b'", /plain value/);
  });
});

describe('numeric and time modifiers', () => {
  test('lt, lte, gt, gte compare numbers', () => {
    yes('LogonType|lt: 3', { LogonType: '2' });
    no('LogonType|lt: 3', { LogonType: '3' });
    yes('LogonType|lte: 3', { LogonType: '3' });
    yes('LogonType|gt: 3', { LogonType: '10' });
    no('LogonType|gt: 3', { LogonType: '3' });
    yes('LogonType|gte: 3', { LogonType: '3' });
    no('LogonType|gte: 3', { LogonType: 'x' });
    no('LogonType|gte: 3', {});
    fails("LogonType|gt: 'abc'", /takes numbers/);
    fails('LogonType|gt|lt: 3', /only one of/);
  });
  test('minute, hour, day, week, month, year read a date as written', () => {
    const t = { UtcTime: '2021-03-03 23:45:06.123' };
    yes('UtcTime|minute: 45', t);
    yes('UtcTime|hour: 23', t);
    yes('UtcTime|hour|gte: 20', t);
    no('UtcTime|hour|lt: 20', t);
    yes('UtcTime|day: 3', t);
    yes('UtcTime|week: 9', t);
    yes('UtcTime|month: 3', t);
    yes('UtcTime|year: 2021', t);
    no('UtcTime|year: 2020', t);
    yes('TimeCreated|hour: 4', { TimeCreated: '2021-03-03T04:05:06.000Z' });
  });
});

describe('IP, placeholder and field reference modifiers', () => {
  test('cidr: IPv4 and IPv6 ranges', () => {
    const v4 = "DestinationIp|cidr:\n    - '10.0.0.0/8'\n    - '192.168.0.0/16'";
    yes(v4, { DestinationIp: '10.1.2.3' });
    yes(v4, { DestinationIp: '192.168.255.1' });
    no(v4, { DestinationIp: '11.0.0.1' });
    no(v4, { DestinationIp: 'not-an-ip' });
    yes("DestinationIp|cidr: '10.0.0.0/8'", { DestinationIp: '::ffff:10.9.9.9' });
    const v6 = "DestinationIp|cidr: 'fe80::/10'";
    yes(v6, { DestinationIp: 'fe80::1' });
    yes(v6, { DestinationIp: 'FEBF:0:0:0:0:0:0:1' });
    no(v6, { DestinationIp: 'fec0::1' });
    yes("DestinationIp|cidr: '2001:db8::/32'", { DestinationIp: '2001:db8:1::192.0.2.1' });
    yes("DestinationIp|cidr: '127.0.0.1'", { DestinationIp: '127.0.0.1' });
    fails("DestinationIp|cidr: '10.0.0.0/33'", /not a CIDR/);
  });
  test('expand: placeholders take their values from the configuration', () => {
    const y = rule("User|expand: '%Administrators%'");
    const r = compileOne(y, { expand: { Administrators: ['admin*', 'root'] } });
    assert.ok(r.test(ev({ User: 'Administrator' })));
    assert.ok(r.test(ev({ User: 'ROOT' })));
    assert.ok(!r.test(ev({ User: 'bob' })));
    fails("User|expand: '%Administrators%'", /placeholder %Administrators% has no configured value/);
    // Without |expand, %name% is a plain value; with it, \% is a literal percent sign.
    yes("User: '%Administrators%'", { User: '%administrators%' });
    const esc = compileOne(rule("Path|expand: '\\%plain%name%'"), { expand: { name: ['x'] } });
    assert.ok(esc.test(ev({ Path: '%plainx' })));
  });
  test('fieldref: compares with another field of the same event', () => {
    yes('ParentImage|fieldref: Image', { Image: 'C:\\a.exe', ParentImage: 'c:\\A.EXE' });
    no('ParentImage|fieldref: Image', { Image: 'C:\\a.exe', ParentImage: 'C:\\b.exe' });
    no('ParentImage|fieldref: Image', { ParentImage: 'C:\\b.exe' });
    yes('ParentImage|fieldref|neq: Image', { Image: 'C:\\a.exe', ParentImage: 'C:\\b.exe' });
    yes('CommandLine|fieldref|contains: Image', { Image: 'a.exe', CommandLine: '"A.EXE" /x' });
    yes('CommandLine|fieldref|endswith: Image', { Image: 'a.exe', CommandLine: 'C:\\a.exe' });
    yes('CommandLine|fieldref|startswith: Image', { Image: 'a.exe', CommandLine: 'a.exe x' });
  });
});

describe('keywords (spec "Keywords search")', () => {
  test('a list of strings is OR over every field value, as substrings', () => {
    const y = procRule("keywords:\n    - 'event::clear'\n    - 'event::drop'\ncondition: keywords");
    assert.ok(matches(y, ev({ CommandLine: 'mimikatz "event::clear" exit' })));
    assert.ok(matches(y, ev({ ParentCommandLine: 'EVENT::DROP' })));
    assert.ok(!matches(y, ev({ CommandLine: 'event::list' })));
  });
  test("'|all' keyword lists need every keyword", () => {
    const y = procRule("keywords_cmdlet:\n    '|all':\n        - 'OabVirtualDirectory'\n        - ' -ExternalUrl '\ncondition: keywords_cmdlet");
    assert.ok(matches(y, ev({ Payload: 'Set-OabVirtualDirectory -ExternalUrl http://x' })));
    assert.ok(matches(y, ev({ A: 'Set-OabVirtualDirectory', B: 'x -ExternalUrl y' })));
    assert.ok(!matches(y, ev({ Payload: 'Set-OabVirtualDirectory -InternalUrl http://x' })));
  });
});

describe('refused modifiers and values', () => {
  test('unknown modifiers name the modifier, line and column', () => {
    const r = loadSigmaText(rule("CommandLine|contians: 'x'"), 'x.yml');
    assert.equal(r.failed.length, 1);
    assert.match(r.failed[0]!.reason, /unknown modifier "contians"/);
    assert.equal(r.failed[0]!.line, 9);
    assert.equal(r.failed[0]!.column, 9);
  });
  test('a map as a value is refused', () => {
    fails('CommandLine:\n    a: b', /cannot be a map/);
  });
});
