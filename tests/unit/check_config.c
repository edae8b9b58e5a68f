/* check_config.c: unit tests for hl_config: defaults, every error names
 * its key, unknown keys are refused, the master key never echoes. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hl_config.h"
#include "hl_crypto.h"
#include "check_main.h"

#define KEY "Security.MasterKey = AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n"

START_TEST(test_defaults)
{
	struct hl_config c;

	ck_assert_int_eq(hl_config_parse(KEY, &c), HL_OK);
	ck_assert_str_eq(c.db_host, "127.0.0.1");
	ck_assert_uint_eq(c.db_port, 3306);
	ck_assert_str_eq(c.db_name, "hookline");
	ck_assert_int_eq(c.require_https, 1);
	/* Secure by default: TLS may end before the web server. */
	ck_assert_int_eq(c.cookie_secure, 1);
	ck_assert_int_eq(c.nallow, 0);
	ck_assert_int_eq(c.retry_steps, 8);
	ck_assert_int_eq(c.retry_schedule[0], 0);
	ck_assert_int_eq(c.retry_schedule[1], 5);
	ck_assert_int_eq(c.retry_schedule[7], 36000);
	ck_assert_int_eq(c.timeout_ms, 15000);
	ck_assert_int_eq(c.jitter_pct, 20);
	ck_assert_int_eq(c.master_key[0], 0);
	ck_assert_int_eq(c.master_key[31], 31);
	hl_config_free(&c);
}
END_TEST

START_TEST(test_values)
{
	struct hl_config c;

	ck_assert_int_eq(hl_config_parse(KEY
		"Database.Socket = /tmp/x.sock\n"
		"Database {\n  Name = other\n}\n"
		"Delivery.AllowCidrs = 127.0.0.0/8, ::1/128\n"
		"Delivery.RetrySchedule = 0,1s,1m\n"
		"Security.RequireHttps = 0\n"
		"Log.Level = debug\n", &c), HL_OK);
	ck_assert_str_eq(c.db_socket, "/tmp/x.sock");
	ck_assert_str_eq(c.db_name, "other");
	ck_assert_int_eq(c.nallow, 2);
	ck_assert_int_eq(c.retry_steps, 3);
	ck_assert_int_eq(c.retry_schedule[2], 60);
	ck_assert_int_eq(c.require_https, 0);
	ck_assert_int_eq(c.log_level, HL_LOG_DEBUG);
	hl_config_free(&c);
	ck_assert_int_eq(hl_config_parse(KEY "Web.BasePath = /apps/hook-line\n", &c), HL_OK);
	ck_assert_str_eq(c.base_path, "/apps/hook-line");
	hl_config_free(&c);
}
END_TEST

/* Each bad value must fail and name the key in both field and message. */
static void
expect_bad(const char *text, const char *key)
{
	struct hl_config c;

	ck_assert_int_eq(hl_config_parse(text, &c), HL_ERR_CONFIG);
	ck_assert_ptr_nonnull(hl_errfield());
	ck_assert_str_eq(hl_errfield(), key);
	ck_assert_ptr_nonnull(strstr(hl_errmsg(), key));
}

START_TEST(test_errors_name_the_key)
{
	expect_bad("Database.Port = 1\n", "Security.MasterKey");
	expect_bad(KEY "Database.Port = 70000\n", "Database.Port");
	expect_bad(KEY "Database.Port = 33x\n", "Database.Port");
	expect_bad(KEY "Delivery.TimeoutMs = 5\n", "Delivery.TimeoutMs");
	expect_bad(KEY "Security.RequireHttps = maybe\n", "Security.RequireHttps");
	expect_bad(KEY "Delivery.AllowCidrs = 10.0.0.0/33\n", "Delivery.AllowCidrs");
	expect_bad(KEY "Delivery.RetrySchedule = soon\n", "Delivery.RetrySchedule");
	/* The first entry is the first attempt: "5s,5m" is not two retries. */
	expect_bad(KEY "Delivery.RetrySchedule = 5s,5m\n", "Delivery.RetrySchedule");
	expect_bad(KEY "Log.Level = loud\n", "Log.Level");
	expect_bad(KEY "Databse.Host = typo\n", "Databse.Host");
	expect_bad(KEY "Database.Hots = typo\n", "Database.Hots");
	expect_bad(KEY "Web.BasePath = hooks\n", "Web.BasePath");
	expect_bad(KEY "Web.BasePath = /hooks/\n", "Web.BasePath");
	expect_bad(KEY "Web.BasePath = /a;b\n", "Web.BasePath");
	/* A heredoc's line break would reach a request header. */
	expect_bad(KEY "Delivery.UserAgent << EOM\nfoo\nX-Injected: yes\nEOM\n", "Delivery.UserAgent");
	expect_bad(KEY "Delivery.UserAgent = a\tb\n", "Delivery.UserAgent");
	expect_bad(KEY "Delivery.UserAgent =\n", "Delivery.UserAgent");
	expect_bad(KEY "Database.Host << EOM\nh1\nh2\nEOM\n", "Database.Host");
}
END_TEST

