/* hooklinectl: the admin command line: migrate the schema, manage
 * accounts, users (create, list, disable, enable, new password) and API keys, publish events from shell or cron, and
 * retry an account's finished deliveries, show queue status, apply the retention, seal the
 * stored secrets with a new master key.
 * See hooklinectl(8). Exit codes: 0 ok, 1 failure,
 * 2 usage or an invalid argument, 3 already exists (or a lock is held), 4 not found,
 * 5 the database could not be reached, was lost or busy (deadlock, lock wait
 * timeout), or rekey found values rewritten while it ran: try again,
 * 6 behind (status --max-lag).
 * Each change to accounts, users and keys is written with its audit
 * record in one transaction: both or neither. */
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>
#include <curl/curl.h>
#include <json-c/json.h>
#include "hl_accounts.h"
#include "hl_audit.h"
#include "hl_config.h"
#include "hl_db.h"
#include "hl_deliveries.h"
#include "hl_log.h"
#include "hl_migrate.h"
#include "hl_publish.h"
#include "hl_rekey.h"
#include "hl_retention.h"
#include "hl_sessions.h"
#include "hl_util.h"

#define EXIT_USAGE 2
#define EXIT_EXISTS 3
#define EXIT_NOTFOUND 4
#define EXIT_TRY_AGAIN 5
#define EXIT_BEHIND 6

struct ctl {
	struct hl_config cfg;
	struct hl_db *db;         /* NULL until the command calls ctl_connect */
	const char *name;         /* the command, for messages */
	char title[48];           /* the command and its subcommand ("user passwd") */
	int check_schema;         /* ctl_connect refuses a schema not this build's */
};

struct command {
	const char *name;
	const char *sub;          /* NULL when the command has none */
	int (*run)(struct ctl *c, int argc, char **argv);
	int min_args, max_args;
	const char *usage;
};

static int
fail(const char *what)
{
	hl_err code = hl_errcode();

	fprintf(stderr, "hooklinectl: %s%s%s\n", what ? what : "", what ? ": " : "", hl_errmsg());
	if (code == HL_ERR_CONFLICT)
		return EXIT_EXISTS;
	if (code == HL_ERR_NOTFOUND)
		return EXIT_NOTFOUND;
	if (code == HL_ERR_UNAVAILABLE)
		return EXIT_TRY_AGAIN;
	/* A value the core refused is the caller's to fix, like a usage error:
	 * also one well-formed but refused (an unknown event type, a payload
	 * its schema does not accept), which a script must not retry. */
	if (code == HL_ERR_INVALID || code == HL_ERR_TOOLARGE || code == HL_ERR_UNPROCESSABLE)
		return EXIT_USAGE;
	return 1;
}

/* The value of the option at argv[*i], which takes one, moving *i onto
 * it; NULL, after saying so, when it has none: it is the last argument,
 * or the next one is another of the command's options (names), which
 * would be taken as its value, and the option's value as an argument
 * ("publish --account TYPE PAYLOAD" published with TYPE as the slug). */
static const char *
option_value(const char *what, int argc, char **argv, int *i, const char *const *names)
{
	int k;

	if (*i + 1 < argc) {
		for (k = 0; names[k]; k++)
			if (!strcmp(argv[*i + 1], names[k]))
				break;
		if (!names[k]) {
			++*i;
			return argv[*i];
		}
	}
	fprintf(stderr, "hooklinectl: %s: %s needs a value\n", what, argv[*i]);
	return NULL;
}

/* option_value into *slot, once: a second --account (or any option)
 * was taken over the first without a word, so "publish --account a ...
 * --account b" published to b. 0, or EXIT_USAGE after saying why. */
static int
take_option(const char *what, int argc, char **argv, int *i, const char *const *names,
	const char **slot)
{
	if (*slot) {
		fprintf(stderr, "hooklinectl: %s: %s is given twice\n", what, argv[*i]);
		return EXIT_USAGE;
	}
	*slot = option_value(what, argc, argv, i, names);
	return *slot ? 0 : EXIT_USAGE;
}

/* 1 when text is plain decimal digits, with fraction a "." and more
 * digits allowed: strtod and strtol also take " 5", "+5", "0x10" and
 * "1e3", which nobody means as a count or a number of seconds. */
static int
plain_number(const char *text, int fraction)
{
	size_t n = strspn(text, "0123456789");

	if (n == 0)
		return 0;
	if (fraction && text[n] == '.' && text[n + 1])
		n += 1 + strspn(text + n + 1, "0123456789");
	return text[n] == '\0';
}

/* The audit log's "who" for a change made here: the Unix user. */
static void
cli_principal(const char *account_id, struct hl_principal *who)
{
	struct passwd *pw = getpwuid(getuid());

	memset(who, 0, sizeof(*who));
	hl_strlcpy(who->account_id, account_id, sizeof(who->account_id));
	if (pw)
		snprintf(who->actor, sizeof(who->actor), "hooklinectl:%.200s", pw->pw_name);
	else
		snprintf(who->actor, sizeof(who->actor), "hooklinectl:uid %u", (unsigned)getuid());
}

/* Commits the change begun with hl_db_begin together with its audit
 * record (detail is not consumed), or rolls both back; what for fail(). */
static int
commit_audited(struct ctl *c, hl_err rc, const char *account_id, const char *action,
	const char *object_id, json_object *detail, const char *what)
{
	struct hl_principal who;

	if (!rc) {
		cli_principal(account_id, &who);
		rc = hl_audit_write(c->db, &who, "", action, object_id, detail);
	}
	if (!rc)
		rc = hl_db_commit(c->db);
	if (rc) {
		hl_db_rollback(c->db);
		return fail(what);
	}
	return 0;
}

/* Connects to MariaDB: each command calls it once its own arguments
 * are checked, so that a usage error is exit 2 whether or not the
 * server is up. 0, or the exit status: a server that cannot be reached
 * (stopped, restarting, too many connections) is one to try again, as
 * when it goes away during the command; one that refuses the user or
 * the database is not. Every command but migrate and status (which
 * look at the schema themselves) works on the schema this build knows:
 * on another one it would fail halfway with SQL errors, or write rows
 * a newer release reads otherwise. */
static int
ctl_connect(struct ctl *c)
{
	struct hl_migrate_status st;

	if (hl_db_open(&c->cfg, &c->db)) {
		fprintf(stderr, "hooklinectl: %s\n", hl_errmsg());
		return hl_db_connect_refused() ? 1 : EXIT_TRY_AGAIN;
	}
	if (!c->check_schema)
		return 0;
	if (hl_migrate_status(c->db, &st))
		return fail(c->name);
	if (st.state != HL_MIGRATE_CURRENT) {
		fprintf(stderr, "hooklinectl: %s: %s\n", c->name, st.detail);
		return 1;
	}
	return 0;
}

/* migrate --status: the check hookline.fcgi and hookline-runner make at
 * start, exit 0 only when they would accept the schema. migrate: apply
 * the files of Paths.Sql, then make the same check, since Paths.Sql may
 * be another release's directory: one with fewer migrations leaves a
 * schema this build refuses (exit 1, naming the directory); one with
 * more leaves a schema only that release accepts (a warning). */
