/* hl_migrate.h: apply sql/NNN_name.sql files in order, once each. */
#ifndef HL_MIGRATE_H
#define HL_MIGRATE_H
#include "hl_db.h"

/* Applies every migration in dir not yet recorded in schema_migrations.
 * *applied receives how many ran (may be NULL). */
hl_err hl_migrate(struct hl_db *db, const char *dir, int *applied);

/* How the database's schema compares with the one this build needs:
 * the migrations listed in Makefile.am when it was built (compiled in,
 * so no sql file is read at run time). */
enum hl_migrate_state {
	HL_MIGRATE_CURRENT,    /* exactly this build's migrations */
	HL_MIGRATE_EMPTY,      /* never migrated: no schema_migrations */
	HL_MIGRATE_BEHIND,     /* some of this build's migrations are not applied */
	HL_MIGRATE_AHEAD,      /* applied migrations this build does not have (a newer release) */
	HL_MIGRATE_DIVERGED,   /* a number applied under another file name */
	HL_MIGRATE__MAX
};

struct hl_migrate_status {
	enum hl_migrate_state state;
	long db_version;       /* highest applied migration (0: none) */
	long want_version;     /* highest migration of this build */
	char detail[512];      /* one line for a log: what differs and what to do */
};

/* The one check all three programs make before they use the database
 * (read only: it changes nothing). HL_OK with *out filled whatever the
 * state; an error only when the database could not be asked. */
hl_err hl_migrate_status(struct hl_db *db, struct hl_migrate_status *out);
/* "current", "empty", "behind", "ahead" or "diverged" (status --json). */
const char *hl_migrate_state_name(enum hl_migrate_state state);
/* The highest migration number this build needs. */
long hl_migrate_build_version(void);
/* Prints "PROGRAM VERSION (schema NNN)" to standard output, for each
 * program's --version: the release and the schema this build needs. */
void hl_print_version(const char *program);

#endif
