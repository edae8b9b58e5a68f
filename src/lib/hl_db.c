/* hl_db.c: MariaDB Connector/C wrapper. Every statement is prepared with
 * constant SQL text and bound values; results come back as strings sized
 * to the longest value of each column. */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <errmsg.h>
#include <mysql.h>
#include <mysqld_error.h>
#include "hl_db.h"
#include "hl_log.h"
#include "hl_util.h"

struct hl_db {
	MYSQL *my;
	const struct hl_config *cfg;
	unsigned generation;     /* connections made: statements die with theirs */
};

struct hl_stmt {
	struct hl_db *db;
	MYSQL_STMT *st;
	unsigned nparams;
	MYSQL_BIND *params;
	long long *ints;
	unsigned long *plens;
	unsigned ncols;
	MYSQL_BIND *cols;
	unsigned long *clens;
	my_bool *cnull;
	my_bool *cerr;
	int stored;
};

/* The error of MariaDB's number no. A deadlock or a lock wait timeout
 * (the transaction, or the statement, was undone) and a lost connection
 * are passing: HL_ERR_UNAVAILABLE, which the API answers 503 and the
 * runner retries. They used to be HL_ERR_CONFLICT, which callers read
 * as "already exists": a deadlock was reported as a taken slug. */
static _Thread_local unsigned last_server_error;
/* The last connection attempt was refused by the server: the user, its
 * password or the database is wrong, which no retry mends. */
static _Thread_local int last_connect_refused;

static hl_err
mariadb_error(unsigned no, const char *text, const char *what)
{
	last_server_error = no;
	if (no == ER_DUP_ENTRY)
		return hl_fail(HL_ERR_CONFLICT, NULL, "already exists");
	hl_log(HL_LOG_ERROR, "database: %s: %s (%u)", what, text, no);
	switch (no) {
	case ER_LOCK_DEADLOCK:
	case ER_LOCK_WAIT_TIMEOUT:
		hl_fail(HL_ERR_UNAVAILABLE, NULL, "the database was busy (a deadlock or a lock "
			"wait timeout) and did nothing: try again");
		hl_errreason_set("database_busy");
		return HL_ERR_UNAVAILABLE;
	case CR_SERVER_GONE_ERROR:
	case CR_SERVER_LOST:
	case CR_SERVER_LOST_EXTENDED:
	case CR_CONNECTION_ERROR:
	case CR_CONN_HOST_ERROR:
	case ER_SERVER_SHUTDOWN:
	case ER_CONNECTION_KILLED:
		return hl_fail(HL_ERR_UNAVAILABLE, NULL, "the connection to the database was "
			"lost (%u)", no);
	default:
		return hl_fail(HL_ERR_DB, NULL, "database error (%u)", no);
	}
}

static hl_err
db_error(MYSQL *my, const char *what)
{
	return mariadb_error(mysql_errno(my), mysql_error(my), what);
}

static hl_err
stmt_error(struct hl_stmt *s, const char *what)
{
	return mariadb_error(mysql_stmt_errno(s->st), mysql_stmt_error(s->st), what);
}

/* A connection without its session settings must not be used. */
static hl_err
setup_failed(struct hl_db *db)
{
	hl_err rc = db_error(db->my, "session setup");

	mysql_close(db->my);
	db->my = NULL;
	return rc;
}