static int
cmd_migrate(struct ctl *c, int argc, char **argv)
{
	struct hl_migrate_status st;
	int applied = 0, rc;

	if (argc == 1 && strcmp(argv[0], "--status")) {
		fprintf(stderr, "usage: hooklinectl migrate [--status]\n");
		return EXIT_USAGE;
	}
	if ((rc = ctl_connect(c)))
		return rc;
	if (argc == 1) {
		if (hl_migrate_status(c->db, &st))
			return fail("migrate --status");
		printf("%s\n", st.detail);
		return st.state == HL_MIGRATE_CURRENT ? 0 : 1;
	}
	if (hl_migrate(c->db, c->cfg.sql_dir, &applied))
		return fail("migrate");
	if (hl_migrate_status(c->db, &st))
		return fail("migrate");
	if (st.state == HL_MIGRATE_EMPTY || st.state == HL_MIGRATE_BEHIND) {
		fprintf(stderr, "hooklinectl: migrate: %d migration%s applied from %s, but %s: "
			"Paths.Sql is not this release's sql directory\n", applied,
			applied == 1 ? "" : "s", c->cfg.sql_dir, st.detail);
		return 1;
	}
	if (st.state != HL_MIGRATE_CURRENT)
		fprintf(stderr, "hooklinectl: migrate: warning: %s (Paths.Sql %s is not this "
			"release's sql directory); this build's hookline.fcgi and hookline-runner "
			"refuse the schema\n", st.detail, c->cfg.sql_dir);
	printf("%d migration%s applied; schema is up to date\n", applied, applied == 1 ? "" : "s");
	return 0;
}

static int
cmd_account_create(struct ctl *c, int argc, char **argv)
{
	char id[HL_ID_MAX];
	hl_err rc;
	int st;

	/* Refused before connecting: a usage error is 2 with the server away. */
	if (hl_account_check(argv[0], argc > 1 ? argv[1] : NULL))
		return fail("account create");
	if ((st = ctl_connect(c)))
		return st;
	if (hl_db_begin(c->db))
		return fail("account create");
	rc = hl_account_create(c->db, argv[0], argc > 1 ? argv[1] : NULL, id);
	st = commit_audited(c, rc, id, "account.create", id, NULL, "account create");
	if (!st)
		printf("%s\n", id);
	return st;
}

static void
print_account(void *arg, const char *id, const char *slug, const char *name,
	const char *created_at)
{
	(void)arg;
	printf("%s\t%s\t%s\t%s\n", id, slug, name, created_at);
}

static int
cmd_account_list(struct ctl *c, int argc, char **argv)
{
	int rc;

	(void)argc;
	(void)argv;
	if ((rc = ctl_connect(c)))
		return rc;
	if (hl_account_list(c->db, print_account, NULL))
		return fail("account list");
	return 0;
}

static int
account_id(struct ctl *c, const char *slug, char id[HL_ID_MAX])
{
	if (hl_account_by_slug(c->db, slug, id))
		return fail(NULL);
	return 0;
}

/* The terminal's settings while a password is typed without echo, for
 * the signal handler that puts them back. */
static struct termios saved_tty;
static volatile sig_atomic_t tty_quiet;

static void
restore_tty(int sig)
{
	if (tty_quiet)
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved_tty);
	signal(sig, SIG_DFL);
	raise(sig);
}

/* The password comes from stdin so it never shows in ps or history; on
 * a terminal it is typed without echo, so it never shows on the screen
 * (or in a recording of the session) either. 0, or the exit status: an
 * empty line or none at all (</dev/null, a script's empty variable) is
 * the caller's to fix, said before anything is changed. */
static int
read_password(const char *what, char *buf, size_t cap)
{
	struct termios quiet;
	size_t n;
	int ok, tty = isatty(STDIN_FILENO);

	if (tty) {
		fprintf(stderr, "password: ");
		if (tcgetattr(STDIN_FILENO, &saved_tty) == 0) {
			quiet = saved_tty;
			quiet.c_lflag &= ~(tcflag_t)(ECHO | ECHONL);
			signal(SIGINT, restore_tty);
			signal(SIGTERM, restore_tty);
			signal(SIGHUP, restore_tty);
			tty_quiet = tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet) == 0;
		}
	}
	ok = fgets(buf, (int)cap, stdin) != NULL;
	if (tty_quiet) {
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved_tty);
		tty_quiet = 0;
		fprintf(stderr, "\n");
	}
	if (!ok && ferror(stdin)) {
		fprintf(stderr, "hooklinectl: %s: cannot read the password from standard input: "
			"%s\n", what, strerror(errno));
		return 1;
	}
	n = ok ? strlen(buf) : 0;
	while (n && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
		buf[--n] = '\0';
	if (n == 0) {
		fprintf(stderr, "hooklinectl: %s: the password is empty: give it on standard "
			"input, one line of 10 to 1024 characters\n", what);
		return EXIT_USAGE;
	}
	return 0;
}

/* read_password, and the core's check of what was read (the buffer
 * cleared when it is refused). */
static int
read_checked_password(const char *what, char *buf, size_t cap)
{
	int rc = read_password(what, buf, cap);

	if (!rc && hl_password_check(buf))
		rc = fail(what);
	if (rc)
		memset(buf, 0, cap);
	return rc;
}

static int
cmd_user_create(struct ctl *c, int argc, char **argv)
{
	char acct[HL_ID_MAX], id[HL_ID_MAX], password[4200];
	json_object *detail;
	enum hl_role role;
	hl_err err;
	int rc;

	(void)argc;
	if (hl_role_parse(argv[2], &role)) {
		fprintf(stderr, "hooklinectl: role must be admin, developer or viewer\n");
		return EXIT_USAGE;
	}
	if (hl_user_email_check(argv[1]))
		return fail("user create");
	/* The password is read and checked before connecting, so that a
	 * usage error is 2 whether or not the server is up. */
	if ((rc = read_checked_password("user create", password, sizeof(password))))
		return rc;
	rc = ctl_connect(c);
	if (!rc)
		rc = account_id(c, argv[0], acct);
	if (rc) {
		memset(password, 0, sizeof(password));
		return rc;
	}
	if (hl_db_begin(c->db)) {
		memset(password, 0, sizeof(password));
		return fail("user create");
	}
	err = hl_user_create(c->db, acct, argv[1], role, password, id);
	memset(password, 0, sizeof(password));
	detail = json_object_new_object();
	hl_json_add_str(detail, "email", argv[1]);
	hl_json_add_str(detail, "role", hl_role_name(role));
	rc = commit_audited(c, err, acct, "user.create", id, detail, "user create");
	json_object_put(detail);
	if (!rc)
		printf("%s\n", id);
	return rc;
}

static void
print_user(void *arg, const char *id, const char *email, const char *role,
	const char *created_at, const char *disabled_at)
{
	(void)arg;
	printf("%s\t%s\t%s\tcreated %s%s%s\n", id, email, role, created_at,
		disabled_at ? "\tdisabled " : "", disabled_at ? disabled_at : "");
}

static int
cmd_user_list(struct ctl *c, int argc, char **argv)
{
	char acct[HL_ID_MAX];
	int rc;

	(void)argc;
	rc = ctl_connect(c);
	if (!rc)
		rc = account_id(c, argv[0], acct);
	if (rc)
		return rc;
	if (hl_user_list(c->db, acct, print_user, NULL))
		return fail("user list");
	return 0;
}

/* USER names a user of the account by email or by id (lists show both):
 * one of another account is not found, as for keys. */
static int
account_user(struct ctl *c, const char *acct, const char *user, struct hl_principal *u)
{
	int by_email = strchr(user, '@') != NULL, disabled;

	if (hl_user_find(c->db, acct, by_email ? user : NULL, by_email ? NULL : user, u,
	    &disabled))
		return fail(NULL);
	return 0;
}

