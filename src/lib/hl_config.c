/* hl_config.c: read hookline.hdf, check every key against one table,
 * and fill struct hl_config. Unknown keys are errors: a typo must not
 * silently fall back to a default. */
#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ClearSilver.h>
#include "hl_config.h"
#include "hl_crypto.h"
#include "hl_retry.h"
#include "hl_ssrf.h"
#include "hl_util.h"

#ifndef HL_SYSCONFDIR
#define HL_SYSCONFDIR "/etc"
#endif
#ifndef HL_DATADIR
#define HL_DATADIR "/usr/share/hookline"
#endif

enum key_type {
	KEY_STR,       /* char * */
	KEY_UINT,      /* unsigned */
	KEY_LONG,      /* long */
	KEY_SIZE,      /* size_t */
	KEY_BOOL,      /* int 0/1 */
	KEY_INT,       /* int */
	KEY_MASTERKEY, /* unsigned char[32] from base64 */
	KEY_CIDRS,     /* struct hl_cidr allow[] */
	KEY_SCHEDULE,  /* long retry_schedule[] */
	KEY_LOGLEVEL,  /* enum hl_log_level */
	KEY__MAX
};

struct config_key {
	const char *name;
	enum key_type type;
	size_t offset;
	const char *defval;   /* NULL: required */
	long min, max;        /* numeric bounds */
};

#define OFF(f) offsetof(struct hl_config, f)

static const struct config_key config_keys[] = {
	{ "Database.Host", KEY_STR, OFF(db_host), "127.0.0.1", 0, 0 },
	{ "Database.Port", KEY_UINT, OFF(db_port), "3306", 1, 65535 },
	{ "Database.Socket", KEY_STR, OFF(db_socket), "", 0, 0 },
	{ "Database.User", KEY_STR, OFF(db_user), "hookline", 0, 0 },
	{ "Database.Password", KEY_STR, OFF(db_password), "", 0, 0 },
	{ "Database.Name", KEY_STR, OFF(db_name), "hookline", 0, 0 },
	{ "Database.TimeoutSeconds", KEY_LONG, OFF(db_timeout), "60", 0, 86400 },
	{ "Paths.Templates", KEY_STR, OFF(templates_dir), HL_DATADIR "/templates", 0, 0 },
	{ "Paths.Sql", KEY_STR, OFF(sql_dir), HL_DATADIR "/sql", 0, 0 },
	{ "Paths.Static", KEY_STR, OFF(static_dir), HL_DATADIR "/static", 0, 0 },
	{ "Security.MasterKey", KEY_MASTERKEY, OFF(master_key), NULL, 0, 0 },
	{ "Security.PreviousMasterKey", KEY_MASTERKEY, OFF(prev_master_key), "", 0, 0 },
	{ "Security.RequireHttps", KEY_BOOL, OFF(require_https), "1", 0, 1 },
	{ "Security.CookieSecure", KEY_BOOL, OFF(cookie_secure), "1", 0, 1 },
	{ "Security.SessionSeconds", KEY_LONG, OFF(session_ttl), "43200", 300, 2592000 },
	{ "Web.MaxBodyBytes", KEY_SIZE, OFF(max_body), "1048576", 1024, 67108864 },
	{ "Web.BasePath", KEY_STR, OFF(base_path), "", 0, 0 },
	{ "Delivery.Concurrency", KEY_UINT, OFF(concurrency), "32", 1, 1024 },
	{ "Delivery.PerHostConnections", KEY_UINT, OFF(per_host), "4", 1, 256 },
	{ "Delivery.TimeoutMs", KEY_LONG, OFF(timeout_ms), "15000", 100, 300000 },
	{ "Delivery.ConnectTimeoutMs", KEY_LONG, OFF(connect_timeout_ms), "5000", 100, 60000 },
	{ "Delivery.MaxResponseBytes", KEY_SIZE, OFF(max_response), "65536", 0, 1048576 },
	{ "Delivery.ClaimBatch", KEY_UINT, OFF(batch_size), "100", 1, 1000 },
	{ "Delivery.LeaseSeconds", KEY_LONG, OFF(lease_seconds), "60", 5, 3600 },
	{ "Delivery.PollMs", KEY_LONG, OFF(poll_ms), "200", 10, 10000 },
	{ "Delivery.RetrySchedule", KEY_SCHEDULE, OFF(retry_schedule), "0,5s,5m,30m,2h,5h,10h,10h", 0, 0 },
	{ "Delivery.JitterPercent", KEY_INT, OFF(jitter_pct), "20", 0, 50 },
	{ "Delivery.AllowCidrs", KEY_CIDRS, OFF(allow), "", 0, 0 },
	{ "Delivery.DisableAfterSeconds", KEY_LONG, OFF(disable_after_s), "432000", 1, 31536000 },
	{ "Delivery.UserAgent", KEY_STR, OFF(user_agent), "hookline/" HL_VERSION, 0, 0 },
	{ "Retention.Days", KEY_LONG, OFF(retention_days), "30", 0, 36500 },
	{ "Retention.AuditDays", KEY_LONG, OFF(retention_audit_days), "365", 0, 36500 },
	{ "Retention.RollupDays", KEY_LONG, OFF(retention_rollup_days), "400", 0, 36500 },
	{ "Log.Level", KEY_LOGLEVEL, OFF(log_level), "info", 0, 0 },
	{ "RateLimit.PerKeyPerMinute", KEY_LONG, OFF(rate_per_key), "600", 0, 1000000 },
	{ "RateLimit.PerAddressPerMinute", KEY_LONG, OFF(rate_per_addr), "1200", 0, 1000000 },
	{ "Auth.JwtIssuer", KEY_STR, OFF(jwt_issuer), "", 0, 0 },
	{ "Auth.JwtAudience", KEY_STR, OFF(jwt_audience), "", 0, 0 },
	{ "Auth.JwtHs256Secret", KEY_STR, OFF(jwt_hs256_secret), "", 0, 0 },
	{ "Auth.JwtRs256PublicKeyFile", KEY_STR, OFF(jwt_rs256_key_file), "", 0, 0 },
	{ "Auth.JwtAccountClaim", KEY_STR, OFF(jwt_account_claim), "account", 0, 0 },
};

