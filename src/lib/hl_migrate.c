/* hl_migrate.c: schema migrations. A migration is sql/NNN_name.sql; its
 * number, file name and SHA-256 are recorded in schema_migrations after
 * it succeeds. Migrations are written to be re-runnable (IF NOT EXISTS,
 * INSERT IGNORE) because MariaDB commits DDL implicitly: a half-applied
 * file must be safe to apply again. A GET_LOCK keeps two migrators from
 * racing. Before anything runs, the files and the recorded rows must
 * agree: one file per number, and every recorded number still has its
 * file under the same name (otherwise the database was migrated by a
 * newer release, or by another branch's migration of that number).
 * hl_migrate_status compares the recorded rows with the migrations this
 * build was made with (hl_migrations.h, generated from Makefile.am), so
 * a program never runs against a schema it was not written for. */
#include "config.h"
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "hl_buf.h"
#include "hl_crypto.h"
#include "hl_log.h"
#include "hl_migrate.h"
#include "hl_migrations.h"

#define MIGRATION_MAX_BYTES (4 * 1024 * 1024)
#define MIGRATIONS_MAX 1000

struct migration {
	long version;
	char name[256];
	char checksum[65];   /* SHA-256 hex of the file, once read */
	int applied;         /* recorded in schema_migrations */
	int unsummed;        /* recorded before checksums were */
};

static int
cmp_migration(const void *a, const void *b)
{
	const struct migration *x = a, *y = b;

	return (x->version > y->version) - (x->version < y->version);
}

static hl_err
read_file(const char *path, struct hl_buf *out)
{
	char chunk[8192];
	size_t n;
	FILE *f;
	hl_err rc = HL_OK;

	f = fopen(path, "r");
	if (!f)
		return hl_fail(HL_ERR_IO, NULL, "cannot read %s: %s", path, strerror(errno));
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
		rc = hl_buf_add(out, chunk, n);
		if (rc)
			break;
	}
	/* The buffer's own message names no file, and its code reads as a
	 * bad argument (exit 2): the file is what must change. */
	if (rc == HL_ERR_TOOLARGE)
		rc = hl_fail(HL_ERR_CONFIG, NULL, "migration %s is larger than %d MiB: split it "
			"into several migrations", path, MIGRATION_MAX_BYTES / (1024 * 1024));
	if (!rc && ferror(f))
		rc = hl_fail(HL_ERR_IO, NULL, "cannot read %s", path);
	fclose(f);
	return rc;
}

/* Whether name is a migration's, NNN_name.sql: digits (a number above
 * 0), "_", a name, ".sql". *version gets the number. strtol alone took
 * " 7_x.sql" and "+7_x.sql" too, and "7_.sql". */
static int
migration_name(const char *name, long *version)
{
	size_t len = strlen(name);
	char *end;

	if (name[0] < '0' || name[0] > '9' || len < 4 || strcmp(name + len - 4, ".sql"))
		return 0;
	errno = 0;
	*version = strtol(name, &end, 10);
	return !errno && *version > 0 && *end == '_' && end + 1 < name + len - 4;
}

