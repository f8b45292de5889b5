/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * tyche-fetch - what cron runs: pull signed data and model releases by
 * HTTPS GET, verify, quality-check and switch them in atomically; plus the
 * publisher's keygen and sign, and trust-key (the admin's explicit reset
 * of the trusted version after a fast-forward).  See doc/tyche-fetch.1 and
 * doc/fetch-protocol.md.
 *
 * Silence is success: cron mails any output, so nothing is printed on
 * success without --verbose.  Every source is tried even when one fails;
 * the exit code is that of the first failure, one code per failure class
 * (the admin's script must tell "network down, try later" from "someone
 * tampered with the release").
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "tyche.h"

enum {
	EX_OK_ = 0, EX_USAGE_ = 64, EX_VERIFY_ = 65, EX_NETWORK_ = 69,
	EX_SOFTWARE_ = 70, EX_INSTALL_ = 73, EX_LOCKED_ = 75, EX_CONFIG_ = 78,
	EX_GATE_ = 79
};

static const char usage_text[] =
	"usage: tyche-fetch [--config FILE] [--verbose] [--dry-run] [--syslog] [SOURCE...]\n"
	"       tyche-fetch [--config FILE] --rollback SOURCE\n"
	"       tyche-fetch trust-key [--config FILE] --source SOURCE --key KEY [--reset-version]\n"
	"       tyche-fetch keygen NAME\n"
	"       tyche-fetch sign --key NAME.key --source SOURCE --version N\n"
	"                        --expires YYYY-MM-DDTHH:MM:SSZ [--bundle] SRC_DIR OUT_DIR\n"
	"       tyche-fetch sign-file --key NAME.key FILE\n"
	"\n"
	"Updates every configured source (or the named ones) from its signed\n"
	"manifest.  Default config: /etc/tyche/tyche.yml ($TYCHE_CONFIG).\n"
	"Exit codes: 0 ok, 64 usage, 65 verification, 69 network, 73 install,\n"
	"75 another run holds the lock, 78 config, 79 quality gate.\n";

static int use_syslog, verbose;

static int exit_for(int cls)
{
	switch (cls) {
	case TYCHE_FETCH_OK: return EX_OK_;
	case TYCHE_FETCH_CONFIG: return EX_CONFIG_;
	case TYCHE_FETCH_NETWORK: return EX_NETWORK_;
	case TYCHE_FETCH_VERIFY: return EX_VERIFY_;
	case TYCHE_FETCH_GATE: return EX_GATE_;
	case TYCHE_FETCH_INSTALL: return EX_INSTALL_;
	case TYCHE_FETCH_LOCKED: return EX_LOCKED_;
	default: return EX_SOFTWARE_;
	}
}

static const char *class_name(int cls)
{
	switch (cls) {
	case TYCHE_FETCH_CONFIG: return "config error";
	case TYCHE_FETCH_NETWORK: return "network error";
	case TYCHE_FETCH_VERIFY: return "verification failed";
	case TYCHE_FETCH_GATE: return "quality gate refused the release";
	case TYCHE_FETCH_INSTALL: return "install failed";
	case TYCHE_FETCH_LOCKED: return "busy";
	default: return "error";
	}
}

static void report_failure(const char *source, const tyche_fetch_result *res,
			   const tyche_error *err)
{
	char buf[2048];
	const char *url = res->url;

	tyche_error_format(err, buf, sizeof(buf));
	/* the URL is usually err->where already; name it once */
	if (!url[0] || !strcmp(url, err->where))
		url = NULL;
	fprintf(stderr, "tyche-fetch: %s: %s%s%s (%s)\n", source, url ? url : "",
		url ? ": " : "", buf, class_name(res->cls));
	if (use_syslog)
		syslog(LOG_ERR, "%s: %s%s%s (%s)", source, url ? url : "", url ? ": " : "",
		       buf, class_name(res->cls));
}

static void report_ok(const char *source, const tyche_fetch_result *r, int dry)
{
	char line[1024];

	if (dry && r->changed)
		snprintf(line, sizeof(line),
			 "%s: would update version %lld -> %lld (%zu files to download, %llu bytes; %zu unchanged, %zu removed)",
			 source, r->from_version, r->to_version, r->files_changed, r->bytes,
			 r->files_kept, r->files_removed);
	else if (r->changed)
		snprintf(line, sizeof(line),
			 "%s: updated version %lld -> %lld (%zu files downloaded, %llu bytes; %zu unchanged, %zu removed; %zu contexts checked)",
			 source, r->from_version, r->to_version, r->files_changed, r->bytes,
			 r->files_kept, r->files_removed, r->contexts);
	else
		snprintf(line, sizeof(line), "%s: up to date (version %lld)", source,
			 r->to_version);
	if (verbose || dry)
		printf("%s\n", line);
	if (use_syslog && (r->changed || verbose))
		syslog(LOG_INFO, "%s%s", dry ? "dry run: " : "", line);
}

static int cmd_keygen(int argc, char **argv)
{
	tyche_error err = { 0 };
	char buf[1200];

	if (argc != 2) {
		fputs("usage: tyche-fetch keygen NAME\n", stderr);
		return EX_USAGE_;
	}
	if (tyche_fetch_keygen(argv[1], &err)) {
		fprintf(stderr, "tyche-fetch: keygen: %s\n", tyche_error_format(&err, buf, sizeof(buf)));
		return EX_INSTALL_;
	}
	return 0;
}

/* Versions are exact integers from 1 to 2^53-1 (JSON numbers are doubles):
 * only decimal digits, so "1e3", "1.5", "+7" and " 7" are refused. */
static int parse_version(const char *s, long long *out)
{
	unsigned long long v;
	const char *c;
	char *end;

	for (c = s; *c >= '0' && *c <= '9'; c++)
		;
	if (!*s || *c) {
		fprintf(stderr, "tyche-fetch: sign: --version '%s' is not an integer (decimal digits only, from 1 to 9007199254740991)\n",
			s);
		return -1;
	}
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || v < 1 || v > 9007199254740991ull) {
		fprintf(stderr, "tyche-fetch: sign: --version %s is out of range: versions go from 1 to 9007199254740991 (2^53-1, the largest integer a JSON number holds exactly)\n",
			s);
		return -1;
	}
	*out = (long long)v;
	return 0;
}