#define NKEYS (sizeof(config_keys) / sizeof(config_keys[0]))

hl_err
hl_neoerr(NEOERR *err, hl_err code, const char *what)
{
	STRING str;

	string_init(&str);
	nerr_error_string(err, &str);
	hl_fail(code, NULL, "%s: %s", what, str.buf ? str.buf : "error");
	string_clear(&str);
	nerr_ignore(&err);
	return code;
}

const char *
hl_config_path(const char *explicit_path)
{
	const char *env;

	if (explicit_path && *explicit_path)
		return explicit_path;
	env = getenv("HOOKLINE_CONFIG");
	if (env && *env)
		return env;
	return HL_SYSCONFDIR "/hookline.hdf";
}

static hl_err
parse_number(const struct config_key *k, const char *v, long *out)
{
	char *end;
	long n;

	errno = 0;
	n = strtol(v, &end, 10);
	if (errno || end == v || *end != '\0')
		return hl_fail(HL_ERR_CONFIG, k->name, "%s: \"%s\" is not a number", k->name, v);
	if (n < k->min || n > k->max)
		return hl_fail(HL_ERR_CONFIG, k->name, "%s: %ld is out of range %ld..%ld",
			k->name, n, k->min, k->max);
	*out = n;
	return HL_OK;
}

