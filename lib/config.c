/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * config.c - the one reader of the server config, /etc/tyche/tyche.yml
 * (tyche/config.h), with libyaml's document API:
 *
 *   contexts: /srv/tyche/contexts      # directory of decision contexts
 *   store: /srv/tyche/store            # scenario store
 *   cache: /srv/tyche/cache            # analysis cache
 *   models: /srv/tyche/models          # optional model search path
 *   single_user: false                 # true: no REMOTE_USER needed
 *   defaults: { samples: 1000, seed: 1 }
 *   allowed_hosts: [tyche.example.org] # Host / Origin names (default:
 *                                      # localhost, 127.0.0.1, ::1)
 *   request_limits: { wall_seconds: 30, cpu_seconds: 30 }
 *   admins: [alice]                    # may promote a shared user study
 *   uploads: { max_bytes: 33554432, max_files: 64, max_unpacked: ...,
 *              max_studies: 20, max_user_bytes: ... }   # user studies
 *   proxy: http://proxy.example:3128   # tyche-fetch's HTTPS proxy
 *   sources:                           # tyche-fetch's release sources
 *     - { name: lake, url: https://..., keys: [BASE64], dest: /abs,
 *         ca_file: ..., max_bytes: N, timeout: S, retries: N }
 *
 * Both tyche.cgi and tyche-fetch read it through here, so every key is
 * checked by both: a typo ("stroe", "maxbytes") is an error with its
 * file:line:col, never a silent fallback to a default.
 *
 * Easy to get wrong:
 *  - libyaml keeps both pairs of a key given twice in one mapping; "last
 *    one wins" would hide a typo, and a second 'sources' or 'keys' list
 *    must not be merged into arrays sized for the first: once() refuses
 *    it, in every mapping.
 *  - allowed_hosts replaces the loopback default rather than adding to
 *    it: a deployment names every name its users type, and nothing else
 *    answers.
 *  - Versions of libyaml report marks 0-based: line and column + 1.
 *  - What a program needs (contexts for the CGI, sources for the fetcher)
 *    is checked after the whole file, with the need flags, so each
 *    program reports its own missing key and accepts the other's.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>
#include <yaml.h>

#include "internal.h"

#define DEFAULT_MAX_BYTES (1ull << 30)
#define DEFAULT_TIMEOUT 300L

struct cfg {
	yaml_document_t *doc;
	const char *path;
	tyche_error *err;
};

static int cerr(struct cfg *p, yaml_node_t *n, const char *fmt, ...) TY_PRINTF(3, 4);
static int cerr(struct cfg *p, yaml_node_t *n, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	ty_error_v(p->err, TYCHE_EDATA, p->path, n ? (int)n->start_mark.line + 1 : 0,
		   n ? (int)n->start_mark.column + 1 : 0, fmt, ap);
	va_end(ap);
	return TYCHE_EDATA;
}

static const char *scalar(yaml_node_t *n)
{
	return n && n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value : NULL;
}

/* A key given twice in one mapping is an error (see the top). */
static int once(struct cfg *p, yaml_node_t *kn, const char *k, const char *const *names,
		unsigned *seen)
{
	for (unsigned i = 0; names[i]; i++)
		if (!strcmp(k, names[i])) {
			if (*seen & (1u << i))
				return cerr(p, kn, "'%s' is given twice", k);
			*seen |= 1u << i;
		}
	return 0;
}

/* ------------------------------------------------------------ values */

static int get_dir(struct cfg *p, yaml_node_t *v, const char *key, char **out)
{
	const char *s = scalar(v);

	if (!s || !*s)
		return cerr(p, v, "'%s': expected a directory name", key);
	free(*out);
	*out = ty_strdup(s);
	return *out ? 0 : cerr(p, v, "out of memory");
}