static hl_err
db_connect(struct hl_db *db)
{
	const struct hl_config *cfg = db->cfg;
	unsigned int timeout = 10, io_timeout = (unsigned int)cfg->db_timeout;
	const char *sock = *cfg->db_socket ? cfg->db_socket : NULL;

	db->generation++;
	last_connect_refused = 0;
	db->my = mysql_init(NULL);
	if (!db->my)
		return hl_fail(HL_ERR_NOMEM, NULL, "mysql_init failed");
	mysql_options(db->my, MYSQL_OPT_CONNECT_TIMEOUT, &timeout);
	/* A server that stopped answering without closing the connection (a
	 * network partition, a hung host) would otherwise keep a statement
	 * waiting until TCP gives up, hours later: a FastCGI request, or the
	 * runner's sending loop, with it. The connection is lost instead and
	 * made again by the next hl_db_ping. */
	if (io_timeout) {
		if (timeout > io_timeout)
			timeout = io_timeout;
		mysql_options(db->my, MYSQL_OPT_CONNECT_TIMEOUT, &timeout);
		mysql_options(db->my, MYSQL_OPT_READ_TIMEOUT, &io_timeout);
		mysql_options(db->my, MYSQL_OPT_WRITE_TIMEOUT, &io_timeout);
	}
	mysql_options(db->my, MYSQL_SET_CHARSET_NAME, "utf8mb4");
	if (!mysql_real_connect(db->my, sock ? NULL : cfg->db_host, cfg->db_user,
	    cfg->db_password, cfg->db_name, sock ? 0 : cfg->db_port, sock,
	    CLIENT_FOUND_ROWS)) {
		/* Name where we tried to connect, never the password. */
		hl_fail(HL_ERR_UNAVAILABLE, NULL, "cannot connect to MariaDB at %s: %s",
			sock ? sock : cfg->db_host, mysql_error(db->my));
		switch (mysql_errno(db->my)) {
		case ER_DBACCESS_DENIED_ERROR:
		case ER_ACCESS_DENIED_ERROR:
		case ER_ACCESS_DENIED_NO_PASSWORD_ERROR:
		case ER_BAD_DB_ERROR:
			last_connect_refused = 1;
			break;
		default:
			break;
		}
		mysql_close(db->my);
		db->my = NULL;
		return HL_ERR_UNAVAILABLE;
	}
	/* Strict mode: bad data is an error, never silently truncated.
	 * UTC everywhere: times are stored and compared as UTC. */
	if (mysql_query(db->my, "SET SESSION sql_mode='STRICT_ALL_TABLES,NO_ENGINE_SUBSTITUTION,"
	    "ERROR_FOR_DIVISION_BY_ZERO', time_zone='+00:00'"))
		return setup_failed(db);
	/* READ COMMITTED: the claim's locking reads release rows that do not
	 * match, and every statement sees the latest committed queue state. */
	if (mysql_query(db->my, "SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED"))
		return setup_failed(db);
	return HL_OK;
}

/* A connection that was lost and could not be made again is NULL: each
 * use tries once more, and fails cleanly while the server is away (it
 * used to hand the NULL to Connector/C, which crashed the runner when
 * MariaDB restarted under it). */
static hl_err
db_live(struct hl_db *db)
{
	return db->my ? HL_OK : db_connect(db);
}

const struct hl_config *
hl_db_config(const struct hl_db *db)
{
	return db->cfg;
}

const struct hl_config *
hl_stmt_config(const struct hl_stmt *st)
{
	return st->db->cfg;
}

hl_err
hl_db_open(const struct hl_config *cfg, struct hl_db **out)
{
	struct hl_db *db;
	hl_err rc;

	*out = NULL;
	db = calloc(1, sizeof(*db));
	if (!db)
		return hl_fail(HL_ERR_NOMEM, NULL, "out of memory");
	db->cfg = cfg;
	rc = db_connect(db);
	if (rc) {
		if (db->my)
			mysql_close(db->my);
		free(db);
		return rc;
	}
	*out = db;
	return HL_OK;
}

void
hl_db_close(struct hl_db *db)
{
	if (!db)
		return;
	if (db->my)
		mysql_close(db->my);
	free(db);
}

hl_err
hl_db_ping(struct hl_db *db)
{
	if (db->my && mysql_ping(db->my) == 0)
		return HL_OK;
	if (db->my)
		mysql_close(db->my);
	db->my = NULL;
	return db_connect(db);
}

unsigned
hl_db_generation(const struct hl_db *db)
{
	return db->generation;
}

