/* hl_db.h: MariaDB connection and prepared statements. SQL text is
 * always a constant; values are always bound. Results are read as
 * strings (converted by the accessors). */
#ifndef HL_DB_H
#define HL_DB_H
#include <stddef.h>
#include "hl_error.h"
#include "hl_config.h"

struct hl_db;
struct hl_stmt;

hl_err hl_db_open(const struct hl_config *cfg, struct hl_db **out);
void hl_db_close(struct hl_db *db);
/* The configuration the connection was opened with (it outlives db). */
const struct hl_config *hl_db_config(const struct hl_db *db);
/* ... and of the connection a statement belongs to. */
const struct hl_config *hl_stmt_config(const struct hl_stmt *st);
/* Reconnect if the server went away (long-lived FastCGI processes). */
hl_err hl_db_ping(struct hl_db *db);
/* Changes when hl_db_ping reconnected: statements kept across calls
 * (hl_deliveries.c) must then be prepared again. */
unsigned hl_db_generation(const struct hl_db *db);
/* A MariaDB named lock (GET_LOCK: the session's, so a crashed holder
 * holds nothing). *taken is 1 when it was had within wait_s seconds. */
hl_err hl_db_lock(struct hl_db *db, const char *name, long wait_s, int *taken);
hl_err hl_db_unlock(struct hl_db *db, const char *name);
hl_err hl_db_begin(struct hl_db *db);
hl_err hl_db_commit(struct hl_db *db);
void hl_db_rollback(struct hl_db *db);
/* The last failure was a deadlock: MariaDB undid the whole transaction
 * (every statement of it, not only the last), so it may be run again
 * from its start as it was. */
int hl_db_deadlocked(void);
/* The last failure was a connection that MariaDB refused (access denied
 * to the user or the database, no such database), not one it could not
 * be reached for: the configuration is wrong, trying again will not do.
 * It is still HL_ERR_UNAVAILABLE, as every failed connection. */
int hl_db_connect_refused(void);

/* Prepare a statement. Parameters are bound by index (0-based) before
 * hl_stmt_exec; bound strings must stay alive until hl_stmt_exec returns. */
hl_err hl_stmt_new(struct hl_db *db, const char *sql, struct hl_stmt **out);
void hl_stmt_str(struct hl_stmt *st, unsigned idx, const char *s);      /* NULL binds SQL NULL */
void hl_stmt_strn(struct hl_stmt *st, unsigned idx, const char *s, size_t n);
/* n bytes as they are, for a BLOB column: sent as binary, so neither the
 * connection's utf8mb4 nor a NUL inside them changes what is stored.
 * NULL binds SQL NULL. */
void hl_stmt_blob(struct hl_stmt *st, unsigned idx, const void *p, size_t n);
void hl_stmt_int(struct hl_stmt *st, unsigned idx, long long v);
void hl_stmt_null(struct hl_stmt *st, unsigned idx);
hl_err hl_stmt_exec(struct hl_stmt *st);
/* After exec of a SELECT: 1 = a row is ready, 0 = no more rows, -1 = error. */
int hl_stmt_fetch(struct hl_stmt *st);
const char *hl_stmt_col(struct hl_stmt *st, unsigned col);   /* NULL for SQL NULL */
/* The column's length in bytes: a BLOB is read whole with hl_stmt_col
 * and this (it may hold NULs; a NUL follows its last byte). */
size_t hl_stmt_collen(struct hl_stmt *st, unsigned col);
long long hl_stmt_colint(struct hl_stmt *st, unsigned col);  /* 0 for NULL */
int hl_stmt_colnull(struct hl_stmt *st, unsigned col);
unsigned long long hl_stmt_affected(struct hl_stmt *st);
/* Reuse with new parameters (batch inserts). */
hl_err hl_stmt_reset(struct hl_stmt *st);
void hl_stmt_free(struct hl_stmt *st);

/* Run st and read its first row: *found says whether there is one (then
 * it is ready to read); HL_ERR_DB when reading fails. */
hl_err hl_stmt_first(struct hl_stmt *st, int *found);
/* Run st expecting one row: HL_OK with the row ready to read, or
 * HL_ERR_NOTFOUND ("no <what> <id>", field "id") when there is none. */
hl_err hl_stmt_row(struct hl_stmt *st, const char *what, const char *id);
/* Turns the current row into a JSON object (json-c, caller owns it). */
struct json_object;
typedef struct json_object *(*hl_row_fn)(struct hl_stmt *st);
/* Run st and collect its rows into a list page {"data", "iterator",
 * "done"} (hl_json_list). For paging the statement asks for limit + 1
 * rows: the extra row only says that another page exists; the iterator
 * is column id_col of the last row kept. limit < 0: every row, one page. */
/* o[key] = column col as an integer, or null for SQL NULL. */
void hl_stmt_json_int(struct json_object *o, const char *key, struct hl_stmt *st, unsigned col);
hl_err hl_stmt_page(struct hl_stmt *st, int limit, unsigned id_col, hl_row_fn row,
	struct json_object **out);
/* Every row of st as a JSON array (the nested lists of one object). */
hl_err hl_stmt_array(struct hl_stmt *st, hl_row_fn row, struct json_object **out);

/* One-shot helper: prepare, bind by a type string and run a statement
 * that returns no rows. Types: 's' const char * (NULL = SQL NULL),
 * 'i' long long, 'z' const char * + size_t length, 'b' const void * +
 * size_t length bound as binary (hl_stmt_blob).
 * *affected may be NULL. */
hl_err hl_db_exec(struct hl_db *db, unsigned long long *affected,
	const char *sql, const char *types, ...);

/* Run a file of schema statements (migrations only: trusted text). A
 * failure's message is "statement N: " and MariaDB's error. */
hl_err hl_db_exec_script(struct hl_db *db, const char *text);

#endif
