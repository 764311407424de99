import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { prepareDatabase } from '../../src/store/index.ts';

// Bringing a store's schema up to date (src/store/schema.ts): every migration due in one
// transaction, so a new file is made in one commit and a failed migration leaves the file as it was.

const version = (db: Database.Database): number => db.pragma('user_version', { simple: true }) as number;
const tables = (db: Database.Database): string[] =>
  (
    db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name`).all() as {
      name: string;
    }[]
  ).map((r) => r.name);

function withFile(fn: (path: string) => void): void {
  const dir = mkdtempSync(join(tmpdir(), 'custos-schema-'));
  try {
    fn(join(dir, 'custos.db'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('a new file gets every migration, and opening it again changes nothing', () => {
  withFile((path) => {
    const db = new Database(path);
    prepareDatabase(db);
    const latest = version(db);
    assert.ok(latest > 1);
    assert.ok(tables(db).includes('exchanges'));
    assert.ok(tables(db).includes('audit_events'));
    assert.ok(tables(db).includes('audit_subject_postings'));
    db.close();
    const again = new Database(path);
    const before = tables(again);
    prepareDatabase(again);
    assert.equal(version(again), latest);
    assert.deepEqual(tables(again), before);
    again.close();
  });
});

test('a migration that fails leaves the file as it was: none of the migrations before it stays', () => {
  withFile((path) => {
    const db = new Database(path);
    // A table in the way of a later migration (the audit trail's), not of the first (exchanges).
    db.exec('CREATE TABLE audit_payloads (x INTEGER)');
    assert.throws(() => prepareDatabase(db), /audit_payloads already exists/);
    assert.equal(version(db), 0);
    assert.deepEqual(tables(db), ['audit_payloads']);
    db.close();
  });
});

test('a file from a newer Custos (a later schema version) is left alone', () => {
  withFile((path) => {
    const db = new Database(path);
    prepareDatabase(db);
    const newer = version(db) + 3;
    db.pragma(`user_version = ${newer}`);
    prepareDatabase(db);
    assert.equal(version(db), newer);
    db.close();
  });
});