static int cmd_trust_key(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "source", required_argument, NULL, 's' },
		{ "key", required_argument, NULL, 'k' },
		{ "reset-version", no_argument, NULL, 'r' },
		{ NULL, 0, NULL, 0 }
	};
	const char *config = getenv("TYCHE_CONFIG"), *source = NULL, *key = NULL;
	tyche_fetch_config *cfg = NULL;
	tyche_fetch_result res;
	tyche_error err = { 0 };
	int c, reset = 0, status = 0, bad = 0;
	char buf[1200];

	optind = 1;
	while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (c) {
		case 'c': config = optarg; break;
		case 's': source = optarg; break;
		case 'k': key = optarg; break;
		case 'r': reset = 1; break;
		default: bad = 1; break;
		}
		if (bad)
			break;
	}
	if (bad || !source || !key || optind != argc) {
		fputs("usage: tyche-fetch trust-key [--config FILE] --source SOURCE --key KEY [--reset-version]\n", stderr);
		return EX_USAGE_;
	}
	if (!config || !*config)
		config = "/etc/tyche/tyche.yml";
	if (tyche_fetch_config_load(&cfg, config, &err)) {
		fprintf(stderr, "tyche-fetch: %s (config error)\n",
			tyche_error_format(&err, buf, sizeof(buf)));
		return EX_CONFIG_;
	}
	if (tyche_fetch_trust_key(cfg, source, key, reset, &res, &err)) {
		report_failure(source, &res, &err);
		status = exit_for(res.cls);
	} else if (reset) {
		printf("%s: trusted version %lld set aside; the next release signed by this key is accepted whatever its version\n",
		       source, res.from_version);
	} else {
		printf("%s: the key is trusted\n", source);
	}
	tyche_fetch_config_free(cfg);
	return status;
}