static int get_str(struct cfg *p, yaml_node_t *n, const char *key, char **out)
{
	const char *s = scalar(n);

	if (!s || !*s)
		return cerr(p, n, "'%s': expected a non-empty string", key);
	free(*out);
	*out = ty_strdup(s);
	return *out ? 0 : cerr(p, n, "out of memory");
}

static int get_bool(struct cfg *p, yaml_node_t *v, const char *key, int *out)
{
	const char *s = scalar(v);

	if (s && !strcmp(s, "true"))
		*out = 1;
	else if (s && !strcmp(s, "false"))
		*out = 0;
	else
		return cerr(p, v, "'%s': expected true or false", key);
	return 0;
}

/* The CGI's integers: "expected an integer from LO to HI". */
static int get_uint(struct cfg *p, yaml_node_t *v, const char *key, unsigned long long lo,
		    unsigned long long hi, unsigned long long *out)
{
	const char *s = scalar(v);
	char *end;

	errno = 0;
	if (s && *s >= '0' && *s <= '9') {
		*out = strtoull(s, &end, 10);
		if (!*end && !errno && *out >= lo && *out <= hi)
			return 0;
	}
	return cerr(p, v, "'%s': expected an integer from %llu to %llu", key, lo, hi);
}

/* A source's integers name what was found as well. */
static int get_num(struct cfg *p, yaml_node_t *n, const char *key, unsigned long long lo,
		   unsigned long long hi, unsigned long long *out)
{
	const char *s = scalar(n);
	char *end;
	unsigned long long v;

	if (!s || !*s || *s == '-' || *s == '+')
		goto bad;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || *end || v < lo || v > hi)
		goto bad;
	*out = v;
	return 0;
bad:
	return cerr(p, n, "'%s': expected an integer from %llu to %llu, found '%s'", key, lo, hi,
		    s ? s : "(not a scalar)");
}

static int get_seconds(struct cfg *p, yaml_node_t *v, const char *key, double *out)
{
	const char *s = scalar(v);
	char *end;

	errno = 0;
	if (s && *s >= '0' && *s <= '9') {
		*out = strtod(s, &end);
		if (!*end && !errno && *out >= 0.001 && *out <= 86400)
			return 0;
	}
	return cerr(p, v, "'%s': expected a number of seconds from 0.001 to 86400", key);
}

/* ------------------------------------------------------------ tyche.cgi's keys */

static int parse_defaults(struct cfg *p, yaml_node_t *m, tyche_server_config *c)
{
	static const char *const names[] = { "samples", "seed", NULL };
	unsigned seen = 0;

	if (m->type != YAML_MAPPING_NODE)
		return cerr(p, m, "'defaults': expected a mapping with samples and seed");
	for (yaml_node_pair_t *pr = m->data.mapping.pairs.start; pr < m->data.mapping.pairs.top; pr++) {
		yaml_node_t *kn = yaml_document_get_node(p->doc, pr->key);
		yaml_node_t *vn = yaml_document_get_node(p->doc, pr->value);
		const char *k = scalar(kn);
		unsigned long long v;

		if (k && once(p, kn, k, names, &seen))
			return TYCHE_EDATA;
		if (k && !strcmp(k, "samples")) {
			if (get_uint(p, vn, "defaults.samples", 1, 1000000, &v))
				return TYCHE_EDATA;
			c->samples = (long)v;
		} else if (k && !strcmp(k, "seed")) {
			if (get_uint(p, vn, "defaults.seed", 0, UINT64_MAX, &v))
				return TYCHE_EDATA;
			c->seed = v;
		} else {
			return cerr(p, kn, "unknown key 'defaults.%.80s' (expected samples, seed)",
				    k ? k : "?");
		}
	}
	return 0;
}