/* Disabling ends the user's sessions in the same transaction: no page
 * is served to it after the command returns. Doing what is already so
 * changes nothing and writes no audit record. */
static int
user_set_disabled(struct ctl *c, char **argv, int disable)
{
	const char *what = disable ? "user disable" : "user enable";
	char acct[HL_ID_MAX];
	struct hl_principal u;
	unsigned long long ended = 0;
	json_object *detail;
	int rc, changed = 0;
	hl_err err;

	rc = ctl_connect(c);
	if (!rc)
		rc = account_id(c, argv[0], acct);
	if (!rc)
		rc = account_user(c, acct, argv[1], &u);
	if (rc)
		return rc;
	if (hl_db_begin(c->db))
		return fail(what);
	err = hl_user_set_disabled(c->db, acct, u.actor_id, disable, &changed);
	if (!err && disable)
		err = hl_session_end_user(c->db, u.actor_id, &ended);
	if (!err && !changed) {
		if (hl_db_commit(c->db)) {
			hl_db_rollback(c->db);
			return fail(what);
		}
		printf("%s is already %s\n", u.actor, disable ? "disabled" : "enabled");
		return 0;
	}
	detail = json_object_new_object();
	hl_json_add_str(detail, "email", u.actor);
	if (disable)
		hl_json_add_int(detail, "sessions_ended", (long long)ended);
	rc = commit_audited(c, err, acct, disable ? "user.disable" : "user.enable", u.actor_id,
		detail, what);
	json_object_put(detail);
	if (!rc && disable)
		printf("disabled %s (%llu session%s ended)\n", u.actor, ended, ended == 1 ? "" : "s");
	else if (!rc)
		printf("enabled %s\n", u.actor);
	return rc;
}

static int
cmd_user_disable(struct ctl *c, int argc, char **argv)
{
	(void)argc;
	return user_set_disabled(c, argv, 1);
}

static int
cmd_user_enable(struct ctl *c, int argc, char **argv)
{
	(void)argc;
	return user_set_disabled(c, argv, 0);
}

/* A new password ends the user's sessions in the same transaction: a
 * session opened with the old one (perhaps by whoever learnt it) does
 * not outlive it. */
static int
cmd_user_passwd(struct ctl *c, int argc, char **argv)
{
	char acct[HL_ID_MAX], password[4200];
	struct hl_principal u;
	unsigned long long ended = 0;
	json_object *detail;
	hl_err err;
	int rc;

	(void)argc;
	if ((rc = read_checked_password(c->title, password, sizeof(password))))
		return rc;
	rc = ctl_connect(c);
	if (!rc)
		rc = account_id(c, argv[0], acct);
	if (!rc)
		rc = account_user(c, acct, argv[1], &u);
	if (rc) {
		memset(password, 0, sizeof(password));
		return rc;
	}
	if (hl_db_begin(c->db)) {
		memset(password, 0, sizeof(password));
		return fail(c->title);
	}
	err = hl_user_set_password(c->db, acct, u.actor_id, password);
	memset(password, 0, sizeof(password));
	if (!err)
		err = hl_session_end_user(c->db, u.actor_id, &ended);
	detail = json_object_new_object();
	hl_json_add_str(detail, "email", u.actor);
	hl_json_add_int(detail, "sessions_ended", (long long)ended);
	rc = commit_audited(c, err, acct, "user.set_password", u.actor_id, detail, c->title);
	json_object_put(detail);
	if (!rc)
		printf("password changed for %s (%llu session%s ended)\n", u.actor, ended,
			ended == 1 ? "" : "s");
	return rc;
}

/* Whether what was written to standard output got out: 0, or the errno
 * of the write that failed (EIO when stdio kept none). */
static int
stdout_error(void)
{
	errno = 0;
	if (fflush(stdout) == 0 && !ferror(stdout))
		return 0;
	return errno ? errno : EIO;
}

/* A key that could not be written out (standard output closed, a full
 * disk, the reader of a pipe gone) was seen by nobody, yet it would
 * work: it is revoked at once, with its audit record, and the command
 * fails. why: the errno of the write. */
static int
revoke_unseen(struct ctl *c, const char *acct, const char *id, const char *prefix, int why)
{
	json_object *detail;
	int rc;

	fprintf(stderr, "hooklinectl: key create: cannot write the key to standard output (%s): "
		"revoking key %s\n", strerror(why), id);
	if (hl_db_begin(c->db)) {
		rc = fail("key create: revoke");
	} else {
		detail = json_object_new_object();
		hl_json_add_str(detail, "prefix", prefix);
		hl_json_add_str(detail, "reason", "not shown: standard output could not be written");
		rc = commit_audited(c, hl_apikey_revoke(c->db, acct, id), acct, "key.revoke", id,
			detail, "key create: revoke");
		json_object_put(detail);
	}
	if (rc)
		fprintf(stderr, "hooklinectl: key create: key %s is live and was not shown: revoke "
			"it with hooklinectl key revoke\n", id);
	return 1;
}

static int
cmd_key_create(struct ctl *c, int argc, char **argv)
{
	static const char *const options[] = { "--scopes", "--name", "--cidrs", NULL };
	char acct[HL_ID_MAX], id[HL_ID_MAX], key[HL_APIKEY_MAX], prefix[16] = "";
	const char *val[3] = { NULL, NULL, NULL }, *scopes, *name, *cidrs;
	json_object *detail;
	hl_err err;
	int i, k, rc, why;

	/* "key create --scopes read acme": the slug slot holds an option (a
	 * slug of an old account may start with "-", but is none of these). */
	for (k = 0; options[k] && strcmp(argv[0], options[k]); k++)
		;
	if (options[k]) {
		fprintf(stderr, "hooklinectl: key create: the account comes first: key create "
			"ACCOUNT [--scopes read,write,admin] [--name N] [--cidrs LIST]\n");
		return EXIT_USAGE;
	}
	for (i = 1; i < argc; i++) {
		for (k = 0; options[k] && strcmp(argv[i], options[k]); k++)
			;
		if (!options[k]) {
			fprintf(stderr, "hooklinectl: key create: unknown option %s\n", argv[i]);
			return EXIT_USAGE;
		}
		if (take_option("key create", argc, argv, &i, options, &val[k]))
			return EXIT_USAGE;
	}
	scopes = val[0] ? val[0] : "read,write,admin";
	name = val[1] ? val[1] : "";
	cidrs = val[2];
	if (hl_apikey_options_check(name, scopes, cidrs))
		return fail("key create");
	rc = ctl_connect(c);
	if (!rc)
		rc = account_id(c, argv[0], acct);
	if (rc)
		return rc;
	if (hl_db_begin(c->db))
		return fail("key create");
	err = hl_apikey_create(c->db, acct, name, scopes, cidrs, key, id);
	detail = json_object_new_object();
	if (!err && !hl_apikey_prefix(key, prefix)) {
		/* The prefix is what lists show; never the key. */
		hl_json_add_str(detail, "prefix", prefix);
		hl_json_add_str(detail, "name", name);
		hl_json_add_str(detail, "scopes", scopes);
		if (cidrs)
			hl_json_add_str(detail, "allowed_cidrs", cidrs);
	}
	rc = commit_audited(c, err, acct, "key.create", id, detail, "key create");
	json_object_put(detail);
	/* The only time the key is shown, once it is stored with its record:
	 * a reader that went away must not kill us before we know. */
	if (!rc) {
		signal(SIGPIPE, SIG_IGN);
		printf("%s\n", key);
		if ((why = stdout_error()))
			rc = revoke_unseen(c, acct, id, prefix, why);
	}
	memset(key, 0, sizeof(key));
	return rc;
}