hl_err
hl_db_lock(struct hl_db *db, const char *name, long wait_s, int *taken)
{
	struct hl_stmt *st;
	int found;
	hl_err rc;

	*taken = 0;
	rc = hl_stmt_new(db, "SELECT GET_LOCK(?, ?)", &st);
	if (rc)
		return rc;
	hl_stmt_str(st, 0, name);
	hl_stmt_int(st, 1, wait_s);
	rc = hl_stmt_first(st, &found);
	*taken = !rc && found && hl_stmt_colint(st, 0) == 1;
	hl_stmt_free(st);
	return rc;
}

hl_err
hl_db_unlock(struct hl_db *db, const char *name)
{
	struct hl_stmt *st;
	int found;
	hl_err rc;

	rc = hl_stmt_new(db, "SELECT RELEASE_LOCK(?)", &st);
	if (rc)
		return rc;
	hl_stmt_str(st, 0, name);
	rc = hl_stmt_first(st, &found);
	hl_stmt_free(st);
	return rc;
}

int
hl_db_connect_refused(void)
{
	return hl_errcode() == HL_ERR_UNAVAILABLE && last_connect_refused;
}

int
hl_db_deadlocked(void)
{
	const char *reason = hl_errreason();

	/* The reason goes with every later hl_fail, so a deadlock that was
	 * followed by another failure is not read as the last one. */
	return hl_errcode() == HL_ERR_UNAVAILABLE && reason && !strcmp(reason, "database_busy")
		&& last_server_error == ER_LOCK_DEADLOCK;
}

hl_err
hl_db_begin(struct hl_db *db)
{
	if (db_live(db))
		return hl_errcode();
	if (mysql_query(db->my, "START TRANSACTION"))
		return db_error(db->my, "begin");
	return HL_OK;
}

hl_err
hl_db_commit(struct hl_db *db)
{
	if (!db->my)
		return hl_fail(HL_ERR_UNAVAILABLE, NULL, "database: commit: not connected");
	if (mysql_commit(db->my))
		return db_error(db->my, "commit");
	return HL_OK;
}

void
hl_db_rollback(struct hl_db *db)
{
	if (db->my && mysql_rollback(db->my))
		hl_log(HL_LOG_WARN, "database: rollback: %s", mysql_error(db->my));
}

hl_err
hl_stmt_new(struct hl_db *db, const char *sql, struct hl_stmt **out)
{
	struct hl_stmt *s;
	hl_err rc;

	*out = NULL;
	s = calloc(1, sizeof(*s));
	if (!s)
		return hl_fail(HL_ERR_NOMEM, NULL, "out of memory");
	s->db = db;
	if (db_live(db)) {
		free(s);
		return hl_errcode();
	}
	s->st = mysql_stmt_init(db->my);
	if (!s->st) {
		free(s);
		return db_error(db->my, "stmt_init");
	}
	if (mysql_stmt_prepare(s->st, sql, strlen(sql))) {
		hl_log(HL_LOG_ERROR, "database: prepare failed for: %.200s", sql);
		rc = stmt_error(s, "prepare");
		hl_stmt_free(s);
		return rc;
	}
	s->nparams = mysql_stmt_param_count(s->st);
	if (s->nparams) {
		s->params = calloc(s->nparams, sizeof(*s->params));
		s->ints = calloc(s->nparams, sizeof(*s->ints));
		s->plens = calloc(s->nparams, sizeof(*s->plens));
		if (!s->params || !s->ints || !s->plens) {
			hl_stmt_free(s);
			return hl_fail(HL_ERR_NOMEM, NULL, "out of memory");
		}
		for (unsigned i = 0; i < s->nparams; i++)
			s->params[i].buffer_type = MYSQL_TYPE_NULL;
	}
	*out = s;
	return HL_OK;
}