static hl_err
set_key(struct hl_config *cfg, const struct config_key *k, const char *v)
{
	char *field = (char *)cfg + k->offset;
	unsigned char key[32];
	size_t keylen;
	long n = 0;
	hl_err rc;

	switch (k->type) {
	case KEY_STR: {
		char *copy;

		/* An HDF heredoc can hold a line break: a User-Agent of two lines
		 * was sent raw, a second header injected into every delivery. No
		 * value here is more than one line. */
		if (hl_has_control(v, strlen(v)))
			return hl_fail(HL_ERR_CONFIG, k->name, "%s must be one line without control "
				"characters", k->name);
		if (!*v && k->offset == OFF(user_agent))
			return hl_fail(HL_ERR_CONFIG, k->name, "%s must not be empty (a receiver "
				"may refuse a request without a User-Agent)", k->name);
		copy = strdup(v);
		if (!copy)
			return hl_fail(HL_ERR_NOMEM, NULL, "out of memory");
		free(*(char **)field);
		*(char **)field = copy;
		return HL_OK;
	}
	case KEY_UINT:
	case KEY_LONG:
	case KEY_SIZE:
	case KEY_INT:
		rc = parse_number(k, v, &n);
		if (rc)
			return rc;
		if (k->type == KEY_UINT)
			*(unsigned *)field = (unsigned)n;
		else if (k->type == KEY_LONG)
			*(long *)field = n;
		else if (k->type == KEY_SIZE)
			*(size_t *)field = (size_t)n;
		else
			*(int *)field = (int)n;
		return HL_OK;
	case KEY_BOOL:
		if (!strcmp(v, "1") || !strcmp(v, "true") || !strcmp(v, "yes"))
			*(int *)field = 1;
		else if (!strcmp(v, "0") || !strcmp(v, "false") || !strcmp(v, "no"))
			*(int *)field = 0;
		else
			return hl_fail(HL_ERR_CONFIG, k->name, "%s: \"%s\" is not 0 or 1", k->name, v);
		return HL_OK;
	case KEY_MASTERKEY:
		/* Optional (Security.PreviousMasterKey) and not set. */
		if (!*v && k->defval) {
			memset(field, 0, 32);
			return HL_OK;
		}
		/* Never echo the value: it is the key to every endpoint secret. */
		if (hl_base64_decode(v, strlen(v), key, sizeof(key), &keylen) || keylen != 32)
			return hl_fail(HL_ERR_CONFIG, k->name,
				"%s must be the base64 of exactly 32 random bytes "
				"(generate one with: head -c32 /dev/urandom | base64)", k->name);
		memcpy(field, key, 32);
		return HL_OK;
	case KEY_CIDRS:
		if (hl_cidr_parse_list(v, cfg->allow, HL_CIDR_MAX, &cfg->nallow))
			return hl_fail(HL_ERR_CONFIG, k->name, "%s: %s", k->name, hl_errmsg());
		return HL_OK;
	case KEY_SCHEDULE:
		if (hl_retry_parse(v, cfg->retry_schedule, HL_RETRY_MAX_STEPS, &cfg->retry_steps) ||
		    cfg->retry_steps < 1)
			return hl_fail(HL_ERR_CONFIG, k->name,
				"%s: \"%s\" is not a list of delays like 0,5s,5m,30m,2h", k->name, v);
		if (cfg->retry_schedule[0] != 0)
			return hl_fail(HL_ERR_CONFIG, k->name, "%s starts with the first attempt, "
				"which is made at once: begin it with 0 (0,5s,5m,30m,2h)", k->name);
		return HL_OK;
	case KEY_LOGLEVEL:
		if (hl_log_level_parse(v, (enum hl_log_level *)field))
			return hl_fail(HL_ERR_CONFIG, k->name,
				"%s: \"%s\" is not one of error, warn, info, debug", k->name, v);
		return HL_OK;
	case KEY__MAX:
		break;
	}
	return hl_fail(HL_ERR_INTERNAL, k->name, "unknown key type");
}

static const struct config_key *
find_key(const char *name)
{
	size_t i;

	for (i = 0; i < NKEYS; i++)
		if (!strcmp(config_keys[i].name, name))
			return &config_keys[i];
	return NULL;
}

/* Reject any leaf the table does not know, naming it. */
static hl_err
check_unknown(HDF *node, const char *prefix)
{
	char name[256];
	HDF *child;
	hl_err rc;

	for (child = hdf_obj_child(node); child; child = hdf_obj_next(child)) {
		snprintf(name, sizeof(name), "%s%s%s", prefix, *prefix ? "." : "",
			hdf_obj_name(child));
		if (hdf_obj_child(child)) {
			rc = check_unknown(child, name);
			if (rc)
				return rc;
			continue;
		}
		if (!find_key(name))
			return hl_fail(HL_ERR_CONFIG, name, "unknown configuration key %s", name);
	}
	return HL_OK;
}

