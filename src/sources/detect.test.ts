import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { DETECT_BYTES, detectLogKind } from './detect.js';
import { fixturePath, prng, requireShared, sharedDataPath, utf16 } from './testutil.js';

const head = (bytes: Buffer): Buffer => bytes.subarray(0, DETECT_BYTES);
const fixture = (name: string): Buffer => readFileSync(fixturePath(name));
const SAMPLES = sharedDataPath('evtx-attack-samples', 'Command and Control');

describe('detectLogKind', () => {
  it('recognises each synthetic fixture', () => {
    assert.equal(detectLogKind(head(fixture('iis-w3c-synthetic.log'))), 'iis');
    assert.equal(detectLogKind(head(fixture('httpproxy-ecp-synthetic.log'))), 'httpproxy');
    assert.equal(detectLogKind(head(fixture('ecp-server-synthetic.log'))), 'ecp');
    assert.equal(detectLogKind(head(fixture('oab-generator-synthetic.log'))), 'oab');
  });

  it('recognises headers without #Log-type or #Software', () => {
    const proxy = fixture('httpproxy-ecp-synthetic.log').toString('utf8');
    assert.equal(detectLogKind(Buffer.from(proxy.split('\r\n')[0] ?? '')), 'httpproxy', 'plain CSV header only');
    assert.equal(detectLogKind(Buffer.from('#Fields: DateTime,AnchorMailbox,UrlStem\n')), 'httpproxy');
    assert.equal(detectLogKind(Buffer.from('TimeStamp,ServerName,EventId,EventData\r\n2021-03-03T00:00:00Z,EX,1,S:CMD=x;\r\n')), 'ecp');
    assert.equal(detectLogKind(Buffer.from('#Fields: date time s-ip cs-method cs-uri-stem\n')), 'iis');
    assert.equal(detectLogKind(Buffer.from('#Log-type: OABGenerator Log\n')), 'oab');
  });

  it('sees through BOMs and UTF-16', () => {
    const iis = fixture('iis-w3c-synthetic.log').toString('utf8');
    const ecp = fixture('ecp-server-synthetic.log').toString('utf8');
    assert.equal(detectLogKind(head(utf16(iis, 'le', true))), 'iis');
    assert.equal(detectLogKind(head(utf16(ecp, 'le', false))), 'ecp');
    assert.equal(detectLogKind(head(utf16(ecp, 'be', true)).subarray(0, 701)), 'ecp', 'odd cut is tolerated');
    assert.equal(detectLogKind(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(iis)])), 'iis');
  });

  it('rejects other formats', () => {
    assert.equal(detectLogKind(Buffer.alloc(0)), null);
    assert.equal(detectLogKind(Buffer.from('192.168.105.83 - - [11/Jul/2018:08:41:28 +0300] "GET / HTTP/1.1" 200 11444\n')), null);
    assert.equal(detectLogKind(Buffer.from('Name,Size,Modified\nreport.docx,1024,2021-03-03\n')), null);
    assert.equal(detectLogKind(Buffer.from('#Software: Microsoft Exchange Server\n#Log-type: Message Tracking Log\n#Fields: date-time,client-ip\n')), null);
    const rand = prng(9);
    assert.equal(detectLogKind(Buffer.from(Array.from({ length: 4096 }, () => Math.floor(rand() * 256)))), null);
  });

  it('reads the real IIS sample as IIS and the real Apache sample as nothing', (t) => {
    if (!requireShared(t, SAMPLES)) return;
    assert.equal(detectLogKind(head(readFileSync(`${SAMPLES}/Tunna_rdp_tunnel_IIS.log`))), 'iis');
    assert.equal(detectLogKind(head(readFileSync(`${SAMPLES}/web_attack_and_isp_webshell_localhost_access_log.txt`))), null);
  });
});