static int parse_limits(struct cfg *p, yaml_node_t *m, tyche_server_config *c)
{
	static const char *const names[] = { "wall_seconds", "cpu_seconds", NULL };
	unsigned seen = 0;

	if (m->type != YAML_MAPPING_NODE)
		return cerr(p, m, "'request_limits': expected a mapping with wall_seconds and cpu_seconds");
	for (yaml_node_pair_t *pr = m->data.mapping.pairs.start; pr < m->data.mapping.pairs.top; pr++) {
		yaml_node_t *kn = yaml_document_get_node(p->doc, pr->key);
		yaml_node_t *vn = yaml_document_get_node(p->doc, pr->value);
		const char *k = scalar(kn);

		if (k && once(p, kn, k, names, &seen))
			return TYCHE_EDATA;
		if (k && !strcmp(k, "wall_seconds")) {
			if (get_seconds(p, vn, "request_limits.wall_seconds", &c->wall_seconds))
				return TYCHE_EDATA;
		} else if (k && !strcmp(k, "cpu_seconds")) {
			if (get_seconds(p, vn, "request_limits.cpu_seconds", &c->cpu_seconds))
				return TYCHE_EDATA;
		} else {
			return cerr(p, kn, "unknown key 'request_limits.%.80s' "
				    "(expected wall_seconds, cpu_seconds)", k ? k : "?");
		}
	}
	return 0;
}

static int add_host(tyche_server_config *c, const char *h)
{
	char **v = ty_realloc(c->allowed_hosts, (c->nallowed_hosts + 1) * sizeof(*v));

	if (!v)
		return -1;
	c->allowed_hosts = v;
	if (!(v[c->nallowed_hosts] = ty_strdup(h)))
		return -1;
	c->nallowed_hosts++;
	return 0;
}

static int parse_hosts(struct cfg *p, yaml_node_t *m, tyche_server_config *c)
{
	if (m->type != YAML_SEQUENCE_NODE || m->data.sequence.items.start == m->data.sequence.items.top)
		return cerr(p, m, "'allowed_hosts': expected a list of host names "
			    "(as in [tyche.example.org, localhost])");
	for (yaml_node_item_t *it = m->data.sequence.items.start; it < m->data.sequence.items.top; it++) {
		yaml_node_t *vn = yaml_document_get_node(p->doc, *it);
		const char *h = scalar(vn);
		char name[256], port[8];

		if (!h || tyche_host_split(h, name, sizeof(name), port, sizeof(port)))
			return cerr(p, vn, "'allowed_hosts': '%.100s' is not a host name, "
				    "an IP address or either with :port", h ? h : "(not a string)");
		if (add_host(c, h))
			return cerr(p, vn, "out of memory");
	}
	return 0;
}

static int parse_admins(struct cfg *p, yaml_node_t *m, tyche_server_config *c)
{
	if (m->type != YAML_SEQUENCE_NODE)
		return cerr(p, m, "'admins': expected a list of user names (as in [alice, bob])");
	for (yaml_node_item_t *it = m->data.sequence.items.start; it < m->data.sequence.items.top; it++) {
		yaml_node_t *vn = yaml_document_get_node(p->doc, *it);
		const char *u = scalar(vn);
		char **v;

		if (!u || !*u || strlen(u) > 64)
			return cerr(p, vn, "'admins': expected a user name of 1 to 64 characters");
		v = ty_realloc(c->admins, (c->nadmins + 1) * sizeof(*v));
		if (!v)
			return cerr(p, vn, "out of memory");
		c->admins = v;
		if (!(v[c->nadmins] = ty_strdup(u)))
			return cerr(p, vn, "out of memory");
		c->nadmins++;
	}
	return 0;
}