static hl_err
config_from_hdf(HDF *hdf, struct hl_config *cfg)
{
	const char *v;
	size_t i;
	hl_err rc;

	rc = check_unknown(hdf, "");
	if (rc)
		return rc;
	for (i = 0; i < NKEYS; i++) {
		const struct config_key *k = &config_keys[i];

		v = hdf_get_value(hdf, k->name, NULL);
		if (!v)
			v = k->defval;
		if (!v)
			return hl_fail(HL_ERR_CONFIG, k->name, "%s is required", k->name);
		rc = set_key(cfg, k, v);
		if (rc)
			return rc;
	}
	/* RFC 7518: an HS256 key at least as long as the hash; a shorter one
	 * can be guessed offline from any token. Never echoed. */
	if (*cfg->jwt_hs256_secret && strlen(cfg->jwt_hs256_secret) < HL_JWT_SECRET_MIN)
		return hl_fail(HL_ERR_CONFIG, "Auth.JwtHs256Secret", "Auth.JwtHs256Secret must be "
			"at least %d characters (generate one with: head -c32 /dev/urandom | base64)",
			HL_JWT_SECRET_MIN);
	/* One algorithm is accepted, so that a token cannot choose its own:
	 * with both keys set, one of them would be ignored without a word. */
	if (*cfg->jwt_hs256_secret && *cfg->jwt_rs256_key_file)
		return hl_fail(HL_ERR_CONFIG, "Auth.JwtRs256PublicKeyFile", "Auth.JwtHs256Secret "
			"and Auth.JwtRs256PublicKeyFile are both set: set one (tokens of one "
			"algorithm are accepted)");
	/* The old key in both places would make a rotation that changes
	 * nothing: rekey would find every value sealed with the "new" key. */
	v = hdf_get_value(hdf, "Security.PreviousMasterKey", "");
	cfg->has_prev_master_key = *v != '\0';
	if (cfg->has_prev_master_key && hl_ct_equal(cfg->master_key, sizeof(cfg->master_key),
	    cfg->prev_master_key, sizeof(cfg->prev_master_key)))
		return hl_fail(HL_ERR_CONFIG, "Security.PreviousMasterKey",
			"Security.PreviousMasterKey is the same key as Security.MasterKey: during a "
			"rotation MasterKey is the new key and PreviousMasterKey the one it replaces");
	if (!*cfg->db_socket && !*cfg->db_host)
		return hl_fail(HL_ERR_CONFIG, "Database.Host",
			"Database.Host or Database.Socket must be set");
	/* It goes into every URL, cookie Path and Location as it is. */
	if (*cfg->base_path && (cfg->base_path[0] != '/' ||
	    cfg->base_path[strlen(cfg->base_path) - 1] == '/' ||
	    strlen(cfg->base_path) > HL_BASE_PATH_MAX ||
	    strspn(cfg->base_path, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "0123456789/._~-") != strlen(cfg->base_path)))
		return hl_fail(HL_ERR_CONFIG, "Web.BasePath", "Web.BasePath must be empty or a "
			"path such as /hooks: a leading /, no trailing /, at most 200 of a-z, A-Z, "
			"0-9, /, ., _, ~ and -");
	return HL_OK;
}

/* A file ClearSilver could not read: what it says about the system (a
 * file it cannot open or #include, out of memory) is passed on; of a
 * line it cannot parse only the file and the line number are, never
 * the text, which may be a secret such as Database.Password = ... with
 * a typo in it ("Unable to parse line <the line>" in ClearSilver's
 * words, "Unable to set Empty component <the key>" for a key like a..b,
 * neither with a line number). */
