// Child process: takes the write lock of a database (still in rollback-journal mode) in the middle of creating a
// table, says "locked", and commits after the given number of milliseconds: another store's migration, caught mid-way.
import Database from 'better-sqlite3';

const [path, holdMs] = process.argv.slice(2);
const db = new Database(path as string);
db.exec('BEGIN IMMEDIATE; CREATE TABLE other_app (x)');
process.stdout.write('locked\n');
setTimeout(() => {
  db.exec('COMMIT');
  db.close();
}, Number(holdMs));
