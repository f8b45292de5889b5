/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * fetch-config.c - the sources: section of /etc/tyche/tyche.yml, read with
 * libyaml's document API.
 *
 * The file is shared with tyche.cgi, so its top-level keys (contexts, store,
 * cache, defaults, single_user, models, allowed_hosts, request_limits) are
 * accepted and skipped; anything else,
 * and any unknown key inside a source, is an error: a misspelt "max_bytes"
 * silently ignored would leave a limit unset on a cron job nobody watches.
 * A key given twice in one mapping is an error too (libyaml keeps both).
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>
#include <yaml.h>

#include "fetch.h"

struct cfg_parse {
	yaml_document_t *doc;
	const char *path;
	tyche_error *err;
};

static int cerr(struct cfg_parse *p, yaml_node_t *n, const char *fmt, ...)
	TY_PRINTF(3, 4);
static int cerr(struct cfg_parse *p, yaml_node_t *n, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	ty_error_v(p->err, TYCHE_EDATA, p->path,
		   n ? (int)n->start_mark.line + 1 : 0,
		   n ? (int)n->start_mark.column + 1 : 0, fmt, ap);
	va_end(ap);
	return TYCHE_FETCH_CONFIG;
}

static const char *scalar(yaml_node_t *n)
{
	return n && n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value
						: NULL;
}

static int get_str(struct cfg_parse *p, yaml_node_t *n, const char *key,
		   char **out)
{
	const char *s = scalar(n);

	if (!s || !*s)
		return cerr(p, n, "'%s': expected a non-empty string", key);
	free(*out);
	*out = ty_strdup(s);
	return *out ? 0 : cerr(p, n, "out of memory");
}

static int get_num(struct cfg_parse *p, yaml_node_t *n, const char *key,
		   unsigned long long lo, unsigned long long hi,
		   unsigned long long *out)
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
	return cerr(p, n, "'%s': expected an integer from %llu to %llu, found '%s'",
		    key, lo, hi, s ? s : "(not a scalar)");
}

static int https_url(const char *u)
{
	return !strncmp(u, "https://", 8) && u[8] && u[8] != '/';
}

static int parse_keys(struct cfg_parse *p, yaml_node_t *n,
		      struct ty_fetch_source *s)
{
	yaml_node_item_t *it;
	size_t k = 0, cnt;

	if (!n || n->type != YAML_SEQUENCE_NODE)
		return cerr(p, n, "'keys': expected a list of base64 Ed25519 public keys");
	cnt = (size_t)(n->data.sequence.items.top - n->data.sequence.items.start);
	if (!cnt)
		return cerr(p, n, "'keys': expected at least one key");
	s->keys = ty_calloc(cnt, sizeof(*s->keys));
	if (!s->keys)
		return cerr(p, n, "out of memory");
	for (it = n->data.sequence.items.start; it < n->data.sequence.items.top; it++) {
		yaml_node_t *kn = yaml_document_get_node(p->doc, *it);
		const char *v = scalar(kn);
		size_t len = 0;

		if (!v || sodium_base642bin(s->keys[k], TY_FETCH_KEY_BYTES, v,
					    strlen(v), " \t\r\n", &len, NULL,
					    sodium_base64_VARIANT_ORIGINAL) ||
		    len != TY_FETCH_KEY_BYTES)
			return cerr(p, kn, "'keys': '%s' is not a base64 Ed25519 public key (32 bytes)",
				    v ? v : "(not a scalar)");
		k++;
	}
	s->nkeys = k;
	return 0;
}

/* A key given twice in one mapping is an error (libyaml keeps both):
 * "last one wins" would hide a typo, and a second 'sources' or 'keys'
 * list must not be merged into arrays sized for the first. */
static int once(struct cfg_parse *p, yaml_node_t *kn, const char *k,
		const char *const *names, unsigned *seen)
{
	unsigned i;

	for (i = 0; names[i]; i++)
		if (!strcmp(k, names[i])) {
			if (*seen & (1u << i))
				return cerr(p, kn, "'%s' is given twice", k);
			*seen |= 1u << i;
		}
	return 0;
}

static int parse_source(struct cfg_parse *p, yaml_node_t *n,
			struct ty_fetch_source *s)
{
	static const char *const names[] = {
		"name", "url", "dest", "ca_file", "keys", "max_bytes", "timeout",
		"retries", NULL
	};
	yaml_node_pair_t *pr;
	unsigned long long v;
	unsigned seen = 0;
	int rc;

