/**
 * @module Tests of trees assembled from several folders under tree prefixes (the live host's mirror).
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { makeTempDir, removeTempDir, treeContents } from '../../test/fixtures/inputs/temp-tree.js';
import { writeTree } from '../../test/fixtures/inputs/temp-tree.js';
import { detectLayout } from './layout.js';
import { disjointRoots, openMappedTree } from './mapped-tree.js';
import { compareTreePaths } from './tree-path.js';

void describe('disjointRoots', () => {
  void it('drops roots inside others (case-insensitively) and sorts by prefix', () => {
    const roots = disjointRoots([
      { dir: '/p', prefix: 'C/ProgramData' },
      { dir: '/pm', prefix: 'C/programdata/Microsoft' },
      { dir: '/x', prefix: 'C/Program Files/Microsoft/Exchange Server/V15/Logging' },
      { dir: '/r', prefix: 'C/root' },
      { dir: '/r2', prefix: 'C/root' },
    ]);
    assert.deepEqual(
      roots.map((r) => r.dir),
      ['/x', '/p', '/r'],
    );
  });
});

void describe('openMappedTree', () => {
  let base: string;
  before(() => {
    base = makeTempDir('mapped');
    writeTree(base, {
      'inetpub/wwwroot/aspnet_client/system_web/shell.aspx': 'shell',
      'inetpub/logs/LogFiles/W3SVC1/u_ex210303.log': '#Fields: date time\n',
      'pd/VSPerfMon/x.7z': '7z',
      'install/Logging/HttpProxy/Owa/HttpProxy_2021030304-1.LOG': 'DateTime\n',
      'install/FrontEnd/HttpProxy/owa/auth/x.aspx': 'x',
    });
  });
  after(() => removeTempDir(base));

  void it('presents folders as a sorted drive mirror that layout detection reads like a collection', async () => {
    const tree = openMappedTree(
      [
        { dir: join(base, 'pd'), prefix: 'C/ProgramData' },
        { dir: join(base, 'inetpub/wwwroot'), prefix: 'C/inetpub/wwwroot' },
        { dir: join(base, 'inetpub/logs/LogFiles'), prefix: 'C/inetpub/logs/LogFiles' },
        { dir: join(base, 'missing'), prefix: 'C/root' },
        { dir: join(base, 'install/Logging'), prefix: 'D/Exchange/Logging' },
        { dir: join(base, 'install/FrontEnd/HttpProxy'), prefix: 'D/Exchange/FrontEnd/HttpProxy' },
      ],
      { input: '', label: 'EXCH01' },
    );
    const contents = await treeContents(tree);
    const paths = [...contents.keys()];
    assert.deepEqual(paths, [...paths].sort(compareTreePaths));
    assert.deepEqual(paths, [
      'C/ProgramData/VSPerfMon/x.7z',
      'C/inetpub/logs/LogFiles/W3SVC1/u_ex210303.log',
      'C/inetpub/wwwroot/aspnet_client/system_web/shell.aspx',
      'D/Exchange/FrontEnd/HttpProxy/owa/auth/x.aspx',
      'D/Exchange/Logging/HttpProxy/Owa/HttpProxy_2021030304-1.LOG',
    ]);
    assert.equal(contents.get('C/inetpub/wwwroot/aspnet_client/system_web/shell.aspx'), 'shell');
    const layout = detectLayout(paths);
    assert.equal(layout.exchangeInstall, 'D:\\Exchange\\');
    assert.equal(layout.classify('D/Exchange/FrontEnd/HttpProxy/owa/auth/x.aspx')?.type, 'sweep');
  });
});