static int parse_uploads(struct cfg *p, yaml_node_t *m, tyche_server_config *c)
{
	static const char *const names[] = { "max_bytes", "max_files", "max_unpacked",
					     "max_studies", "max_user_bytes", NULL };
	unsigned long long *dst[] = { &c->uploads.max_bytes, &c->uploads.max_files,
				      &c->uploads.max_unpacked, &c->uploads.max_studies,
				      &c->uploads.max_user_bytes };
	unsigned seen = 0;

	if (m->type != YAML_MAPPING_NODE)
		return cerr(p, m, "'uploads': expected a mapping with max_bytes, max_files, "
			    "max_unpacked, max_studies, max_user_bytes");
	for (yaml_node_pair_t *pr = m->data.mapping.pairs.start; pr < m->data.mapping.pairs.top; pr++) {
		yaml_node_t *kn = yaml_document_get_node(p->doc, pr->key);
		yaml_node_t *vn = yaml_document_get_node(p->doc, pr->value);
		const char *k = scalar(kn);
		size_t i;
		char key[64];

		if (k && once(p, kn, k, names, &seen))
			return TYCHE_EDATA;
		for (i = 0; names[i] && (!k || strcmp(k, names[i])); i++)
			;
		if (!names[i])
			return cerr(p, kn, "unknown key 'uploads.%.80s' (expected max_bytes, "
				    "max_files, max_unpacked, max_studies, max_user_bytes)", k ? k : "?");
		snprintf(key, sizeof key, "uploads.%s", names[i]);
		if (get_num(p, vn, key, 0, 1ull << 50, dst[i]))
			return TYCHE_EDATA;
	}
	return 0;
}

int tyche_server_config_is_admin(const tyche_server_config *c, const char *user)
{
	if (!c || !user)
		return 0;
	for (size_t i = 0; i < c->nadmins; i++)
		if (!strcmp(c->admins[i], user))
			return 1;
	return 0;
}

/* ------------------------------------------------------------ tyche-fetch's keys */

static int https_url(const char *u)
{
	return !strncmp(u, "https://", 8) && u[8] && u[8] != '/';
}

static int parse_keys(struct cfg *p, yaml_node_t *n, tyche_server_source *s)
{
	size_t k = 0, cnt;

	if (!n || n->type != YAML_SEQUENCE_NODE)
		return cerr(p, n, "'keys': expected a list of base64 Ed25519 public keys");
	cnt = (size_t)(n->data.sequence.items.top - n->data.sequence.items.start);
	if (!cnt)
		return cerr(p, n, "'keys': expected at least one key");
	/* here, not for every config: a CGI request whose config names no
	 * source keys does not pay for libsodium's CPU probing */
	if (sodium_init() < 0)
		return cerr(p, n, "libsodium failed to initialise");
	s->keys = ty_calloc(cnt, sizeof(*s->keys));
	if (!s->keys)
		return cerr(p, n, "out of memory");
	for (yaml_node_item_t *it = n->data.sequence.items.start; it < n->data.sequence.items.top; it++) {
		yaml_node_t *kn = yaml_document_get_node(p->doc, *it);
		const char *v = scalar(kn);
		size_t len = 0;

		if (!v || sodium_base642bin(s->keys[k], TYCHE_SOURCE_KEY_BYTES, v, strlen(v),
					    " \t\r\n", &len, NULL, sodium_base64_VARIANT_ORIGINAL) ||
		    len != TYCHE_SOURCE_KEY_BYTES)
			return cerr(p, kn, "'keys': '%s' is not a base64 Ed25519 public key (32 bytes)",
				    v ? v : "(not a scalar)");
		k++;
	}
	s->nkeys = k;
	return 0;
}