static hl_err
config_read_error(NEOERR *err, const char *path)
{
	const char *what = path ? path : "configuration", *s, *open, *close, *colon;
	STRING str;
	long line = 0;
	char file[256] = "";
	hl_err rc;

	if (nerr_match(err, NERR_IO) || nerr_match(err, NERR_SYSTEM) ||
	    nerr_match(err, NERR_NOMEM) || nerr_match(err, NERR_NOT_FOUND))
		return hl_neoerr(err, nerr_match(err, NERR_NOMEM) ? HL_ERR_NOMEM : HL_ERR_CONFIG,
			what);
	/* "[FILE:LINE] ...": FILE is this file or one it #includes. */
	string_init(&str);
	nerr_error_string(err, &str);
	s = str.buf ? str.buf : "";
	open = strchr(s, '[');
	close = open ? strchr(open, ']') : NULL;
	if (close) {
		for (colon = close; colon > open && colon[-1] >= '0' && colon[-1] <= '9'; colon--)
			;
		if (colon < close && colon - 1 > open && colon[-1] == ':' &&
		    close - colon < 10 && (size_t)(colon - 1 - (open + 1)) < sizeof(file)) {
			line = strtol(colon, NULL, 10);
			memcpy(file, open + 1, (size_t)(colon - 1 - (open + 1)));
			file[colon - 1 - (open + 1)] = '\0';
		}
	}
	if (line > 0 && path && strcmp(file, path))
		rc = hl_fail(HL_ERR_CONFIG, NULL, "%s: line %ld of %s, which it includes, is not "
			"valid HDF (the line is not shown: it may hold a secret)", what, line, file);
	else if (line > 0)
		rc = hl_fail(HL_ERR_CONFIG, NULL, "%s: line %ld is not valid HDF (the line is not "
			"shown: it may hold a secret)", what, line);
	else
		rc = hl_fail(HL_ERR_CONFIG, NULL, "%s: a line is not valid HDF, such as a key with "
			"an empty part (a..b, .b) or a bad [attribute] (the line is not shown: it may "
			"hold a secret)", what);
	string_clear(&str);
	nerr_ignore(&err);
	return rc;
}

static hl_err
config_parse(const char *path, const char *text, struct hl_config *cfg)
{
	HDF *hdf = NULL;
	NEOERR *err;
	hl_err rc;

	memset(cfg, 0, sizeof(*cfg));
	err = hdf_init(&hdf);
	if (err)
		return hl_neoerr(err, HL_ERR_NOMEM, "hdf_init");
	if (path)
		err = hdf_read_file(hdf, path);
	else
		err = hdf_read_string(hdf, text);
	if (err) {
		rc = config_read_error(err, path);
		goto out;
	}
	if (path) {
		cfg->path = strdup(path);
		if (!cfg->path) {
			rc = hl_fail(HL_ERR_NOMEM, NULL, "out of memory");
			goto out;
		}
	}
	rc = config_from_hdf(hdf, cfg);
out:
	hdf_destroy(&hdf);
	if (rc)
		hl_config_free(cfg);
	return rc;
}

hl_err
hl_config_load(const char *path, struct hl_config *cfg)
{
	FILE *f;

	/* ClearSilver's own message for a missing file is obscure. */
	f = fopen(path, "r");
	if (!f) {
		memset(cfg, 0, sizeof(*cfg));
		return hl_fail(HL_ERR_CONFIG, NULL, "cannot read configuration %s: %s "
			"(set HOOKLINE_CONFIG or pass --config)", path, strerror(errno));
	}
	fclose(f);
	return config_parse(path, NULL, cfg);
}

hl_err
hl_config_parse(const char *text, struct hl_config *cfg)
{
	return config_parse(NULL, text, cfg);
}

void
hl_config_free(struct hl_config *cfg)
{
	size_t i;

	for (i = 0; i < NKEYS; i++)
		if (config_keys[i].type == KEY_STR) {
			char **p = (char **)((char *)cfg + config_keys[i].offset);
			free(*p);
			*p = NULL;
		}
	free(cfg->path);
	cfg->path = NULL;
	free(cfg->jwt_rs256_key);
	cfg->jwt_rs256_key = NULL;
	cfg->jwt_rs256_key_len = 0;
	memset(cfg->master_key, 0, sizeof(cfg->master_key));
	memset(cfg->prev_master_key, 0, sizeof(cfg->prev_master_key));
	cfg->has_prev_master_key = 0;
}

hl_err
hl_config_unseal(const struct hl_config *cfg, const char *sealed, char **out)
{
	hl_err rc;

	rc = hl_unseal(cfg->master_key, sealed, out);
	if (rc == HL_ERR_CRYPTO && cfg->has_prev_master_key)
		rc = hl_unseal(cfg->prev_master_key, sealed, out);
	return rc;
}
