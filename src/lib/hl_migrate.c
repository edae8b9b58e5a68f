/* hl_migrate.c: schema migrations. A migration is sql/NNN_name.sql; its
 * number is recorded in schema_migrations after it succeeds. Migrations
 * are written to be re-runnable (IF NOT EXISTS, INSERT IGNORE) because
 * MariaDB commits DDL implicitly: a half-applied file must be safe to
 * apply again. A GET_LOCK keeps two migrators from racing. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "hl_buf.h"
#include "hl_log.h"
#include "hl_migrate.h"

#define MIGRATION_MAX_BYTES (4 * 1024 * 1024)
#define MIGRATIONS_MAX 1000

struct migration {
	long version;
	char name[256];
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
	if (!rc && ferror(f))
		rc = hl_fail(HL_ERR_IO, NULL, "cannot read %s", path);
	fclose(f);
	return rc;
}

static hl_err
list_migrations(const char *dir, struct migration *out, int *n)
{
	struct dirent *de;
	DIR *d;

	*n = 0;
	d = opendir(dir);
	if (!d)
		return hl_fail(HL_ERR_IO, NULL, "cannot open migrations directory %s: %s "
			"(check Paths.Sql)", dir, strerror(errno));
	while ((de = readdir(d)) != NULL) {
		size_t len = strlen(de->d_name);
		char *end;
		long v;

		if (len < 5 || strcmp(de->d_name + len - 4, ".sql"))
			continue;
		v = strtol(de->d_name, &end, 10);
		if (end == de->d_name || *end != '_' || v <= 0)
			continue;
		if (*n >= MIGRATIONS_MAX)
			break;
		out[*n].version = v;
		snprintf(out[*n].name, sizeof(out[*n].name), "%s", de->d_name);
		(*n)++;
	}
	closedir(d);
	qsort(out, (size_t)*n, sizeof(*out), cmp_migration);
	return HL_OK;
}

static hl_err
is_applied(struct hl_db *db, long version, int *applied)
{
	struct hl_stmt *st;
	hl_err rc;

	rc = hl_stmt_new(db, "SELECT 1 FROM schema_migrations WHERE version = ?", &st);
	if (rc)
		return rc;
	hl_stmt_int(st, 0, version);
	rc = hl_stmt_first(st, applied);
	hl_stmt_free(st);
	return rc;
}

#define LOCK_NAME "hookline_migrate"

hl_err
hl_migrate(struct hl_db *db, const char *dir, int *applied)
{
	static struct migration list[MIGRATIONS_MAX];
	char path[4096];
	struct hl_buf text;
	int i, n, done, locked, count = 0;
	hl_err rc;

	hl_buf_init(&text, MIGRATION_MAX_BYTES);
	rc = list_migrations(dir, list, &n);
	if (rc)
		return rc;
	if (n == 0)
		return hl_fail(HL_ERR_IO, NULL, "no migrations found in %s (check Paths.Sql)", dir);
	rc = hl_db_lock(db, LOCK_NAME, 60, &locked);
	if (!rc && !locked)
		rc = hl_fail(HL_ERR_CONFLICT, NULL, "another migration is running");
	if (rc)
		return rc;
	rc = hl_db_exec(db, NULL, "CREATE TABLE IF NOT EXISTS schema_migrations ("
		"version INT NOT NULL PRIMARY KEY, name VARCHAR(255) NOT NULL, "
		"applied_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3)) "
		"ENGINE=InnoDB DEFAULT CHARSET=utf8mb4", "");
	for (i = 0; !rc && i < n; i++) {
		rc = is_applied(db, list[i].version, &done);
		if (rc || done)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, list[i].name);
		hl_buf_reset(&text);
		rc = read_file(path, &text);
		if (rc)
			break;
		hl_log(HL_LOG_INFO, "applying migration %s", list[i].name);
		rc = hl_db_exec_script(db, hl_buf_str(&text));
		if (rc) {
			hl_fail(rc, NULL, "migration %s failed: %s", list[i].name, hl_errmsg());
			break;
		}
		rc = hl_db_exec(db, NULL, "INSERT INTO schema_migrations (version, name) VALUES (?, ?)",
			"is", (long long)list[i].version, list[i].name);
		count++;
	}
	hl_db_unlock(db, LOCK_NAME);
	hl_buf_free(&text);
	if (applied)
		*applied = count;
	return rc;
}