static int parse_source(struct cfg *p, yaml_node_t *n, tyche_server_source *s)
{
	static const char *const names[] = {
		"name", "url", "dest", "ca_file", "keys", "max_bytes", "timeout", "retries", NULL
	};
	unsigned long long v;
	unsigned seen = 0;
	int rc;

	if (n->type != YAML_MAPPING_NODE)
		return cerr(p, n, "a source: expected a mapping with name, url, keys, dest");
	s->max_bytes = DEFAULT_MAX_BYTES;
	s->timeout = DEFAULT_TIMEOUT;
	s->retries = 3;
	for (yaml_node_pair_t *pr = n->data.mapping.pairs.start; pr < n->data.mapping.pairs.top; pr++) {
		yaml_node_t *kn = yaml_document_get_node(p->doc, pr->key);
		yaml_node_t *vn = yaml_document_get_node(p->doc, pr->value);
		const char *k = scalar(kn);

		if (!k)
			return cerr(p, kn, "a source key must be a string");
		if (once(p, kn, k, names, &seen))
			return TYCHE_EDATA;
		if (!strcmp(k, "name"))
			rc = get_str(p, vn, k, &s->name);
		else if (!strcmp(k, "url"))
			rc = get_str(p, vn, k, &s->url);
		else if (!strcmp(k, "dest"))
			rc = get_str(p, vn, k, &s->dest);
		else if (!strcmp(k, "ca_file"))
			rc = get_str(p, vn, k, &s->ca_file);
		else if (!strcmp(k, "keys"))
			rc = parse_keys(p, vn, s);
		else if (!strcmp(k, "max_bytes")) {
			rc = get_num(p, vn, k, 1, 1ull << 50, &v);
			s->max_bytes = v;
		} else if (!strcmp(k, "timeout")) {
			rc = get_num(p, vn, k, 1, 86400, &v);
			s->timeout = (long)v;
		} else if (!strcmp(k, "retries")) {
			rc = get_num(p, vn, k, 0, 10, &v);
			s->retries = (int)v;
		} else
			return cerr(p, kn, "unknown source key '%s' (expected name, url, keys, dest, "
				    "ca_file, max_bytes, timeout, retries)", k);
		if (rc)
			return rc;
		if (!strcmp(k, "url") && !https_url(s->url))
			return cerr(p, vn, "'url': '%s' is not an https:// URL", s->url);
		if (!strcmp(k, "name")) {
			for (const char *q = s->name; *q; q++)
				if (!((*q >= 'a' && *q <= 'z') || (*q >= '0' && *q <= '9') || *q == '-'))
					return cerr(p, vn, "'name': '%s' must match [a-z0-9-]+", s->name);
		}
		if (!strcmp(k, "dest") && s->dest[0] != '/')
			return cerr(p, vn, "'dest': '%s' must be an absolute path", s->dest);
	}
	if (!s->name || !s->url || !s->keys || !s->dest)
		return cerr(p, n, "a source needs name, url, keys and dest");
	if (s->url[strlen(s->url) - 1] != '/') {
		char *u = ty_asprintf("%s/", s->url);

		if (!u)
			return cerr(p, n, "out of memory");
		free(s->url);
		s->url = u;
	}
	return 0;
}

static int parse_sources(struct cfg *p, yaml_node_t *vn, tyche_server_config *c)
{
	size_t cnt;

	if (vn->type != YAML_SEQUENCE_NODE)
		return cerr(p, vn, "'sources': expected a list of sources");
	cnt = (size_t)(vn->data.sequence.items.top - vn->data.sequence.items.start);
	c->sources = ty_calloc(cnt ? cnt : 1, sizeof(*c->sources));
	if (!c->sources)
		return cerr(p, vn, "out of memory");
	for (yaml_node_item_t *it = vn->data.sequence.items.start; it < vn->data.sequence.items.top; it++) {
		yaml_node_t *sn = yaml_document_get_node(p->doc, *it);
		int rc = parse_source(p, sn, &c->sources[c->nsources]);

		c->nsources++;
		if (rc)
			return rc;
		for (size_t j = 0; j + 1 < c->nsources; j++)
			if (!strcmp(c->sources[j].name, c->sources[c->nsources - 1].name))
				return cerr(p, sn, "source '%s' is defined twice", c->sources[j].name);
	}
	c->has_sources = 1;
	return 0;
}

/* ------------------------------------------------------------ the file */

#define TOP_KEYS "contexts, store, cache, models, single_user, defaults, allowed_hosts, " \
		 "request_limits, sources, proxy, admins, uploads"