static void
print_key(void *arg, const char *id, const char *prefix, const char *name,
	const char *scopes, const char *created_at, const char *last_used_at,
	const char *revoked_at)
{
	(void)arg;
	printf("%s\t%s\t%s\t%s\tcreated %s\tlast used %s%s%s\n", id, prefix, name, scopes,
		created_at, last_used_at ? last_used_at : "never",
		revoked_at ? "\trevoked " : "", revoked_at ? revoked_at : "");
}

static int
cmd_key_list(struct ctl *c, int argc, char **argv)
{
	char acct[HL_ID_MAX];
	int rc;

	(void)argc;
	rc = ctl_connect(c);
	if (!rc)
		rc = account_id(c, argv[0], acct);
	if (rc)
		return rc;
	if (hl_apikey_list(c->db, acct, print_key, NULL))
		return fail("key list");
	return 0;
}

static int
cmd_key_revoke(struct ctl *c, int argc, char **argv)
{
	char acct[HL_ID_MAX];
	int rc;

	(void)argc;
	rc = ctl_connect(c);
	if (!rc)
		rc = account_id(c, argv[0], acct);
	if (rc)
		return rc;
	if (hl_db_begin(c->db))
		return fail("key revoke");
	rc = commit_audited(c, hl_apikey_revoke(c->db, acct, argv[1]), acct, "key.revoke",
		argv[1], NULL, "key revoke");
	if (!rc)
		printf("revoked %s\n", argv[1]);
	return rc;
}

static void
count_account(void *arg, const char *id, const char *slug, const char *name,
	const char *created_at)
{
	struct only { int n; char id[HL_ID_MAX]; } *o = arg;

	(void)slug;
	(void)name;
	(void)created_at;
	if (o->n++ == 0)
		hl_strlcpy(o->id, id, sizeof(o->id));
}

/* Single-tenant installations may leave out --account. */
static int
only_account(struct ctl *c, char id[HL_ID_MAX])
{
	struct only { int n; char id[HL_ID_MAX]; } o = { 0, "" };

	if (hl_account_list(c->db, count_account, &o))
		return fail("publish");
	if (o.n != 1) {
		fprintf(stderr, "hooklinectl: %s: pass --account SLUG\n",
			o.n ? "there are several accounts" : "there is no account yet");
		return EXIT_USAGE;
	}
	hl_strlcpy(id, o.id, HL_ID_MAX);
	return 0;
}

static int
cmd_publish(struct ctl *c, int argc, char **argv)
{
	static const char *const options[] = { "--account", "--idempotency-key", NULL };
	char acct[HL_ID_MAX];
	const char *slug = NULL, *idem = NULL, *type = NULL, *payload_text = NULL, *why = NULL;
	json_object *payload, *out = NULL;
	int i, rc;

	for (i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "--account")) {
			if (take_option("publish", argc, argv, &i, options, &slug))
				return EXIT_USAGE;
		} else if (!strcmp(argv[i], "--idempotency-key")) {
			if (take_option("publish", argc, argv, &i, options, &idem))
				return EXIT_USAGE;
		} else if (!type)
			type = argv[i];
		else if (!payload_text)
			payload_text = argv[i];
		else {
			fprintf(stderr, "hooklinectl: unexpected argument %s\n", argv[i]);
			return EXIT_USAGE;
		}
	}
	if (!type || !payload_text) {
		fprintf(stderr, "usage: hooklinectl publish [--account SLUG] [--idempotency-key K] "
			"TYPE PAYLOAD_JSON\n");
		return EXIT_USAGE;
	}
	/* Exactly one object, as the API takes it: json_tokener_parse stopped
	 * after the first value, so '{"a": 1} {"b": 2}' published {"a": 1}. */
	payload = hl_json_parse(payload_text, strlen(payload_text), 1, &why);
	if (!payload || !json_object_is_type(payload, json_type_object)) {
		json_object_put(payload);
		fprintf(stderr, "hooklinectl: PAYLOAD_JSON must be a JSON object%s%s\n",
			why ? ": " : "", why ? why : "");
		return EXIT_USAGE;
	}
	/* json-c has cut any member name at a \u0000 already: only the text
	 * shows it (hl_publish refuses one in a string value). */
	if (hl_json_text_has_nul(payload_text, strlen(payload_text))) {
		json_object_put(payload);
		fprintf(stderr, "hooklinectl: PAYLOAD_JSON must not contain a NUL character "
			"(\\u0000)\n");
		return EXIT_USAGE;
	}
	rc = ctl_connect(c);
	if (!rc)
		rc = slug ? account_id(c, slug, acct) : only_account(c, acct);
	if (rc) {
		json_object_put(payload);
		return rc;
	}
	/* The same core path as POST /webhooks/publish. */
	if (hl_publish(c->db, acct, type, payload, idem, HL_PUBLISH_SAME_REQUEST, &out)) {
		json_object_put(payload);
		return fail("publish");
	}
	printf("%s\n", json_object_to_json_string_ext(out, JSON_C_TO_STRING_PLAIN));
	json_object_put(out);
	json_object_put(payload);
	return 0;
}

static long long
status_int(json_object *o, const char *key)
{
	return json_object_get_int64(json_object_object_get(o, key));
}

/* The schema member of status --json. */
static json_object *
status_schema(const struct hl_migrate_status *ms)
{
	json_object *schema = json_object_new_object();

	hl_json_add_int(schema, "version", ms->db_version);
	hl_json_add_int(schema, "build_version", ms->want_version);
	hl_json_add_bool(schema, "current", ms->state == HL_MIGRATE_CURRENT);
	hl_json_add_str(schema, "state", hl_migrate_state_name(ms->state));
	hl_json_add_str(schema, "detail", ms->detail);
	return schema;
}

enum status_format { STATUS_TEXT, STATUS_JSON, STATUS_PROMETHEUS };

/* One sample of status --prometheus, labels "" or "{...}": a count as
 * an integer, seconds to the microsecond. */
static void
prom_sample(const char *name, const char *labels, double value)
{
	if (value == (double)(long long)value)
		printf("%s%s %lld\n", name, labels, (long long)value);
	else
		printf("%s%s %.6f\n", name, labels, value);
}

/* A metric of one sample, after its HELP and TYPE lines. */
static void
prom_metric(const char *name, const char *help, const char *labels, double value)
{
	printf("# HELP %s %s\n# TYPE %s gauge\n", name, help, name);
	prom_sample(name, labels, value);
}

/* Seconds since 1970 of a time as HL_SQL_TIME formats it
 * ("2026-12-03T14:01:02.345678Z"): hl_sql_time_epoch's date and time
 * (0 when its digits are not), and the microseconds; -1 for anything
 * else. */
static double
status_epoch(const char *t)
{
	time_t sec;
	int us;

	if (!t || strlen(t) != 27 || t[4] != '-' || t[7] != '-' || t[10] != 'T' ||
	    t[13] != ':' || t[16] != ':' || t[19] != '.' || t[26] != 'Z' ||
	    hl_digits(t + 20, 6, &us) || (sec = hl_sql_time_epoch(t)) <= 0)
		return -1;
	return (double)sec + us / 1e6;
}