static hl_err
list_migrations(const char *dir, struct migration *out, int *n)
{
	struct dirent *de;
	DIR *d;
	int i;

	*n = 0;
	d = opendir(dir);
	if (!d)
		return hl_fail(HL_ERR_IO, NULL, "cannot open migrations directory %s: %s "
			"(check Paths.Sql)", dir, strerror(errno));
	while ((de = readdir(d)) != NULL) {
		size_t len = strlen(de->d_name);
		long v;

		/* ".", ".." and hidden files (an editor's swap file). */
		if (de->d_name[0] == '.')
			continue;
		/* A migration misnamed (017-x.sql, 17_x.SQL, 017_x.sql.orig)
		 * would look applied and never be: say so. */
		if (!migration_name(de->d_name, &v)) {
			hl_log(HL_LOG_WARN, "%s in %s is not applied: a migration's name is "
				"NNN_name.sql (a number above 0, an underscore, a name); rename it or "
				"move it away", de->d_name, dir);
			continue;
		}
		if (*n >= MIGRATIONS_MAX || len >= sizeof(out[*n].name)) {
			closedir(d);
			if (*n >= MIGRATIONS_MAX)
				return hl_fail(HL_ERR_CONFIG, NULL, "more than %d migrations in %s",
					MIGRATIONS_MAX, dir);
			return hl_fail(HL_ERR_CONFIG, NULL, "migration file name too long: %.64s...",
				de->d_name);
		}
		memset(&out[*n], 0, sizeof(out[*n]));
		out[*n].version = v;
		snprintf(out[*n].name, sizeof(out[*n].name), "%s", de->d_name);
		(*n)++;
	}
	closedir(d);
	qsort(out, (size_t)*n, sizeof(*out), cmp_migration);
	/* Two branches that each added migration N: applying one and
	 * recording N would leave the other never applied. */
	for (i = 1; i < *n; i++)
		if (out[i].version == out[i - 1].version)
			return hl_fail(HL_ERR_CONFIG, NULL, "migrations %s and %s in %s have the "
				"same number %ld: renumber one of them", out[i - 1].name, out[i].name,
				dir, out[i].version);
	return HL_OK;
}

static struct migration *
find_migration(struct migration *list, int n, long version)
{
	struct migration key;

	key.version = version;
	return bsearch(&key, list, (size_t)n, sizeof(*list), cmp_migration);
}

/* Every recorded migration must still be a file of the same name; its
 * checksum (recorded since checksums exist) should still match, and one
 * recorded without is given the file's now. */
static hl_err
check_recorded(struct hl_db *db, struct migration *list, int n)
{
	struct hl_stmt *st;
	struct migration *m;
	const char *name, *sum;
	hl_err rc;
	int r;

	rc = hl_stmt_new(db, "SELECT version, name, checksum FROM schema_migrations "
		"ORDER BY version", &st);
	if (rc)
		return rc;
	rc = hl_stmt_exec(st);
	while (!rc && (r = hl_stmt_fetch(st)) != 0) {
		if (r < 0) {
			rc = HL_ERR_DB;
			break;
		}
		name = hl_stmt_col(st, 1);
		sum = hl_stmt_col(st, 2);
		m = find_migration(list, n, (long)hl_stmt_colint(st, 0));
		if (!m) {
			rc = hl_fail(HL_ERR_DB, NULL, "the database has migration %s, which is not "
				"in %s: it was migrated by a newer hookline (install that release, or "
				"point Paths.Sql at its sql directory)", name, hl_db_config(db)->sql_dir);
			break;
		}
		if (strcmp(m->name, name)) {
			rc = hl_fail(HL_ERR_DB, NULL, "migration %lld was applied as %s, but %s has %s "
				"under that number: renumber the new one", hl_stmt_colint(st, 0), name,
				hl_db_config(db)->sql_dir, m->name);
			break;
		}
		m->applied = 1;
		m->unsummed = !sum;
		if (sum && strcmp(sum, m->checksum))
			hl_log(HL_LOG_WARN, "migration %s changed since it was applied (SHA-256 "
				"differs); changes to an applied migration are not applied: put them "
				"in a new migration", m->name);
	}
	hl_stmt_free(st);
	for (r = 0; !rc && r < n; r++)
		if (list[r].unsummed)
			rc = hl_db_exec(db, NULL, "UPDATE schema_migrations SET checksum = ? "
				"WHERE version = ? AND checksum IS NULL", "si", list[r].checksum,
				(long long)list[r].version);
	return rc;
}

static hl_err
checksum_file(const char *dir, struct migration *m, struct hl_buf *text)
{
	char path[4096];
	hl_err rc;

	snprintf(path, sizeof(path), "%s/%s", dir, m->name);
	hl_buf_reset(text);
	rc = read_file(path, text);
	if (!rc)
		hl_sha256_hex(hl_buf_str(text), text->len, m->checksum);
	return rc;
}

#define LOCK_NAME "hookline_migrate"