void
hl_stmt_strn(struct hl_stmt *s, unsigned idx, const char *v, size_t n)
{
	MYSQL_BIND *b;

	if (idx >= s->nparams)
		return;
	b = &s->params[idx];
	memset(b, 0, sizeof(*b));
	if (!v) {
		b->buffer_type = MYSQL_TYPE_NULL;
		return;
	}
	s->plens[idx] = n;
	b->buffer_type = MYSQL_TYPE_STRING;
	b->buffer = (void *)v;
	b->buffer_length = n;
	b->length = &s->plens[idx];
}

void
hl_stmt_blob(struct hl_stmt *s, unsigned idx, const void *v, size_t n)
{
	/* As a string, then say it is binary: MYSQL_TYPE_STRING would be
	 * text in the connection's character set. */
	hl_stmt_strn(s, idx, v, n);
	if (v && idx < s->nparams)
		s->params[idx].buffer_type = MYSQL_TYPE_BLOB;
}

void
hl_stmt_str(struct hl_stmt *s, unsigned idx, const char *v)
{
	hl_stmt_strn(s, idx, v, v ? strlen(v) : 0);
}

void
hl_stmt_int(struct hl_stmt *s, unsigned idx, long long v)
{
	MYSQL_BIND *b;

	if (idx >= s->nparams)
		return;
	b = &s->params[idx];
	memset(b, 0, sizeof(*b));
	s->ints[idx] = v;
	b->buffer_type = MYSQL_TYPE_LONGLONG;
	b->buffer = &s->ints[idx];
}

void
hl_stmt_null(struct hl_stmt *s, unsigned idx)
{
	hl_stmt_strn(s, idx, NULL, 0);
}

static void
free_results(struct hl_stmt *s)
{
	unsigned i;

	if (s->stored)
		mysql_stmt_free_result(s->st);
	s->stored = 0;
	for (i = 0; i < s->ncols; i++)
		free(s->cols[i].buffer);
	free(s->cols);
	free(s->clens);
	free(s->cnull);
	free(s->cerr);
	s->cols = NULL;
	s->clens = NULL;
	s->cnull = s->cerr = NULL;
	s->ncols = 0;
}

hl_err
hl_stmt_exec(struct hl_stmt *s)
{
	MYSQL_RES *meta = NULL;
	MYSQL_FIELD *fields;
	my_bool update_max = 1;
	unsigned i;
	hl_err rc = HL_OK;

	free_results(s);
	if (s->nparams && mysql_stmt_bind_param(s->st, s->params))
		return stmt_error(s, "bind");
	mysql_stmt_attr_set(s->st, STMT_ATTR_UPDATE_MAX_LENGTH, &update_max);
	if (mysql_stmt_execute(s->st))
		return stmt_error(s, "execute");
	meta = mysql_stmt_result_metadata(s->st);
	if (!meta)
		return HL_OK;   /* not a SELECT */
	if (mysql_stmt_store_result(s->st)) {
		rc = stmt_error(s, "store");
		goto out;
	}
	s->stored = 1;
	s->ncols = mysql_num_fields(meta);
	fields = mysql_fetch_fields(meta);
	s->cols = calloc(s->ncols, sizeof(*s->cols));
	s->clens = calloc(s->ncols, sizeof(*s->clens));
	s->cnull = calloc(s->ncols, sizeof(*s->cnull));
	s->cerr = calloc(s->ncols, sizeof(*s->cerr));
	if (!s->cols || !s->clens || !s->cnull || !s->cerr) {
		rc = hl_fail(HL_ERR_NOMEM, NULL, "out of memory");
		goto out;
	}
	for (i = 0; i < s->ncols; i++) {
		/* Numbers are converted to text: leave room for any of them. */
		size_t len = fields[i].max_length + 1;

		if (len < 72)
			len = 72;
		s->cols[i].buffer_type = MYSQL_TYPE_STRING;
		s->cols[i].buffer = malloc(len);
		if (!s->cols[i].buffer) {
			rc = hl_fail(HL_ERR_NOMEM, NULL, "out of memory");
			goto out;
		}
		s->cols[i].buffer_length = len;
		s->cols[i].length = &s->clens[i];
		s->cols[i].is_null = &s->cnull[i];
		s->cols[i].error = &s->cerr[i];
	}
	if (mysql_stmt_bind_result(s->st, s->cols))
		rc = stmt_error(s, "bind result");
out:
	mysql_free_result(meta);
	return rc;
}