#define DATABASE_UP_HELP "1 when hooklinectl reached MariaDB and read the schema."

/* status --prometheus: the schema, and the queue (o, NULL on a schema
 * that is not this build's), in Prometheus's text format, for
 * node_exporter's textfile collector. With --account the queue's gauges
 * carry its slug as the label account (a slug needs no escaping: letters,
 * digits, "-" and "_"). */
static void
status_prometheus(const struct hl_migrate_status *ms, json_object *o, const char *slug,
	int previous_key)
{
	json_object *by, *lag;
	char account[96] = "", labels[128] = "", with_status[160];
	double last;

	prom_metric("hookline_database_up", DATABASE_UP_HELP, "", 1);
	prom_metric("hookline_schema_version", "Highest migration applied to the database.", "",
		(double)ms->db_version);
	prom_metric("hookline_schema_build_version", "Highest migration this build needs.", "",
		(double)ms->want_version);
	prom_metric("hookline_schema_current", "1 when the schema is exactly this build's.", "",
		ms->state == HL_MIGRATE_CURRENT);
	if (!o)
		return;
	if (slug) {
		snprintf(account, sizeof(account), "account=\"%s\"", slug);
		snprintf(labels, sizeof(labels), "{%s}", account);
	}
	by = json_object_object_get(o, "deliveries");
	printf("# HELP hookline_deliveries Deliveries by status.\n"
		"# TYPE hookline_deliveries gauge\n");
	json_object_object_foreach(by, name, count) {
		snprintf(with_status, sizeof(with_status), "{%s%sstatus=\"%s\"}", account,
			slug ? "," : "", name);
		prom_sample("hookline_deliveries", with_status, (double)json_object_get_int64(count));
	}
	prom_metric("hookline_deliveries_due", "Pending deliveries due now.", labels,
		(double)status_int(o, "due"));
	lag = json_object_object_get(o, "oldest_due_seconds");
	prom_metric("hookline_oldest_due_seconds", "How long the oldest due delivery has "
		"waited (0 when none is due).", labels, lag ? json_object_get_double(lag) : 0);
	prom_metric("hookline_expired_leases", "Deliveries being sent whose lease expired.",
		labels, (double)status_int(o, "expired_leases"));
	prom_metric("hookline_attempts_last_minute", "Delivery attempts started in the last "
		"minute.", labels, (double)status_int(o, "attempts_last_minute"));
	last = status_epoch(json_object_get_string(json_object_object_get(o, "last_attempt_at")));
	if (last >= 0)
		prom_metric("hookline_last_attempt_timestamp_seconds", "When the newest delivery "
			"attempt started.", labels, last);
	prom_metric("hookline_endpoints_disabled", "Endpoints disabled.", labels,
		(double)status_int(o, "endpoints_disabled"));
	prom_metric("hookline_previous_master_key_set", "1 while Security.PreviousMasterKey "
		"is set (a master key rotation not finished).", "", previous_key);
}

/* A schema that is not this build's: what differs, for a person or a
 * monitoring script, which must see it rather than a refusal without
 * output; the queue is not read (its queries are written for this
 * build's schema). Exit 1, as every other command refuses it. */
