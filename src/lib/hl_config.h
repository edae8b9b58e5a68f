/* hl_config.h: hookline's configuration, read from one HDF file
 * (ClearSilver's format). Path: --config, else $HOOKLINE_CONFIG, else
 * the compiled-in default (SYSCONFDIR/hookline.hdf). Every key is
 * documented in docs/configuration.md and hookline.hdf(5). */
#ifndef HL_CONFIG_H
#define HL_CONFIG_H
#include <stddef.h>
#include "hl_error.h"
#include "hl_log.h"

#define HL_RETRY_MAX_STEPS 32
#define HL_CIDR_MAX 64

struct hl_cidr {
	int family;              /* AF_INET or AF_INET6 */
	unsigned char addr[16];  /* network byte order; IPv4 uses the first 4 */
	int bits;
};

/* The shortest Auth.JwtHs256Secret: 256 bits of key for HS256. */
#define HL_JWT_SECRET_MIN 32

/* The longest Web.BasePath. */
#define HL_BASE_PATH_MAX 200

struct hl_config {
	char *path;                   /* the file that was read */

	/* Database.* */
	char *db_host;                /* Database.Host (default 127.0.0.1) */
	unsigned db_port;             /* Database.Port (default 3306) */
	char *db_socket;              /* Database.Socket: used instead of host/port when set */
	char *db_user;                /* Database.User */
	char *db_password;            /* Database.Password */
	char *db_name;                /* Database.Name */
	long db_timeout;              /* Database.TimeoutSeconds: each wait for the server (0: none) */

	/* Paths.* */
	char *templates_dir;          /* Paths.Templates */
	char *sql_dir;                /* Paths.Sql */
	char *static_dir;             /* Paths.Static */

	/* Security.* */
	unsigned char master_key[32]; /* Security.MasterKey: base64 of 32 bytes */
	/* Security.PreviousMasterKey, while the master key is rotated: what
	 * it sealed still opens (hl_config_unseal) until hooklinectl rekey
	 * has sealed it again with the new key. */
	unsigned char prev_master_key[32];
	int has_prev_master_key;
	int require_https;            /* Security.RequireHttps: endpoint URLs must be https */
	int cookie_secure;            /* Security.CookieSecure */
	long session_ttl;             /* Security.SessionSeconds (default 43200) */

	/* Web.* */
	size_t max_body;              /* Web.MaxBodyBytes (default 1048576) */
	char *base_path;              /* Web.BasePath: URL prefix the app is mounted at ("" ) */

	/* Delivery.* */
	unsigned concurrency;         /* Delivery.Concurrency (default 32) */
	unsigned per_host;            /* Delivery.PerHostConnections (default 4) */
	long timeout_ms;              /* Delivery.TimeoutMs (default 15000) */
	long connect_timeout_ms;      /* Delivery.ConnectTimeoutMs (default 5000) */
	size_t max_response;          /* Delivery.MaxResponseBytes (default 65536) */
	unsigned batch_size;          /* Delivery.ClaimBatch (default 100) */
	long lease_seconds;           /* Delivery.LeaseSeconds (default 60) */
	long poll_ms;                 /* Delivery.PollMs (default 200) */
	long retry_schedule[HL_RETRY_MAX_STEPS]; /* Delivery.RetrySchedule, seconds */
	int retry_steps;              /* number of entries = max attempts */
	int jitter_pct;               /* Delivery.JitterPercent (default 20) */
	struct hl_cidr allow[HL_CIDR_MAX]; /* Delivery.AllowCidrs: SSRF allowlist */
	int nallow;
	char *user_agent;             /* Delivery.UserAgent */
	long disable_after_s;         /* Delivery.DisableAfterSeconds: failing this long disables (default 5 days) */

	/* Retention.*: days kept; 0 keeps everything (hl_retention.h). */
	long retention_days;          /* Retention.Days (default 30) */
	long retention_audit_days;    /* Retention.AuditDays (default 365) */
	long retention_rollup_days;   /* Retention.RollupDays (default 400): analytics' hourly rollups */

	/* Log.* */
	enum hl_log_level log_level;  /* Log.Level: error|warn|info|debug */

	/* RateLimit.*: requests per minute; 0 turns a limit off. */
	long rate_per_key;            /* RateLimit.PerKeyPerMinute (default 600) */
	long rate_per_addr;           /* RateLimit.PerAddressPerMinute (default 1200) */

	/* Auth.*: JWT bearer tokens; off unless a key is configured. */
	char *jwt_issuer;             /* Auth.JwtIssuer: required "iss" ("" = not checked) */
	char *jwt_audience;           /* Auth.JwtAudience: required "aud" ("" = not checked) */
	char *jwt_hs256_secret;       /* Auth.JwtHs256Secret: HS256 shared secret */
	char *jwt_rs256_key_file;     /* Auth.JwtRs256PublicKeyFile: RS256 public key (PEM) */
	char *jwt_rs256_key;          /* its PEM text, read and checked once by hl_jwt_load_key */
	size_t jwt_rs256_key_len;
	char *jwt_account_claim;      /* Auth.JwtAccountClaim: claim naming the account slug */
};

/* Resolve the path: explicit (may be NULL), $HOOKLINE_CONFIG, default. */
const char *hl_config_path(const char *explicit_path);
/* Read and validate; on failure the error names the bad key. */
hl_err hl_config_load(const char *path, struct hl_config *cfg);
/* Parse from a string (tests). */
hl_err hl_config_parse(const char *text, struct hl_config *cfg);
void hl_config_free(struct hl_config *cfg);
/* hl_unseal with Security.MasterKey, or, while a rotation has
 * Security.PreviousMasterKey set, with that key for what it sealed.
 * Every stored secret is opened with this; new ones are sealed with
 * hl_seal(cfg->master_key, ...). */
hl_err hl_config_unseal(const struct hl_config *cfg, const char *sealed, char **out);

/* Turn a ClearSilver error into ours (and free it). */
struct _neo_err;
hl_err hl_neoerr(struct _neo_err *err, hl_err code, const char *what);

#endif