static int parse_root(struct cfg *p, tyche_server_config *c, unsigned need)
{
	static const char *const names[] = {
		"contexts", "store", "cache", "models", "single_user", "defaults",
		"allowed_hosts", "request_limits", "sources", "proxy", "admins", "uploads", NULL
	};
	yaml_node_t *root = yaml_document_get_root_node(p->doc);
	unsigned seen = 0;

	if (!root || root->type != YAML_MAPPING_NODE)
		return cerr(p, root, "expected a mapping of keys (" TOP_KEYS ")");
	for (yaml_node_pair_t *pr = root->data.mapping.pairs.start; pr < root->data.mapping.pairs.top; pr++) {
		yaml_node_t *kn = yaml_document_get_node(p->doc, pr->key);
		yaml_node_t *vn = yaml_document_get_node(p->doc, pr->value);
		const char *k = scalar(kn);
		int rc;

		if (!k)
			return cerr(p, kn, "a top-level key must be a string");
		if (once(p, kn, k, names, &seen))
			return TYCHE_EDATA;
		if (!strcmp(k, "contexts"))
			rc = get_dir(p, vn, k, &c->contexts);
		else if (!strcmp(k, "store"))
			rc = get_dir(p, vn, k, &c->store);
		else if (!strcmp(k, "cache"))
			rc = get_dir(p, vn, k, &c->cache);
		else if (!strcmp(k, "models"))
			rc = get_dir(p, vn, k, &c->models);
		else if (!strcmp(k, "single_user"))
			rc = get_bool(p, vn, k, &c->single_user);
		else if (!strcmp(k, "defaults"))
			rc = parse_defaults(p, vn, c);
		else if (!strcmp(k, "allowed_hosts"))
			rc = parse_hosts(p, vn, c);
		else if (!strcmp(k, "request_limits"))
			rc = parse_limits(p, vn, c);
		else if (!strcmp(k, "sources"))
			rc = parse_sources(p, vn, c);
		else if (!strcmp(k, "proxy")) {
			const char *v = scalar(vn);

			if (!v || (strncmp(v, "http://", 7) && strncmp(v, "https://", 8)))
				return cerr(p, vn, "'proxy': expected an http:// or https:// URL");
			rc = get_str(p, vn, k, &c->proxy);
		} else if (!strcmp(k, "admins"))
			rc = parse_admins(p, vn, c);
		else if (!strcmp(k, "uploads"))
			rc = parse_uploads(p, vn, c);
		else
			return cerr(p, kn, "unknown top-level key '%.80s' (expected " TOP_KEYS ")", k);
		if (rc)
			return rc;
	}
	if (!c->nallowed_hosts && (add_host(c, "localhost") || add_host(c, "127.0.0.1") ||
				   add_host(c, "::1")))
		return cerr(p, root, "out of memory");
	if (need & TYCHE_CONFIG_NEED_SERVE) {
		if (!c->contexts)
			return cerr(p, root, "missing key 'contexts'");
		if (!c->store)
			return cerr(p, root, "missing key 'store'");
		if (!c->cache)
			return cerr(p, root, "missing key 'cache'");
	}
	if ((need & TYCHE_CONFIG_NEED_SOURCES) && !c->has_sources)
		return cerr(p, root, "no 'sources' list");
	return 0;
}

void tyche_server_config_free(tyche_server_config *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->nsources; i++) {
		tyche_server_source *s = &c->sources[i];

		free(s->name);
		free(s->url);
		free(s->dest);
		free(s->ca_file);
		free(s->keys);
	}
	free(c->sources);
	for (size_t i = 0; i < c->nallowed_hosts; i++)
		free(c->allowed_hosts[i]);
	free(c->allowed_hosts);
	for (size_t i = 0; i < c->nadmins; i++)
		free(c->admins[i]);
	free(c->admins);
	free(c->contexts);
	free(c->store);
	free(c->cache);
	free(c->models);
	free(c->proxy);
	free(c->path);
	free(c);
}