static int
status_mismatch(const struct hl_migrate_status *ms, enum status_format format)
{
	json_object *o;

	if (format == STATUS_PROMETHEUS) {
		status_prometheus(ms, NULL, NULL, 0);
	} else if (format == STATUS_JSON) {
		o = json_object_new_object();
		json_object_object_add(o, "schema", status_schema(ms));
		printf("%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
		json_object_put(o);
	} else {
		printf("schema: %s\n", ms->detail);
		printf("queue: not shown, this build does not read that schema\n");
	}
	fprintf(stderr, "hooklinectl: status: %s\n", ms->detail);
	return 1;
}

/* Why a queue (the whole one, or an account's row of --by-account: the
 * same members) is behind --max-lag: its oldest due delivery waited
 * longer, or a lease expired that no runner took back. */
enum status_lag { LAG_NONE, LAG_WAITED, LAG_EXPIRED };

static enum status_lag
status_lag(json_object *o, double max_lag)
{
	json_object *w = json_object_object_get(o, "oldest_due_seconds");

	if (max_lag < 0)
		return LAG_NONE;
	if (w && json_object_get_double(w) > max_lag)
		return LAG_WAITED;
	return status_int(o, "expired_leases") > 0 ? LAG_EXPIRED : LAG_NONE;
}

/* Say why on standard error (of account slug, or NULL); the exit status. */
static int
status_behind(enum status_lag lag, const char *slug)
{
	if (lag == LAG_NONE)
		return 0;
	if (lag == LAG_WAITED)
		fprintf(stderr, "hooklinectl: status: behind: the oldest due delivery%s%s waited "
			"longer than --max-lag\n", slug ? " of " : "", slug ? slug : "");
	else
		fprintf(stderr, "hooklinectl: status: behind: a lease%s%s expired and no runner "
			"took the delivery back\n", slug ? " of " : "", slug ? slug : "");
	return EXIT_BEHIND;
}

/* status --by-account: the accounts with deliveries not done or endpoints
 * disabled, the longest wait first; behind (--max-lag) as for the whole
 * queue, named by the first account that is. */
static int
status_by_account(struct ctl *c, const struct hl_migrate_status *ms, enum status_format format,
	double max_lag)
{
	json_object *arr, *o = NULL, *row, *w, *late = NULL, *stuck = NULL;
	enum status_lag lag;
	size_t i, n;
	int rc;

	if (hl_queue_by_account(c->db, &arr))
		return fail("status");
	n = json_object_array_length(arr);
	for (i = 0; i < n; i++) {
		row = json_object_array_get_idx(arr, i);
		lag = status_lag(row, max_lag);
		if (lag == LAG_WAITED && !late)
			late = row;
		else if (lag == LAG_EXPIRED && !stuck)
			stuck = row;
	}
	if (format == STATUS_JSON) {
		o = json_object_new_object();
		json_object_object_add(o, "accounts", arr);
		json_object_object_add(o, "schema", status_schema(ms));
		printf("%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
	} else {
		if (n == 0)
			printf("no account has deliveries waiting, being sent, paused or dead, "
				"or a disabled endpoint\n");
		else
			printf("%-24s %8s %8s %12s %8s %8s %8s %8s %9s\n", "account", "pending", "due",
				"oldest due s", "sending", "expired", "paused", "dead", "disabled");
		for (i = 0; i < n; i++) {
			char waited[32] = "-";

			row = json_object_array_get_idx(arr, i);
			w = json_object_object_get(row, "oldest_due_seconds");
			if (w)
				snprintf(waited, sizeof(waited), "%.1f", json_object_get_double(w));
			printf("%-24s %8lld %8lld %12s %8lld %8lld %8lld %8lld %9lld\n",
				json_object_get_string(json_object_object_get(row, "account")),
				status_int(row, "pending"), status_int(row, "due"), waited,
				status_int(row, "sending"), status_int(row, "expired_leases"),
				status_int(row, "paused"), status_int(row, "dead"),
				status_int(row, "endpoints_disabled"));
		}
		printf("schema: %s\n", ms->detail);
	}
	row = late ? late : stuck;
	rc = status_behind(late ? LAG_WAITED : stuck ? LAG_EXPIRED : LAG_NONE, row ?
		json_object_get_string(json_object_object_get(row, "account")) : NULL);
	json_object_put(o ? o : arr);   /* o holds arr */
	return rc;
}

/* The queue of every account (or with --account SLUG of one) and the
 * schema, for a person (text) or a monitoring script (--json: one object;
 * --prometheus: Prometheus's text format); --by-account: a line (an
 * object) per account. --max-lag S: exit 6 when the
 * oldest due delivery has waited longer than S seconds, or a lease has
 * expired unclaimed: no runner is taking work (cron stopped?), or the
 * runners cannot keep up. A schema that is not this build's is
 * reported instead of the queue (main lets status run on one). */
static int
cmd_status(struct ctl *c, int argc, char **argv)
{
	static const char *const options[] = { "--json", "--prometheus", "--max-lag", "--account",
		"--by-account", NULL };
	json_object *o = NULL, *by, *lag;
	struct hl_migrate_status ms;
	const char *text, *last, *slug = NULL;
	char acct[HL_ID_MAX];
	double max_lag = -1, waited;
	char *endp;
	enum status_format format = STATUS_TEXT;
	enum status_lag behind;
	int i, by_account = 0, rc;

	for (i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "--json") || !strcmp(argv[i], "--prometheus")) {
			if (format != STATUS_TEXT) {
				fprintf(stderr, "hooklinectl: status: give one of --json and "
					"--prometheus, once\n");
				return EXIT_USAGE;
			}
			format = argv[i][2] == 'j' ? STATUS_JSON : STATUS_PROMETHEUS;
		} else if (!strcmp(argv[i], "--max-lag")) {
			text = option_value("status", argc, argv, &i, options);
			if (!text)
				return EXIT_USAGE;
			errno = 0;
			max_lag = strtod(text, &endp);
			if (!plain_number(text, 1) || errno || *endp || endp == text || !(max_lag >= 0 && max_lag <= 86400 * 366)) {
				fprintf(stderr, "hooklinectl: status: --max-lag must be 0..31622400 "
					"seconds\n");
				return EXIT_USAGE;
			}
		} else if (!strcmp(argv[i], "--account") && !slug) {
			slug = option_value("status", argc, argv, &i, options);
			if (!slug)
				return EXIT_USAGE;
		} else if (!strcmp(argv[i], "--by-account") && !by_account) {
			by_account = 1;
		} else {
			fprintf(stderr, "usage: hooklinectl status [--account SLUG | --by-account] "
				"[--json | --prometheus] [--max-lag SECONDS]\n");
			return EXIT_USAGE;
		}
	}
	/* A gauge per account and status would be a time series per tenant. */
	if (by_account && (slug || format == STATUS_PROMETHEUS)) {
		fprintf(stderr, "hooklinectl: status: --by-account cannot be combined with %s\n",
			slug ? "--account" : "--prometheus");
		return EXIT_USAGE;
	}
	/* A metrics file must say that the database was away, rather than
	 * be empty: hookline_database_up 0, and nothing else. */
	rc = ctl_connect(c);
	if (!rc && hl_migrate_status(c->db, &ms))
		rc = fail("status");
	if (rc) {
		if (format == STATUS_PROMETHEUS)
			prom_metric("hookline_database_up", DATABASE_UP_HELP, "", 0);
		return rc;
	}
	if (ms.state != HL_MIGRATE_CURRENT)
		return status_mismatch(&ms, format);
	if (by_account)
		return status_by_account(c, &ms, format, max_lag);
	if (slug && (rc = account_id(c, slug, acct)))
		return rc;
	if (hl_queue_status(c->db, slug ? acct : NULL, hl_now_ms(), &o)) {
		json_object_put(o);
		return fail("status");
	}
	json_object_object_add(o, "schema", status_schema(&ms));
	if (slug)
		hl_json_add_str(o, "account", slug);
	/* A rotation left half done keeps the old, perhaps leaked, key able
	 * to open every secret: a fact of this configuration worth a gauge. */
	json_object_object_add(o, "previous_master_key",
		json_object_new_boolean(c->cfg.has_prev_master_key));
	lag = json_object_object_get(o, "oldest_due_seconds");
	waited = lag ? json_object_get_double(lag) : 0;
	behind = status_lag(o, max_lag);
	if (format == STATUS_PROMETHEUS) {
		status_prometheus(&ms, o, slug, c->cfg.has_prev_master_key);
	} else if (format == STATUS_JSON) {
		printf("%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
	} else {
		if (slug)
			printf("account: %s\n", slug);
		by = json_object_object_get(o, "deliveries");
		printf("deliveries by status:\n");
		json_object_object_foreach(by, name, count)
			printf("  %-10s %lld\n", name, (long long)json_object_get_int64(count));
		if (lag)
			printf("due now: %lld, the oldest waiting %.1f s\n", status_int(o, "due"), waited);
		else
			printf("due now: 0\n");
		printf("being sent with an expired lease: %lld\n", status_int(o, "expired_leases"));
		last = json_object_get_string(json_object_object_get(o, "last_attempt_at"));
		printf("attempts in the last minute: %lld (newest: %s)\n",
			status_int(o, "attempts_last_minute"), last ? last : "none yet");
		printf("endpoints disabled: %lld\n", status_int(o, "endpoints_disabled"));
		printf("schema: %s\n", ms.detail);
		if (c->cfg.has_prev_master_key)
			printf("master key: Security.PreviousMasterKey is set; remove it once "
				"'hooklinectl rekey --dry-run' finds every secret current\n");
	}
	json_object_put(o);
	return status_behind(behind, NULL);
}

/* The whole retention pass, or with --chunks N a runner-sized share that
 * goes on where the last share stopped, or with --dry-run what the whole
 * pass would delete. Exit 3 when another pass holds the lock. */
static int
cmd_purge(struct ctl *c, int argc, char **argv)
{
	static const char *const options[] = { "--dry-run", "--chunks", NULL };
	struct hl_retention_opts o = { 0 };
	long long deleted[HL_RET__MAX];
	const char *text;
	char *end;
	long v;
	int busy, t, i, rolled, rc;

	for (i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "--dry-run")) {
			o.dry_run = 1;
		} else if (!strcmp(argv[i], "--chunks")) {
			text = option_value("purge", argc, argv, &i, options);
			if (!text)
				return EXIT_USAGE;
			errno = 0;
			v = strtol(text, &end, 10);
			if (!plain_number(text, 0) || errno || *end || v < 1 || v > 1000000) {
				fprintf(stderr, "hooklinectl: purge: --chunks must be 1..1000000\n");
				return EXIT_USAGE;
			}
			o.max_chunks = (int)v;
		} else {
			fprintf(stderr, "usage: hooklinectl purge [--dry-run] [--chunks N]\n");
			return EXIT_USAGE;
		}
	}
	/* A share's counts would depend on where the last share stopped and
	 * on which deliveries the share itself removed; a dry run counted
	 * the first N chunks from the oldest row instead, not what
	 * purge --chunks N then deleted. */
	if (o.dry_run && o.max_chunks) {
		fprintf(stderr, "hooklinectl: purge: --dry-run counts the whole pass; "
			"it cannot be combined with --chunks\n");
		return EXIT_USAGE;
	}
	if ((rc = ctl_connect(c)))
		return rc;
	o.now_ms = hl_now_ms();
	if (hl_retention_run(c->db, &c->cfg, &o, deleted, &rolled, &busy))
		return fail("purge");
	if (busy) {
		fprintf(stderr, "hooklinectl: purge: another retention pass is running\n");
		return EXIT_EXISTS;
	}
	if (!o.dry_run)
		printf("rolled up %d hours of attempts for analytics\n", rolled);
	printf("%s (Retention.Days %ld, Retention.AuditDays %ld, Retention.RollupDays %ld):\n",
		o.dry_run ? "would delete" : "deleted", c->cfg.retention_days,
		c->cfg.retention_audit_days, c->cfg.retention_rollup_days);
	for (t = 0; t < HL_RET__MAX; t++)
		printf("  %-18s %lld\n", hl_retained_name((enum hl_retained)t), deleted[t]);
	return 0;
}