int
hl_stmt_fetch(struct hl_stmt *s)
{
	unsigned i;
	int r;

	if (!s->ncols)
		return 0;
	r = mysql_stmt_fetch(s->st);
	if (r == MYSQL_NO_DATA)
		return 0;
	if (r == 1) {
		stmt_error(s, "fetch");
		return -1;
	}
	if (r == MYSQL_DATA_TRUNCATED) {
		/* A value longer than max_length predicted: grow and refetch it. */
		for (i = 0; i < s->ncols; i++) {
			void *p;

			if (!s->cerr[i])
				continue;
			p = realloc(s->cols[i].buffer, s->clens[i] + 1);
			if (!p) {
				hl_fail(HL_ERR_NOMEM, NULL, "out of memory");
				return -1;
			}
			s->cols[i].buffer = p;
			s->cols[i].buffer_length = s->clens[i] + 1;
			if (mysql_stmt_fetch_column(s->st, &s->cols[i], i, 0)) {
				stmt_error(s, "fetch column");
				return -1;
			}
		}
		mysql_stmt_bind_result(s->st, s->cols);
	}
	for (i = 0; i < s->ncols; i++)
		if (!s->cnull[i])
			((char *)s->cols[i].buffer)[s->clens[i]] = '\0';
	return 1;
}

const char *
hl_stmt_col(struct hl_stmt *s, unsigned col)
{
	if (col >= s->ncols || s->cnull[col])
		return NULL;
	return s->cols[col].buffer;
}

size_t
hl_stmt_collen(struct hl_stmt *s, unsigned col)
{
	if (col >= s->ncols || s->cnull[col])
		return 0;
	return s->clens[col];
}

long long
hl_stmt_colint(struct hl_stmt *s, unsigned col)
{
	const char *v = hl_stmt_col(s, col);

	return v ? strtoll(v, NULL, 10) : 0;
}

int
hl_stmt_colnull(struct hl_stmt *s, unsigned col)
{
	return col >= s->ncols || s->cnull[col];
}

unsigned long long
hl_stmt_affected(struct hl_stmt *s)
{
	return mysql_stmt_affected_rows(s->st);
}

hl_err
hl_stmt_reset(struct hl_stmt *s)
{
	free_results(s);
	if (mysql_stmt_reset(s->st))
		return stmt_error(s, "reset");
	return HL_OK;
}

void
hl_stmt_free(struct hl_stmt *s)
{
	if (!s)
		return;
	free_results(s);
	if (s->st)
		mysql_stmt_close(s->st);
	free(s->params);
	free(s->ints);
	free(s->plens);
	free(s);
}

hl_err
hl_stmt_first(struct hl_stmt *st, int *found)
{
	hl_err rc;
	int r;

	*found = 0;
	rc = hl_stmt_exec(st);
	if (rc)
		return rc;
	r = hl_stmt_fetch(st);
	if (r < 0)
		return hl_errcode();
	*found = r == 1;
	return HL_OK;
}

hl_err
hl_stmt_row(struct hl_stmt *st, const char *what, const char *id)
{
	int found;
	hl_err rc;

	rc = hl_stmt_first(st, &found);
	if (!rc && !found)
		rc = hl_fail(HL_ERR_NOTFOUND, "id", "no %s %s", what, id);
	return rc;
}

void
hl_stmt_json_int(json_object *o, const char *key, struct hl_stmt *st, unsigned col)
{
	if (hl_stmt_colnull(st, col))
		json_object_object_add(o, key, NULL);
	else
		hl_json_add_int(o, key, hl_stmt_colint(st, col));
}