START_TEST(test_master_key_never_echoed)
{
	struct hl_config c;

	ck_assert_int_eq(hl_config_parse("Security.MasterKey = c2VjcmV0LXZhbHVlLXRvby1zaG9ydA==\n", &c),
		HL_ERR_CONFIG);
	ck_assert_ptr_null(strstr(hl_errmsg(), "c2VjcmV0"));
	ck_assert_str_eq(hl_errfield(), "Security.MasterKey");
}
END_TEST

/* Security.PreviousMasterKey: optional; when set, a key like the master
 * key (never echoed) and not the same one; hl_config_unseal opens what
 * either sealed, and nothing else. */
#define OTHER "Security.PreviousMasterKey = HyAhIiMkJSYnKCkqKywtLi8wMTIzNDU2Nzg5Ojs8PT4=\n"

START_TEST(test_previous_master_key)
{
	struct hl_config c, old, third;
	char *sealed_new = NULL, *sealed_old = NULL, *sealed_third = NULL, *plain = NULL;

	ck_assert_int_eq(hl_config_parse(KEY, &c), HL_OK);
	ck_assert_int_eq(c.has_prev_master_key, 0);
	hl_config_free(&c);
	ck_assert_int_eq(hl_config_parse(KEY "Security.PreviousMasterKey =\n", &c), HL_OK);
	ck_assert_int_eq(c.has_prev_master_key, 0);
	hl_config_free(&c);

	ck_assert_int_eq(hl_config_parse(KEY "Security.PreviousMasterKey = c2VjcmV0LXZhbHVl\n", &c),
		HL_ERR_CONFIG);
	ck_assert_str_eq(hl_errfield(), "Security.PreviousMasterKey");
	ck_assert_ptr_null(strstr(hl_errmsg(), "c2VjcmV0"));
	ck_assert_int_eq(hl_config_parse(KEY "Security.PreviousMasterKey = "
		"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n", &c), HL_ERR_CONFIG);
	ck_assert_str_eq(hl_errfield(), "Security.PreviousMasterKey");
	ck_assert_ptr_nonnull(strstr(hl_errmsg(), "is the same key as Security.MasterKey"));
	ck_assert_ptr_null(strstr(hl_errmsg(), "AAECAwQF"));

	ck_assert_int_eq(hl_config_parse(KEY OTHER, &c), HL_OK);
	ck_assert_int_eq(c.has_prev_master_key, 1);
	ck_assert_int_eq(c.prev_master_key[0], 31);
	ck_assert_int_eq(c.prev_master_key[31], 62);
	ck_assert_int_eq(hl_config_parse("Security.MasterKey = "
		"HyAhIiMkJSYnKCkqKywtLi8wMTIzNDU2Nzg5Ojs8PT4=\n", &old), HL_OK);
	ck_assert_int_eq(hl_config_parse("Security.MasterKey = "
		"PT4/QEFCQ0RFRkdISUpLTE1OT1BRUlNUVVZXWFlaW1w=\n", &third), HL_OK);
	ck_assert_int_eq(hl_seal(c.master_key, "new", &sealed_new), HL_OK);
	ck_assert_int_eq(hl_seal(old.master_key, "old", &sealed_old), HL_OK);
	ck_assert_int_eq(hl_seal(third.master_key, "third", &sealed_third), HL_OK);
	ck_assert_int_eq(hl_config_unseal(&c, sealed_new, &plain), HL_OK);
	ck_assert_str_eq(plain, "new");
	hl_secret_free(plain);
	ck_assert_int_eq(hl_config_unseal(&c, sealed_old, &plain), HL_OK);
	ck_assert_str_eq(plain, "old");
	hl_secret_free(plain);
	ck_assert_int_eq(hl_config_unseal(&c, sealed_third, &plain), HL_ERR_CRYPTO);
	ck_assert_ptr_null(plain);
	/* Without the previous key the old value does not open. */
	ck_assert_int_eq(hl_config_unseal(&third, sealed_old, &plain), HL_ERR_CRYPTO);
	ck_assert_int_eq(hl_config_unseal(&old, sealed_old, &plain), HL_OK);
	hl_secret_free(plain);
	free(sealed_new);
	free(sealed_old);
	free(sealed_third);
	hl_config_free(&c);
	hl_config_free(&old);
	hl_config_free(&third);
	ck_assert_int_eq(c.has_prev_master_key, 0);
	ck_assert_int_eq(c.prev_master_key[31], 0);
}
END_TEST

/* A line ClearSilver cannot parse is named by its number, never shown:
 * it may be a secret with a typo in it. */