/* Up to UNREADABLE_SHOWN values that do not open are named. */
#define UNREADABLE_SHOWN 20

struct rekey_seen {
	long long n;
	int has_prev;
};

static void
rekey_unreadable(enum hl_sealed s, const char *row, void *arg)
{
	struct rekey_seen *seen = arg;

	if (++seen->n <= UNREADABLE_SHOWN)
		fprintf(stderr, "hooklinectl: rekey: %s of %s %s\n", hl_sealed_name(s), row,
			seen->has_prev ? "opens with neither Security.MasterKey nor "
			"Security.PreviousMasterKey" : "does not open with Security.MasterKey");
}

/* Seal again with Security.MasterKey what Security.PreviousMasterKey
 * sealed, and seal what is stored unsealed; --dry-run counts. Exit 1 when a value opens with neither key,
 * 5 when values were rewritten during the pass (run it again). */
static int
cmd_rekey(struct ctl *c, int argc, char **argv)
{
	struct hl_rekey_count n[HL_SEALED__MAX], total = { 0 };
	struct rekey_seen seen = { 0, c->cfg.has_prev_master_key };
	long long unsealed = 0;
	int dry_run = 0, s, rc;

	if (argc == 1 && !strcmp(argv[0], "--dry-run")) {
		dry_run = 1;
	} else if (argc) {
		fprintf(stderr, "usage: hooklinectl rekey [--dry-run]\n");
		return EXIT_USAGE;
	}
	if ((rc = ctl_connect(c)))
		return rc;
	if (!c->cfg.has_prev_master_key)
		fprintf(stderr, "hooklinectl: rekey: Security.PreviousMasterKey is not set: "
			"checking only that every value opens with Security.MasterKey%s\n",
			dry_run ? "" : " (and sealing values stored unsealed)");
	if (hl_rekey_run(c->db, &c->cfg, dry_run, rekey_unreadable, &seen, n))
		return fail("rekey");
	if (seen.n > UNREADABLE_SHOWN)
		fprintf(stderr, "hooklinectl: rekey: and %lld more\n", seen.n - UNREADABLE_SHOWN);
	printf("%-32s %11s %8s %8s %10s\n", "sealed values", dry_run ? "would rekey" : "rekeyed",
		"current", "changed", "unreadable");
	for (s = 0; s < HL_SEALED__MAX; s++) {
		printf("%-32s %11lld %8lld %8lld %10lld\n", hl_sealed_name((enum hl_sealed)s),
			n[s].rekeyed, n[s].current, n[s].changed, n[s].unreadable);
		total.rekeyed += n[s].rekeyed;
		if (hl_sealed_plain((enum hl_sealed)s))
			unsealed += n[s].rekeyed;
		total.changed += n[s].changed;
		total.unreadable += n[s].unreadable;
	}
	if (total.unreadable && seen.has_prev) {
		fprintf(stderr, "hooklinectl: rekey: values that open with neither key were left "
			"as they are (%lld): find the key that sealed them before removing either\n",
			total.unreadable);
		return 1;
	}
	if (total.unreadable) {
		fprintf(stderr, "hooklinectl: rekey: values that do not open with "
			"Security.MasterKey were left as they are (%lld): if the key was changed, set "
			"Security.PreviousMasterKey to the one before\n", total.unreadable);
		return 1;
	}
	if (total.changed) {
		fprintf(stderr, "hooklinectl: rekey: values rewritten while the pass ran were "
			"left as they are (%lld): run hooklinectl rekey again\n", total.changed);
		return EXIT_TRY_AGAIN;
	}
	if (dry_run && total.rekeyed > unsealed)
		printf("values still sealed with Security.PreviousMasterKey: %lld (run hooklinectl "
			"rekey)\n", total.rekeyed - unsealed);
	/* Custom headers stored before migration 020 sealed them. */
	if (dry_run && unsealed)
		printf("values stored unsealed: %lld (run hooklinectl rekey)\n", unsealed);
	if (!dry_run || !total.rekeyed)
		printf("every stored secret is sealed with Security.MasterKey%s\n",
			c->cfg.has_prev_master_key ? ": Security.PreviousMasterKey can be removed" : "");
	return 0;
}

/* Queue an account's finished deliveries again: POST
 * /webhooks/deliveries/retry from the shell (the same checks and core
 * call), for an operator who holds no key of the account. Its audit
 * record, delivery.retry_bulk with the filter, is in the same
 * transaction. */
static int
cmd_retry(struct ctl *c, int argc, char **argv)
{
	static const char *const options[] = { "--status", "--webhook-id", "--event-type",
		"--since", "--until", NULL };
	static const char *const members[] = { "status", "webhook_id", "event_type", "since",
		"until" };
	const char *val[5] = { NULL, NULL, NULL, NULL, NULL }, *slug = NULL;
	struct hl_delivery_filter f;
	struct hl_retry_times times;
	char acct[HL_ID_MAX];
	json_object *detail;
	int i, k, n = 0, rc;

	for (i = 0; i < argc; i++) {
		for (k = 0; options[k] && strcmp(argv[i], options[k]); k++)
			;
		if (options[k]) {
			if (take_option("retry", argc, argv, &i, options, &val[k]))
				return EXIT_USAGE;
		} else if (!slug && argv[i][0] != '-') {
			slug = argv[i];
		} else {
			slug = NULL;
			break;
		}
	}
	if (!slug) {
		fprintf(stderr, "usage: hooklinectl retry ACCOUNT [--status dead|succeeded|pending] "
			"[--webhook-id ID] [--event-type TYPE] [--since TIME] [--until TIME]\n");
		return EXIT_USAGE;
	}
	/* Named by the option, not the API's member. */
	if (hl_delivery_retry_filter(val[0], val[1], val[2], val[3], val[4], &f, &times)) {
		for (k = 0; k < 5 && (!hl_errfield() || strcmp(hl_errfield(), members[k])); k++)
			;
		fprintf(stderr, "hooklinectl: retry: %s%s%s\n", k < 5 ? options[k] : "",
			k < 5 ? ": " : "", hl_errmsg());
		return EXIT_USAGE;
	}
	rc = ctl_connect(c);
	if (!rc)
		rc = account_id(c, slug, acct);
	if (rc)
		return rc;
	if (hl_db_begin(c->db))
		return fail("retry");
	detail = json_object_new_object();
	for (k = 0; k < 5; k++)
		if (val[k])
			hl_json_add_str(detail, members[k], val[k]);
	rc = commit_audited(c, hl_delivery_retry_bulk(c->db, acct, &f, &n), acct,
		"delivery.retry_bulk", val[1], detail, "retry");
	json_object_put(detail);
	if (!rc)
		printf("retried %d\n", n);
	return rc;
}