hl_err
hl_stmt_page(struct hl_stmt *st, int limit, unsigned id_col, hl_row_fn row, json_object **out)
{
	char last[128] = "";
	json_object *data;
	int r = 0, count = 0;
	hl_err rc;

	*out = NULL;
	rc = hl_stmt_exec(st);
	if (rc)
		return rc;
	data = json_object_new_array();
	while ((r = hl_stmt_fetch(st)) == 1) {
		if (count == limit)
			break;
		json_object_array_add(data, row(st));
		hl_strlcpy(last, hl_stmt_col(st, id_col), sizeof(last));
		count++;
	}
	if (r < 0) {
		json_object_put(data);
		return hl_errcode();
	}
	/* Stopping on a fetched row means the extra row exists. */
	*out = hl_json_list(data, last, !(count == limit && r == 1));
	return HL_OK;
}

hl_err
hl_db_exec(struct hl_db *db, unsigned long long *affected, const char *sql,
	const char *types, ...)
{
	struct hl_stmt *s;
	va_list ap;
	unsigned i;
	hl_err rc;

	rc = hl_stmt_new(db, sql, &s);
	if (rc)
		return rc;
	va_start(ap, types);
	for (i = 0; types[i]; i++) {
		switch (types[i]) {
		case 's':
			hl_stmt_str(s, i, va_arg(ap, const char *));
			break;
		case 'i':
			hl_stmt_int(s, i, va_arg(ap, long long));
			break;
		case 'z': {
			const char *p = va_arg(ap, const char *);
			size_t n = va_arg(ap, size_t);
			hl_stmt_strn(s, i, p, n);
			break;
		}
		case 'b': {
			const void *p = va_arg(ap, const void *);
			size_t n = va_arg(ap, size_t);
			hl_stmt_blob(s, i, p, n);
			break;
		}
		default:
			va_end(ap);
			hl_stmt_free(s);
			return hl_fail(HL_ERR_INTERNAL, NULL, "hl_db_exec: bad type %c", types[i]);
		}
	}
	va_end(ap);
	rc = hl_stmt_exec(s);
	if (!rc && affected)
		*affected = hl_stmt_affected(s);
	hl_stmt_free(s);
	return rc;
}

/* The error of statement n (from 1) of a script, with MariaDB's own
 * message: a script is a migration, trusted text, and "already exists"
 * or "database error (1064)" would leave the reader to guess which
 * statement, and which row or word of it, failed. */
static hl_err
script_error(MYSQL *my, unsigned n)
{
	hl_err rc = db_error(my, "script");

	return hl_fail(rc, NULL, "statement %u: %.300s (%u)", n, mysql_error(my),
		mysql_errno(my));
}

hl_err
hl_db_exec_script(struct hl_db *db, const char *text)
{
	hl_err rc = HL_OK;
	unsigned n = 1;
	int status;

	if (db_live(db))
		return hl_errcode();
	mysql_set_server_option(db->my, MYSQL_OPTION_MULTI_STATEMENTS_ON);
	if (mysql_real_query(db->my, text, strlen(text))) {
		rc = script_error(db->my, n);
		goto out;
	}
	/* Drain every result; the first failing statement stops the script. */
	do {
		MYSQL_RES *res = mysql_store_result(db->my);

		if (res)
			mysql_free_result(res);
		status = mysql_next_result(db->my);
		if (status >= 0)
			n++;
		if (status > 0) {
			rc = script_error(db->my, n);
			goto out;
		}
	} while (status == 0);
out:
	mysql_set_server_option(db->my, MYSQL_OPTION_MULTI_STATEMENTS_OFF);
	return rc;
}

hl_err
hl_stmt_array(struct hl_stmt *st, hl_row_fn row, json_object **out)
{
	json_object *page;
	hl_err rc;

	*out = NULL;
	rc = hl_stmt_page(st, -1, 0, row, &page);
	if (rc)
		return rc;
	/* Keep the array, drop the page around it. */
	*out = json_object_get(json_object_object_get(page, "data"));
	json_object_put(page);
	return HL_OK;
}