	if (n->type != YAML_MAPPING_NODE)
		return cerr(p, n, "a source: expected a mapping with name, url, keys, dest");
	s->max_bytes = TY_FETCH_DEFAULT_MAX_BYTES;
	s->timeout = TY_FETCH_DEFAULT_TIMEOUT;
	s->retries = 3;
	for (pr = n->data.mapping.pairs.start; pr < n->data.mapping.pairs.top; pr++) {
		yaml_node_t *kn = yaml_document_get_node(p->doc, pr->key);
		yaml_node_t *vn = yaml_document_get_node(p->doc, pr->value);
		const char *k = scalar(kn);

		if (!k)
			return cerr(p, kn, "a source key must be a string");
		if (once(p, kn, k, names, &seen))
			return TYCHE_FETCH_CONFIG;
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
			return cerr(p, kn, "unknown source key '%s' (expected name, url, keys, dest, ca_file, max_bytes, timeout, retries)", k);
		if (rc)
			return rc;
		if (!strcmp(k, "url") && !https_url(s->url))
			return cerr(p, vn, "'url': '%s' is not an https:// URL", s->url);
		if (!strcmp(k, "name")) {
			const char *c;

			for (c = s->name; *c; c++)
				if (!((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') ||
				      *c == '-'))
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

static int parse_root(struct cfg_parse *p, tyche_fetch_config *c)
{
	static const char *const names[] = {
		"sources", "proxy", "cache", "contexts", "store", "defaults",
		"single_user", "models", NULL
	};
	yaml_node_t *root = yaml_document_get_root_node(p->doc);
	yaml_node_pair_t *pr;
	unsigned seen = 0;
	int rc, seen_sources = 0;

	if (!root || root->type != YAML_MAPPING_NODE)
		return cerr(p, root, "expected a mapping with 'sources'");
	for (pr = root->data.mapping.pairs.start; pr < root->data.mapping.pairs.top; pr++) {
		yaml_node_t *kn = yaml_document_get_node(p->doc, pr->key);
		yaml_node_t *vn = yaml_document_get_node(p->doc, pr->value);
		const char *k = scalar(kn);

		if (!k)
			return cerr(p, kn, "a top-level key must be a string");
		if (once(p, kn, k, names, &seen))
			return TYCHE_FETCH_CONFIG;
		if (!strcmp(k, "sources")) {
			yaml_node_item_t *it;
			size_t cnt;

			if (vn->type != YAML_SEQUENCE_NODE)
				return cerr(p, vn, "'sources': expected a list of sources");
			cnt = (size_t)(vn->data.sequence.items.top - vn->data.sequence.items.start);
			c->src = ty_calloc(cnt ? cnt : 1, sizeof(*c->src));
			if (!c->src)
				return cerr(p, vn, "out of memory");
			for (it = vn->data.sequence.items.start; it < vn->data.sequence.items.top; it++) {
				yaml_node_t *sn = yaml_document_get_node(p->doc, *it);
				size_t j;

				rc = parse_source(p, sn, &c->src[c->nsrc]);
				c->nsrc++;
				if (rc)
					return rc;
				for (j = 0; j + 1 < c->nsrc; j++)
					if (!strcmp(c->src[j].name, c->src[c->nsrc - 1].name))
						return cerr(p, sn, "source '%s' is defined twice",
							    c->src[j].name);
			}
			seen_sources = 1;
		} else if (!strcmp(k, "proxy")) {
			const char *v = scalar(vn);

			if (!v || (strncmp(v, "http://", 7) && strncmp(v, "https://", 8)))
				return cerr(p, vn, "'proxy': expected an http:// or https:// URL");
			if ((rc = get_str(p, vn, k, &c->proxy)))
				return rc;
		} else if (!strcmp(k, "cache")) {
			/* A plain directory; tyche.cgi may give more detail in a
			 * mapping, which the fetcher does not need. */
			if (scalar(vn) && *scalar(vn) && (rc = get_str(p, vn, k, &c->cache)))
				return rc;
		} else if (strcmp(k, "contexts") && strcmp(k, "store") &&
			   strcmp(k, "defaults") && strcmp(k, "single_user") &&
			   strcmp(k, "models") && strcmp(k, "allowed_hosts") &&
			   strcmp(k, "request_limits"))
			return cerr(p, kn, "unknown top-level key '%s' (expected sources, proxy, or tyche.cgi's contexts, store, cache, defaults, single_user, models, allowed_hosts, request_limits)", k);
	}
	if (!seen_sources)
		return cerr(p, root, "no 'sources' list");
	return 0;
}

static void source_release(struct ty_fetch_source *s)
{
	free(s->name);
	free(s->url);
	free(s->dest);
	free(s->ca_file);
	free(s->keys);
}

void tyche_fetch_config_free(tyche_fetch_config *c)
{
	size_t i;

	if (!c)
		return;
	for (i = 0; i < c->nsrc; i++)
		source_release(&c->src[i]);
	free(c->src);
	free(c->proxy);
	free(c->cache);
	free(c->path);
	free(c);
}

int tyche_fetch_config_load(tyche_fetch_config **out, const char *path,
			    tyche_error *err)
{
	tyche_fetch_config *c = NULL;
	yaml_parser_t parser;
	yaml_document_t doc;
	struct cfg_parse p = { &doc, path, err };
	char *text = NULL;
	size_t len;
	int rc, have_doc = 0;

	if (sodium_init() < 0)
		return ty_error_at(err, TYCHE_EINTERNAL, "", 0, 0, "libsodium failed to initialise");
	rc = ty_read_file(path, 1u << 20, &text, &len, err);
	if (rc)
		return rc;
	c = ty_calloc(1, sizeof(*c));
	if (!c || !(c->path = ty_strdup(path))) {
		rc = ty_error_at(err, TYCHE_ENOMEM, path, 0, 0, "out of memory");
		goto out;
	}
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
	rc = parse_root(&p, c) ? TYCHE_EDATA : 0;
	if (rc)
		goto out;
	*out = c;
	c = NULL;
out:
	if (have_doc)
		yaml_document_delete(&doc);
	tyche_fetch_config_free(c);
	free(text);
	return rc;
}

size_t tyche_fetch_config_count(const tyche_fetch_config *c)
{
	return c ? c->nsrc : 0;
}

const char *tyche_fetch_config_name(const tyche_fetch_config *c, size_t i)
{
	return c && i < c->nsrc ? c->src[i].name : NULL;
}