hl_err
hl_migrate(struct hl_db *db, const char *dir, int *applied)
{
	static struct migration list[MIGRATIONS_MAX];
	char lock[300];
	struct hl_buf text;
	int i, n, locked = 0, count = 0;
	hl_err rc;

	if (applied)
		*applied = 0;
	hl_buf_init(&text, MIGRATION_MAX_BYTES);
	rc = list_migrations(dir, list, &n);
	if (rc)
		return rc;
	if (n == 0)
		return hl_fail(HL_ERR_IO, NULL, "no migrations found in %s (check Paths.Sql)", dir);
	for (i = 0; !rc && i < n; i++)
		rc = checksum_file(dir, &list[i], &text);
	if (rc)
		goto out;
	/* GET_LOCK names are server-wide: one lock per database, so the
	 * migrations of two installations on one server do not wait for
	 * each other. */
	snprintf(lock, sizeof(lock), "%s.%.200s", LOCK_NAME, hl_db_config(db)->db_name);
	rc = hl_db_lock(db, lock, 60, &locked);
	if (!rc && !locked)
		rc = hl_fail(HL_ERR_CONFLICT, NULL, "another migration is running "
			"(waited 60 s for it)");
	if (rc)
		goto out;
	rc = hl_db_exec(db, NULL, "CREATE TABLE IF NOT EXISTS schema_migrations ("
		"version INT NOT NULL PRIMARY KEY, name VARCHAR(255) NOT NULL, "
		"applied_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3)) "
		"ENGINE=InnoDB DEFAULT CHARSET=utf8mb4", "");
	if (!rc)
		rc = hl_db_exec(db, NULL, "ALTER TABLE schema_migrations ADD COLUMN IF NOT EXISTS "
			"checksum CHAR(64) NULL", "");
	/* Read under the lock: what another migrator just applied counts. */
	if (!rc)
		rc = check_recorded(db, list, n);
	for (i = 0; !rc && i < n; i++) {
		if (list[i].applied)
			continue;
		rc = checksum_file(dir, &list[i], &text);
		if (rc)
			break;
		hl_log(HL_LOG_INFO, "applying migration %s", list[i].name);
		if (hl_db_exec_script(db, hl_buf_str(&text))) {
			/* Whatever the statement's error (a duplicate key too), the
			 * migration failed: not "already exists". The message says
			 * which statement of the file, and MariaDB's error. */
			rc = hl_fail(HL_ERR_DB, NULL, "migration %s failed: %s; nothing after it was "
				"applied, and it is applied again by the next migrate", list[i].name,
				hl_errmsg());
			break;
		}
		rc = hl_db_exec(db, NULL, "INSERT INTO schema_migrations (version, name, checksum) "
			"VALUES (?, ?, ?)", "iss", (long long)list[i].version, list[i].name,
			list[i].checksum);
		if (!rc)
			count++;
	}
out:
	if (locked)
		hl_db_unlock(db, lock);
	hl_buf_free(&text);
	if (applied)
		*applied = count;
	return rc;
}

static const char *const state_names[HL_MIGRATE__MAX] = {
	[HL_MIGRATE_CURRENT] = "current",
	[HL_MIGRATE_EMPTY] = "empty",
	[HL_MIGRATE_BEHIND] = "behind",
	[HL_MIGRATE_AHEAD] = "ahead",
	[HL_MIGRATE_DIVERGED] = "diverged",
};

const char *
hl_migrate_state_name(enum hl_migrate_state state)
{
	return state < HL_MIGRATE__MAX ? state_names[state] : "";
}

#define HL_MIGRATION(name) name,
static const char *const build_migrations[] = { HL_MIGRATIONS_LIST };
#undef HL_MIGRATION
#define NBUILD (sizeof(build_migrations) / sizeof(build_migrations[0]))

/* The number of a migration file name, as list_migrations reads it. */
static long
build_version(size_t i)
{
	return strtol(build_migrations[i], NULL, 10);
}

long
hl_migrate_build_version(void)
{
	long top = 0;
	size_t i;

	for (i = 0; i < NBUILD; i++)
		if (build_version(i) > top)
			top = build_version(i);
	return top;
}

void
hl_print_version(const char *program)
{
	printf("%s %s (schema %03ld)\n", program, PACKAGE_VERSION, hl_migrate_build_version());
}