int tyche_server_config_load(tyche_server_config **out, const char *path, unsigned need,
			     tyche_error *err)
{
	tyche_server_config *c = NULL;
	yaml_parser_t parser;
	yaml_document_t doc;
	struct cfg p = { &doc, path, err };
	tyche_error rerr = { 0 };
	char *text = NULL;
	size_t len;
	int rc, have_doc = 0;

	*out = NULL;
	rc = ty_read_file(path, TYCHE_CONFIG_MAX_BYTES, &text, &len, &rerr);
	if (rc) {
		const char *m = rerr.msg;

		if (!strncmp(m, "cannot open: ", 13))
			m += 13;
		return ty_error_at(err, rc, path, 0, 0, "cannot read the config: %s", m);
	}
	c = ty_calloc(1, sizeof(*c));
	if (!c || !(c->path = ty_strdup(path))) {
		rc = ty_error_at(err, TYCHE_ENOMEM, path, 0, 0, "out of memory");
		goto out;
	}
	c->samples = 1000;
	c->seed = 1;
	{
		tyche_study_limits lim = TYCHE_STUDY_LIMITS_INIT;

		c->uploads = lim;
	}
	c->wall_seconds = 30;
	c->cpu_seconds = 30;
	if (!yaml_parser_initialize(&parser)) {
		rc = ty_error_at(err, TYCHE_ENOMEM, path, 0, 0, "out of memory");
		goto out;
	}
	yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
	if (!yaml_parser_load(&parser, &doc)) {
		rc = ty_error_at(err, TYCHE_EDATA, path, (int)parser.problem_mark.line + 1,
				 (int)parser.problem_mark.column + 1, "yaml: %s",
				 parser.problem ? parser.problem : "syntax error");
		yaml_parser_delete(&parser);
		goto out;
	}
	have_doc = 1;
	yaml_parser_delete(&parser);
	if ((rc = parse_root(&p, c, need)))
		goto out;
	*out = c;
	c = NULL;
out:
	if (have_doc)
		yaml_document_delete(&doc);
	tyche_server_config_free(c);
	free(text);
	return rc;
}

/* ------------------------------------------------------------ hosts */

int tyche_host_split(const char *s, char *name, size_t nn, char *port, size_t pn)
{
	const char *end, *colon;
	size_t len;

	*port = '\0';
	if (*s == '[') {
		end = strchr(s, ']');
		if (!end)
			return -1;
		len = (size_t)(end - s - 1);
		s++;
		colon = end[1] == ':' ? end + 1 : NULL;
		if (end[1] && !colon)
			return -1;
	} else {
		colon = strchr(s, ':');
		if (colon && strchr(colon + 1, ':'))
			colon = NULL;   /* a bare IPv6 literal */
		len = colon ? (size_t)(colon - s) : strlen(s);
	}
	if (colon) {
		size_t pl = strlen(colon + 1);

		if (pl == 0 || pl > 5 || pl >= pn || strspn(colon + 1, "0123456789") != pl)
			return -1;
		memcpy(port, colon + 1, pl + 1);
	}
	if (len && s[len - 1] == '.')
		len--;
	if (len == 0 || len >= nn)
		return -1;
	for (size_t i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)s[i];

		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
		      ch == '.' || ch == '-' || ch == ':' || ch == '_'))
			return -1;
		name[i] = (char)(ch >= 'A' && ch <= 'Z' ? ch + 32 : ch);
	}
	name[len] = '\0';
	return 0;
}

int tyche_server_config_host_allowed(const tyche_server_config *c, const char *hostport)
{
	char name[256], port[8], an[256], ap[8];

	if (!c || tyche_host_split(hostport, name, sizeof(name), port, sizeof(port)))
		return 0;
	for (size_t i = 0; i < c->nallowed_hosts; i++) {
		if (tyche_host_split(c->allowed_hosts[i], an, sizeof(an), ap, sizeof(ap)) ||
		    strcmp(an, name))
			continue;
		if (!*ap || !strcmp(ap, port))
			return 1;
	}
	return 0;
}