START_TEST(test_parse_error_never_echoes_the_line)
{
	static const char *const bad[] = {
		KEY "Database {\n  Password s3cr3t-pw\n}\n",
		KEY "Database.Password != s3cr3t-pw\n",
		KEY "Database..Password = s3cr3t-pw\n",
		KEY "[s3cr3t-pw\n",
	};
	struct hl_config c;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_assert_int_eq(hl_config_parse(bad[i], &c), HL_ERR_CONFIG);
		ck_assert_msg(strstr(hl_errmsg(), "s3cr3t") == NULL, "%s", hl_errmsg());
		ck_assert_msg(strstr(hl_errmsg(), "not valid HDF") != NULL, "%s", hl_errmsg());
	}
	ck_assert_int_eq(hl_config_parse(bad[0], &c), HL_ERR_CONFIG);
	ck_assert_msg(strstr(hl_errmsg(), "line 3 ") != NULL, "%s", hl_errmsg());
}
END_TEST

/* A short HS256 secret can be guessed offline from any one token. */
START_TEST(test_jwt_secret_long_enough_and_never_echoed)
{
	struct hl_config c;

	expect_bad(KEY "Auth.JwtHs256Secret = hunter2-secret\n", "Auth.JwtHs256Secret");
	ck_assert_ptr_null(strstr(hl_errmsg(), "hunter2"));
	ck_assert_int_eq(hl_config_parse(KEY "Auth.JwtHs256Secret = "
		"0123456789abcdef0123456789abcdef\n", &c), HL_OK);
	ck_assert_str_eq(c.jwt_hs256_secret, "0123456789abcdef0123456789abcdef");
	hl_config_free(&c);
}
END_TEST

/* Both JWT keys: one would be ignored without a word. */
START_TEST(test_jwt_one_algorithm)
{
	expect_bad(KEY "Auth.JwtHs256Secret = 0123456789abcdef0123456789abcdef\n"
		"Auth.JwtRs256PublicKeyFile = /etc/hookline/idp.pem\n", "Auth.JwtRs256PublicKeyFile");
	ck_assert_ptr_nonnull(strstr(hl_errmsg(), "both set"));
	ck_assert_ptr_null(strstr(hl_errmsg(), "0123456789abcdef"));
}
END_TEST

START_TEST(test_missing_file)
{
	struct hl_config c;

	ck_assert_int_eq(hl_config_load("/nonexistent/hookline.hdf", &c), HL_ERR_CONFIG);
	ck_assert_ptr_nonnull(strstr(hl_errmsg(), "/nonexistent/hookline.hdf"));
	ck_assert_ptr_nonnull(strstr(hl_errmsg(), "HOOKLINE_CONFIG"));
}
END_TEST

START_TEST(test_path_resolution)
{
	setenv("HOOKLINE_CONFIG", "/from/env.hdf", 1);
	ck_assert_str_eq(hl_config_path("/explicit.hdf"), "/explicit.hdf");
	ck_assert_str_eq(hl_config_path(NULL), "/from/env.hdf");
	unsetenv("HOOKLINE_CONFIG");
	ck_assert_ptr_nonnull(strstr(hl_config_path(NULL), "hookline.hdf"));
}
END_TEST

/* docs/hookline.hdf.example, with its master key filled in as its
 * comment says, is a configuration the programs accept: no key in it is
 * misspelt or out of range. */
START_TEST(test_documented_example_is_accepted)
{
	static const char placeholder[] = "MasterKey = REPLACE-ME\n";
	const char *top = getenv("top_srcdir");
	char path[4096], file[8192], text[8192 + 64], *mark;
	struct hl_config c;
	size_t n;
	FILE *f;

	snprintf(path, sizeof(path), "%s/docs/hookline.hdf.example", top ? top : ".");
	f = fopen(path, "r");
	ck_assert_msg(f != NULL, "cannot read %s", path);
	n = fread(file, 1, sizeof(file) - 1, f);
	fclose(f);
	ck_assert_uint_lt(n, sizeof(file) - 1);
	file[n] = '\0';
	mark = strstr(file, placeholder);
	ck_assert_msg(mark != NULL, "%s has no line %s", path, placeholder);
	*mark = '\0';
	snprintf(text, sizeof(text), "%sMasterKey = AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n%s",
		file, mark + strlen(placeholder));
	ck_assert_msg(hl_config_parse(text, &c) == HL_OK, "%s: %s", path, hl_errmsg());
	ck_assert_str_eq(c.db_socket, "/run/mysqld/mysqld.sock");
	ck_assert_int_eq(c.cookie_secure, 1);
	ck_assert_int_eq(c.master_key[31], 31);
	hl_config_free(&c);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("config");
	TCase *tc = tcase_create("config");

	tcase_add_test(tc, test_defaults);
	tcase_add_test(tc, test_values);
	tcase_add_test(tc, test_errors_name_the_key);
	tcase_add_test(tc, test_master_key_never_echoed);
	tcase_add_test(tc, test_previous_master_key);
	tcase_add_test(tc, test_parse_error_never_echoes_the_line);
	tcase_add_test(tc, test_jwt_secret_long_enough_and_never_echoed);
	tcase_add_test(tc, test_jwt_one_algorithm);
	tcase_add_test(tc, test_missing_file);
	tcase_add_test(tc, test_path_resolution);
	tcase_add_test(tc, test_documented_example_is_accepted);
	suite_add_tcase(s, tc);
	return hl_check_run(s);
}