static int
build_index(long version)
{
	size_t i;

	for (i = 0; i < NBUILD; i++)
		if (build_version(i) == version)
			return (int)i;
	return -1;
}

hl_err
hl_migrate_status(struct hl_db *db, struct hl_migrate_status *out)
{
	unsigned char seen[NBUILD];
	char ahead[256] = "", theirs[256] = "";
	long diverged = 0, rows = 0, v;
	int idx, missing = 0, first_missing = -1, r, found;
	struct hl_stmt *st;
	const char *name;
	size_t i;
	hl_err rc;

	memset(out, 0, sizeof(*out));
	memset(seen, 0, sizeof(seen));
	out->want_version = hl_migrate_build_version();
	rc = hl_stmt_new(db, "SELECT COUNT(*) FROM information_schema.TABLES "
		"WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'schema_migrations'", &st);
	if (rc)
		return rc;
	rc = hl_stmt_first(st, &found);
	if (!rc)
		rows = found ? (long)hl_stmt_colint(st, 0) : 0;
	hl_stmt_free(st);
	if (rc)
		return rc;
	if (rows) {
		rows = 0;
		rc = hl_stmt_new(db, "SELECT version, name FROM schema_migrations ORDER BY version",
			&st);
		if (rc)
			return rc;
		rc = hl_stmt_exec(st);
		while (!rc && (r = hl_stmt_fetch(st)) != 0) {
			if (r < 0) {
				rc = HL_ERR_DB;
				break;
			}
			rows++;
			v = (long)hl_stmt_colint(st, 0);
			name = hl_stmt_col(st, 1);
			if (v > out->db_version)
				out->db_version = v;
			idx = build_index(v);
			if (idx < 0)
				snprintf(ahead, sizeof(ahead), "%s", name ? name : "?");
			else if (!name || strcmp(name, build_migrations[idx])) {
				if (!diverged) {
					diverged = v;
					snprintf(theirs, sizeof(theirs), "%s", name ? name : "?");
				}
			} else {
				seen[idx] = 1;
			}
		}
		hl_stmt_free(st);
		if (rc)
			return rc;
	}
	for (i = 0; i < NBUILD; i++)
		if (!seen[i]) {
			missing++;
			if (first_missing < 0 || build_version(i) < build_version((size_t)first_missing))
				first_missing = (int)i;
		}
	if (!rows) {
		out->state = HL_MIGRATE_EMPTY;
		snprintf(out->detail, sizeof(out->detail), "database %.100s has no hookline schema "
			"(no migration recorded), this build needs %03ld: run hooklinectl migrate",
			hl_db_config(db)->db_name, out->want_version);
	} else if (diverged) {
		out->state = HL_MIGRATE_DIVERGED;
		snprintf(out->detail, sizeof(out->detail), "database schema has migration %03ld "
			"applied as %.150s, but this build's is %.150s: it was migrated by another "
			"hookline build; run that build's programs", diverged, theirs,
			build_migrations[build_index(diverged)]);
	} else if (*ahead) {
		out->state = HL_MIGRATE_AHEAD;
		snprintf(out->detail, sizeof(out->detail), "database schema is at %03ld, but this "
			"build needs %03ld and does not know migration %.150s: it was migrated by a "
			"newer hookline; run that release's programs", out->db_version,
			out->want_version, ahead);
	} else if (missing && build_version((size_t)first_missing) > out->db_version) {
		out->state = HL_MIGRATE_BEHIND;
		snprintf(out->detail, sizeof(out->detail), "database schema is at %03ld, this build "
			"needs %03ld: run hooklinectl migrate", out->db_version, out->want_version);
	} else if (missing) {
		out->state = HL_MIGRATE_BEHIND;
		snprintf(out->detail, sizeof(out->detail), "database schema is at %03ld but lacks "
			"migration %.150s%s, which this build needs: run hooklinectl migrate",
			out->db_version, build_migrations[first_missing],
			missing > 1 ? " and others" : "");
	} else {
		out->state = HL_MIGRATE_CURRENT;
		snprintf(out->detail, sizeof(out->detail), "database schema is at %03ld, as this "
			"build needs", out->db_version);
	}
	return HL_OK;
}