static const struct command commands[] = {
	{ "migrate", NULL, cmd_migrate, 0, 1, "migrate [--status]" },
	{ "account", "create", cmd_account_create, 1, 2, "account create SLUG [NAME]" },
	{ "account", "list", cmd_account_list, 0, 0, "account list" },
	{ "user", "create", cmd_user_create, 3, 3, "user create ACCOUNT EMAIL ROLE  (password on stdin)" },
	{ "user", "list", cmd_user_list, 1, 1, "user list ACCOUNT" },
	{ "user", "disable", cmd_user_disable, 2, 2, "user disable ACCOUNT EMAIL|USER_ID" },
	{ "user", "enable", cmd_user_enable, 2, 2, "user enable ACCOUNT EMAIL|USER_ID" },
	{ "user", "passwd", cmd_user_passwd, 2, 2, "user passwd ACCOUNT EMAIL|USER_ID  (password on stdin)" },
	{ "user", "set-password", cmd_user_passwd, 2, 2, "user set-password ACCOUNT EMAIL|USER_ID  (the same)" },
	{ "key", "create", cmd_key_create, 1, 7, "key create ACCOUNT [--scopes read,write,admin] [--name N] [--cidrs LIST]" },
	{ "key", "list", cmd_key_list, 1, 1, "key list ACCOUNT" },
	{ "key", "revoke", cmd_key_revoke, 2, 2, "key revoke ACCOUNT KEY_ID" },
	{ "publish", NULL, cmd_publish, 2, 6, "publish [--account SLUG] [--idempotency-key K] TYPE PAYLOAD_JSON" },
	{ "retry", NULL, cmd_retry, 1, 11, "retry ACCOUNT [--status dead|succeeded|pending] [--webhook-id ID] [--event-type TYPE] [--since TIME] [--until TIME]" },
	{ "status", NULL, cmd_status, 0, 5, "status [--account SLUG | --by-account] [--json | --prometheus] [--max-lag SECONDS]" },
	{ "purge", NULL, cmd_purge, 0, 3, "purge [--dry-run] [--chunks N]  (the Retention.* keys)" },
	{ "rekey", NULL, cmd_rekey, 0, 1, "rekey [--dry-run]  (after Security.MasterKey changed)" },
};

#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

/* Output that could not be written (standard output closed, a full
 * disk, a reader gone) fails the command, as it would any Unix tool's:
 * a script must not go on as if it had the answer. Nothing written to
 * a closed standard output is no failure (EBADF from fclose alone). */
static int
finish(int status)
{
	int why = stdout_error();

	if (fclose(stdout) && errno != EBADF && !why)
		why = errno;
	if (why && status == 0) {
		fprintf(stderr, "hooklinectl: cannot write to standard output: %s\n",
			strerror(why));
		status = 1;
	}
	return status;
}

/* A descriptor 0, 1 or 2 that is closed would be the next file opened:
 * the configuration, or the connection to MariaDB, which printf would
 * then write to (a new API key too). Standard input and error get
 * /dev/null in its place; a closed standard output is 1, for main to
 * refuse the command before it changes anything: its answer would be
 * lost. */
static int
stdout_closed(void)
{
	int fd, closed = 0;

	for (fd = 0; fd <= 2; fd++) {
		if (fcntl(fd, F_GETFD) != -1 || errno != EBADF)
			continue;
		if (fd == STDOUT_FILENO)
			closed = 1;
		/* The lowest free descriptor: this one, as the lower are open. */
		if (open("/dev/null", fd ? O_WRONLY : O_RDONLY) != fd)
			closed = 1;
	}
	return closed;
}

static void
usage(FILE *f)
{
	size_t i;

	fprintf(f, "usage: hooklinectl [--config FILE] COMMAND ... | --version | --help\n"
		"commands:\n");
	for (i = 0; i < NCOMMANDS; i++)
		fprintf(f, "  %s\n", commands[i].usage);
}

int
main(int argc, char **argv)
{
	const struct command *cmd = NULL;
	const char *config = NULL;
	struct ctl c;
	int i = 1, nargs, status;
	size_t k;

	if (stdout_closed()) {
		fprintf(stderr, "hooklinectl: standard output is closed: nothing done, since "
			"its answer would be lost\n");
		return 1;
	}
	if (argc > 1 && !strcmp(argv[1], "--config")) {
		if (argc == 2) {
			fprintf(stderr, "hooklinectl: --config needs a value\n");
			return EXIT_USAGE;
		}
		config = argv[2];
		i = 3;
	}
	/* "hooklinectl --version migrate" did nothing and said all was well. */
	if (i + 1 < argc && (!strcmp(argv[i], "--version") || !strcmp(argv[i], "--help") ||
	    !strcmp(argv[i], "-h"))) {
		fprintf(stderr, "hooklinectl: %s takes no arguments\n", argv[i]);
		return EXIT_USAGE;
	}
	if (i < argc && !strcmp(argv[i], "--version")) {
		hl_print_version("hooklinectl");
		return finish(0);
	}
	if (i >= argc || !strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
		usage(i >= argc ? stderr : stdout);
		return finish(i >= argc ? EXIT_USAGE : 0);
	}
	for (k = 0; k < NCOMMANDS; k++) {
		if (strcmp(commands[k].name, argv[i]))
			continue;
		if (commands[k].sub && (i + 1 >= argc || strcmp(commands[k].sub, argv[i + 1])))
			continue;
		cmd = &commands[k];
		break;
	}
	if (!cmd) {
		fprintf(stderr, "hooklinectl: unknown command\n");
		usage(stderr);
		return EXIT_USAGE;
	}
	i += cmd->sub ? 2 : 1;
	nargs = argc - i;
	if (nargs < cmd->min_args || nargs > cmd->max_args) {
		fprintf(stderr, "usage: hooklinectl %s\n", cmd->usage);
		return EXIT_USAGE;
	}
	/* Names, emails, slugs and payloads are stored as utf8mb4: another
	 * encoding (a Latin-1 terminal) is the caller's to fix, not a
	 * statement that fails halfway. The bytes are not echoed. */
	for (k = 0; k < (size_t)nargs; k++)
		if (!hl_utf8_valid(argv[i + (int)k], strlen(argv[i + (int)k]))) {
			fprintf(stderr, "hooklinectl: %s%s%s: argument %zu is not valid UTF-8\n",
				cmd->name, cmd->sub ? " " : "", cmd->sub ? cmd->sub : "", k + 1);
			return EXIT_USAGE;
		}
	memset(&c, 0, sizeof(c));
	if (hl_config_load(hl_config_path(config), &c.cfg)) {
		fprintf(stderr, "hooklinectl: %s\n", hl_errmsg());
		return 1;
	}
	hl_log_init("hooklinectl", c.cfg.log_level);
	curl_global_init(CURL_GLOBAL_DEFAULT);
	/* A migration's DDL may rebuild a large table for many minutes, with
	 * no answer from the server meanwhile: Database.TimeoutSeconds would
	 * cut it off (MariaDB then finishes or undoes that statement alone).
	 * An operator stops a migrate that hangs with Ctrl-C. migrate
	 * --status only reads, from deploy scripts and monitoring that must
	 * not hang on a server that stopped answering: it keeps the limit. */
	if (cmd->run == cmd_migrate && nargs == 0)
		c.cfg.db_timeout = 0;
	c.name = cmd->name;
	snprintf(c.title, sizeof(c.title), "%s%s%s", cmd->name, cmd->sub ? " " : "",
		cmd->sub ? cmd->sub : "");
	c.check_schema = cmd->run != cmd_migrate && cmd->run != cmd_status;
	status = cmd->run(&c, nargs, argv + i);
	hl_db_close(c.db);
	hl_config_free(&c.cfg);
	curl_global_cleanup();
	return finish(status);
}