static int cmd_sign(int argc, char **argv, int file_only)
{
	static const struct option lo[] = {
		{ "key", required_argument, NULL, 'k' },
		{ "source", required_argument, NULL, 's' },
		{ "version", required_argument, NULL, 'V' },
		{ "expires", required_argument, NULL, 'e' },
		{ "bundle", no_argument, NULL, 'b' },
		{ NULL, 0, NULL, 0 }
	};
	const char *key = NULL, *source = NULL, *expires = NULL;
	long long version = 0;
	int bundle = 0, c, rc;
	tyche_error err = { 0 };
	char buf[1200];

	optind = 1;
	while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (c) {
		case 'k': key = optarg; break;
		case 's': source = optarg; break;
		case 'e': expires = optarg; break;
		case 'b': bundle = 1; break;
		case 'V':
			if (parse_version(optarg, &version))
				return EX_USAGE_;
			break;
		default:
			fputs(usage_text, stderr);
			return EX_USAGE_;
		}
	}
	if (file_only) {
		if (!key || argc - optind != 1) {
			fputs("usage: tyche-fetch sign-file --key NAME.key FILE\n", stderr);
			return EX_USAGE_;
		}
		rc = tyche_fetch_sign_file(key, argv[optind], &err);
	} else {
		if (!key || !source || !version || !expires || argc - optind != 2) {
			fputs("usage: tyche-fetch sign --key NAME.key --source SOURCE --version N --expires YYYY-MM-DDTHH:MM:SSZ [--bundle] SRC_DIR OUT_DIR\n",
			      stderr);
			return EX_USAGE_;
		}
		rc = tyche_fetch_sign(key, source, version, expires, argv[optind],
				      argv[optind + 1], bundle, &err);
	}
	if (rc) {
		fprintf(stderr, "tyche-fetch: sign: %s\n", tyche_error_format(&err, buf, sizeof(buf)));
		return rc == TYCHE_EUSAGE ? EX_USAGE_ : rc == TYCHE_EDATA ? EX_VERIFY_ : EX_INSTALL_;
	}
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "dry-run", no_argument, NULL, 'n' },
		{ "syslog", no_argument, NULL, 'S' },
		{ "rollback", no_argument, NULL, 'R' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'X' },
		{ NULL, 0, NULL, 0 }
	};
	const char *config = getenv("TYCHE_CONFIG");
	tyche_fetch_opts fo = TYCHE_FETCH_OPTS_INIT;
	tyche_fetch_config *cfg = NULL;
	tyche_error err = { 0 };
	int c, rollback = 0, status = 0;
	char buf[1200];
	size_t i;

	if (argc > 1 && !strcmp(argv[1], "keygen"))
		return cmd_keygen(argc - 1, argv + 1);
	if (argc > 1 && !strcmp(argv[1], "trust-key"))
		return cmd_trust_key(argc - 1, argv + 1);
	if (argc > 1 && !strcmp(argv[1], "sign"))
		return cmd_sign(argc - 1, argv + 1, 0);
	if (argc > 1 && !strcmp(argv[1], "sign-file"))
		return cmd_sign(argc - 1, argv + 1, 1);
	while ((c = getopt_long(argc, argv, "c:vn", lo, NULL)) != -1) {
		switch (c) {
		case 'c': config = optarg; break;
		case 'v': verbose = 1; break;
		case 'n': fo.dry_run = 1; break;
		case 'S': use_syslog = 1; break;
		case 'R': rollback = 1; break;
		case 'h': fputs(usage_text, stdout); return 0;
		case 'X': printf("tyche-fetch %s\n", tyche_version()); return 0;
		default: fputs(usage_text, stderr); return EX_USAGE_;
		}
	}
	if (!config || !*config)
		config = "/etc/tyche/tyche.yml";
	if (rollback && (argc - optind != 1 || fo.dry_run)) {
		fputs("tyche-fetch: --rollback takes exactly one SOURCE (and no --dry-run)\n", stderr);
		return EX_USAGE_;
	}
	if (use_syslog)
		openlog("tyche-fetch", LOG_PID, LOG_DAEMON);
	if (tyche_fetch_config_load(&cfg, config, &err)) {
		fprintf(stderr, "tyche-fetch: %s (config error)\n",
			tyche_error_format(&err, buf, sizeof(buf)));
		if (use_syslog)
			syslog(LOG_ERR, "%s (config error)", buf);
		return EX_CONFIG_;
	}
	if (rollback) {
		tyche_fetch_result res;

		if (tyche_fetch_rollback(cfg, argv[optind], &res, &err)) {
			report_failure(argv[optind], &res, &err);
			status = exit_for(res.cls);
		} else {
			if (verbose)
				printf("%s: rolled back version %lld -> %lld\n", argv[optind],
				       res.from_version, res.to_version);
			if (use_syslog)
				syslog(LOG_NOTICE, "%s: rolled back version %lld -> %lld",
				       argv[optind], res.from_version, res.to_version);
		}
		tyche_fetch_config_free(cfg);
		return status;
	}
	for (i = optind; (int)i < argc; i++) {
		size_t k;

		for (k = 0; k < tyche_fetch_config_count(cfg); k++)
			if (!strcmp(tyche_fetch_config_name(cfg, k), argv[i]))
				break;
		if (k == tyche_fetch_config_count(cfg)) {
			fprintf(stderr, "tyche-fetch: %s: no such source in %s (config error)\n",
				argv[i], config);
			tyche_fetch_config_free(cfg);
			return EX_CONFIG_;
		}
	}
	for (i = 0; i < tyche_fetch_config_count(cfg); i++) {
		const char *name = tyche_fetch_config_name(cfg, i);
		tyche_diags diags = TYCHE_DIAGS_INIT;
		tyche_fetch_result res;
		int j, wanted = optind == argc;

		for (j = optind; j < argc && !wanted; j++)
			wanted = !strcmp(argv[j], name);
		if (!wanted)
			continue;
		memset(&err, 0, sizeof(err));
		if (tyche_fetch_update(cfg, name, &fo, &res, &diags, &err)) {
			report_failure(name, &res, &err);
			tyche_diags_print(&diags, stderr);
			if (!status)
				status = exit_for(res.cls);
		} else {
			report_ok(name, &res, fo.dry_run);
		}
		tyche_diags_release(&diags);
	}
	tyche_fetch_config_free(cfg);
	if (use_syslog)
		closelog();
	return status;
}
