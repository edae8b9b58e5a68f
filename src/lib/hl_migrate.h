/* hl_migrate.h: apply sql/NNN_name.sql files in order, once each. */
#ifndef HL_MIGRATE_H
#define HL_MIGRATE_H
#include "hl_db.h"

/* Applies every migration in dir not yet recorded in schema_migrations.
 * *applied receives how many ran (may be NULL). */
hl_err hl_migrate(struct hl_db *db, const char *dir, int *applied);

#endif
