/**
 * @module Tests of zip entry name vetting: every traversal spelling refused, Windows names normalised.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { safeZipName } from './zip-names.js';

void describe('safeZipName', () => {
  void it('refuses every traversal spelling', () => {
    const unsafe = [
      '../evil.aspx',
      '..\\evil.aspx',
      'C/inetpub/../../evil.aspx',
      'C\\inetpub\\..\\..\\evil.aspx',
      '/abs/evil.aspx',
      '\\abs\\evil.aspx',
      '\\\\server\\share\\evil.aspx',
      'C:/Windows/evil.aspx',
      'C:\\Windows\\evil.aspx',
      'c:evil.aspx',
      'a/.. /evil.aspx',
      'a/.../evil.aspx',
      'a\0b',
    ];
    for (const name of unsafe) assert.equal(safeZipName(name).kind, 'unsafe', name);
  });

  void it('reads Windows backslash names as folders and drops empty and . segments', () => {
    assert.deepEqual(safeZipName('C\\inetpub\\wwwroot\\aspnet_client\\shell.aspx'), {
      kind: 'file',
      path: 'C/inetpub/wwwroot/aspnet_client/shell.aspx',
    });
    assert.deepEqual(safeZipName('./C//root/./lsass.dmp'), { kind: 'file', path: 'C/root/lsass.dmp' });
    // `..` inside a name is not a traversal.
    assert.deepEqual(safeZipName('C/root/a..b.dmp'), { kind: 'file', path: 'C/root/a..b.dmp' });
    assert.deepEqual(safeZipName('C/root/.hidden'), { kind: 'file', path: 'C/root/.hidden' });
  });

  void it('recognises folder entries in both separator styles', () => {
    for (const name of ['C/inetpub/', 'C\\inetpub\\', './', 'C/']) assert.equal(safeZipName(name).kind, 'directory', name);
  });
});
