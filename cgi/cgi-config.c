/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * cgi-config.c - the server's YAML config (TYCHE_CONFIG, else
 * /etc/tyche/tyche.yml), read with libyaml on every request.
 *
 *   contexts: /srv/tyche/contexts      # directory of decision contexts
 *   store: /srv/tyche/store            # scenario store
 *   cache: /srv/tyche/cache            # response surface cache
 *   models: /srv/tyche/models          # optional model search path
 *   single_user: false                 # true: no REMOTE_USER needed
 *   defaults: { samples: 1000, seed: 1 }
 *   allowed_hosts: [tyche.example.org]  # Host / Origin names (default:
 *                                      # localhost, 127.0.0.1, ::1)
 *   request_limits: { wall_seconds: 30, cpu_seconds: 30 }
 *   sources: [...]   proxy: ...        # tyche-fetch's keys, ignored here
 *
 * The same file serves tyche-fetch, so its keys are accepted and skipped;
 * any other key is refused with its line, so a typo ("stroe") cannot
 * silently fall back to a default directory.  allowed_hosts replaces the
 * loopback default rather than adding to it: a deployment names every
 * name its users type, and nothing else answers.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yaml.h>

#include "cgi.h"

static const char *scalar(yaml_node_t *n)
{
	return n && n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value : NULL;
}

static int bad(char *msg, size_t n, const char *path, yaml_node_t *node,
	       const char *what)
{
	snprintf(msg, n, "%s:%lu: %s", path,
		 node ? (unsigned long)node->start_mark.line + 1 : 0UL, what);
	return -1;
}

static int get_path(char **out, yaml_node_t *v, const char *key, const char *path,
		    char *msg, size_t n)
{
	const char *s = scalar(v);
	char what[160];

	if (!s || !*s) {
		snprintf(what, sizeof what, "'%s': expected a directory name", key);
		return bad(msg, n, path, v, what);
	}
	free(*out);
	*out = strdup(s);
	return *out ? 0 : bad(msg, n, path, v, "out of memory");
}

static int get_bool(int *out, yaml_node_t *v, const char *key, const char *path,
		    char *msg, size_t n)
{
	const char *s = scalar(v);
	char what[160];

	if (s && !strcmp(s, "true"))
		*out = 1;
	else if (s && !strcmp(s, "false"))
		*out = 0;
	else {
		snprintf(what, sizeof what, "'%s': expected true or false", key);
		return bad(msg, n, path, v, what);
	}
	return 0;
}

static int get_uint(unsigned long long *out, yaml_node_t *v, const char *key,
		    unsigned long long lo, unsigned long long hi, const char *path,
		    char *msg, size_t n)
{
	const char *s = scalar(v);
	char what[160], *end;

	errno = 0;
	if (s && *s >= '0' && *s <= '9') {
		*out = strtoull(s, &end, 10);
		if (!*end && !errno && *out >= lo && *out <= hi)
			return 0;
	}
	snprintf(what, sizeof what, "'%s': expected an integer from %llu to %llu", key, lo, hi);
	return bad(msg, n, path, v, what);
}

static int parse_defaults(struct cgi_config *c, yaml_document_t *doc, yaml_node_t *m,
			  const char *path, char *msg, size_t n)
{
	if (m->type != YAML_MAPPING_NODE)
		return bad(msg, n, path, m, "'defaults': expected a mapping with samples and seed");
	for (yaml_node_pair_t *p = m->data.mapping.pairs.start; p < m->data.mapping.pairs.top; p++) {
		yaml_node_t *kn = yaml_document_get_node(doc, p->key);
		yaml_node_t *vn = yaml_document_get_node(doc, p->value);
		const char *k = scalar(kn);
		unsigned long long v;
		char what[200];

		if (k && !strcmp(k, "samples")) {
			if (get_uint(&v, vn, "defaults.samples", 1, 1000000, path, msg, n))
				return -1;
			c->samples = (long)v;
		} else if (k && !strcmp(k, "seed")) {
			if (get_uint(&v, vn, "defaults.seed", 0, UINT64_MAX, path, msg, n))
				return -1;
			c->seed = v;
		} else {
			snprintf(what, sizeof what, "unknown key 'defaults.%.80s' (expected samples, seed)",
				 k ? k : "?");
			return bad(msg, n, path, kn, what);
		}
	}
	return 0;
}

static int get_seconds(double *out, yaml_node_t *v, const char *key, const char *path,
		       char *msg, size_t n)
{
	const char *s = scalar(v);
	char what[160], *end;

	errno = 0;
	if (s && *s >= '0' && *s <= '9') {
		*out = strtod(s, &end);
		if (!*end && !errno && *out >= 0.001 && *out <= 86400)
			return 0;
	}
	snprintf(what, sizeof what, "'%s': expected a number of seconds from 0.001 to 86400", key);
	return bad(msg, n, path, v, what);
}

static int parse_limits(struct cgi_config *c, yaml_document_t *doc, yaml_node_t *m,
			const char *path, char *msg, size_t n)
{
	if (m->type != YAML_MAPPING_NODE)
		return bad(msg, n, path, m,
			   "'request_limits': expected a mapping with wall_seconds and cpu_seconds");
	for (yaml_node_pair_t *p = m->data.mapping.pairs.start; p < m->data.mapping.pairs.top; p++) {
		yaml_node_t *kn = yaml_document_get_node(doc, p->key);
		yaml_node_t *vn = yaml_document_get_node(doc, p->value);
		const char *k = scalar(kn);
		char what[200];

		if (k && !strcmp(k, "wall_seconds")) {
			if (get_seconds(&c->wall_seconds, vn, "request_limits.wall_seconds", path, msg, n))
				return -1;
		} else if (k && !strcmp(k, "cpu_seconds")) {
			if (get_seconds(&c->cpu_seconds, vn, "request_limits.cpu_seconds", path, msg, n))
				return -1;
		} else {
			snprintf(what, sizeof what, "unknown key 'request_limits.%.80s' "
				 "(expected wall_seconds, cpu_seconds)", k ? k : "?");
			return bad(msg, n, path, kn, what);
		}
	}
	return 0;
}

static int add_host(struct cgi_config *c, const char *h)
{
	char **v = realloc(c->allowed, (c->nallowed + 1) * sizeof *v);

	if (!v)
		return -1;
	c->allowed = v;
	if (!(v[c->nallowed] = strdup(h)))
		return -1;
	c->nallowed++;
	return 0;
}

static int parse_hosts(struct cgi_config *c, yaml_document_t *doc, yaml_node_t *m,
		       const char *path, char *msg, size_t n)
{
	if (m->type != YAML_SEQUENCE_NODE || m->data.sequence.items.start == m->data.sequence.items.top)
		return bad(msg, n, path, m, "'allowed_hosts': expected a list of host names "
			   "(as in [tyche.example.org, localhost])");
	for (yaml_node_item_t *it = m->data.sequence.items.start; it < m->data.sequence.items.top; it++) {
		yaml_node_t *vn = yaml_document_get_node(doc, *it);
		const char *h = scalar(vn);
		char name[256], port[8], what[300];

		if (!h || cgi_split_hostport(h, name, sizeof name, port, sizeof port)) {
			snprintf(what, sizeof what, "'allowed_hosts': '%.100s' is not a host name, "
				 "an IP address or either with :port", h ? h : "(not a string)");
			return bad(msg, n, path, vn, what);
		}
		if (add_host(c, h))
			return bad(msg, n, path, vn, "out of memory");
	}
	return 0;
}

static int parse_root(struct cgi_config *c, yaml_document_t *doc, const char *path,
		      char *msg, size_t n)
{
	yaml_node_t *root = yaml_document_get_root_node(doc);

	if (!root || root->type != YAML_MAPPING_NODE)
		return bad(msg, n, path, root, "expected a mapping of keys (contexts, store, cache, defaults)");
	for (yaml_node_pair_t *p = root->data.mapping.pairs.start; p < root->data.mapping.pairs.top; p++) {
		yaml_node_t *kn = yaml_document_get_node(doc, p->key);
		yaml_node_t *vn = yaml_document_get_node(doc, p->value);
		const char *k = scalar(kn);
		char what[300];
		int rc = 0;

		if (!k)
			return bad(msg, n, path, kn, "expected a plain key");
		if (!strcmp(k, "contexts"))
			rc = get_path(&c->contexts, vn, k, path, msg, n);
		else if (!strcmp(k, "store"))
			rc = get_path(&c->store, vn, k, path, msg, n);
		else if (!strcmp(k, "cache"))
			rc = get_path(&c->cache, vn, k, path, msg, n);
		else if (!strcmp(k, "models"))
			rc = get_path(&c->models, vn, k, path, msg, n);
		else if (!strcmp(k, "single_user"))
			rc = get_bool(&c->single_user, vn, k, path, msg, n);
		else if (!strcmp(k, "defaults"))
			rc = parse_defaults(c, doc, vn, path, msg, n);
		else if (!strcmp(k, "allowed_hosts")) {
			for (size_t i = 0; i < c->nallowed; i++)
				free(c->allowed[i]);
			c->nallowed = 0;
			rc = parse_hosts(c, doc, vn, path, msg, n);
		} else if (!strcmp(k, "request_limits"))
			rc = parse_limits(c, doc, vn, path, msg, n);
		else if (strcmp(k, "sources") && strcmp(k, "proxy")) {
			snprintf(what, sizeof what,
				 "unknown key '%.80s' (expected contexts, store, cache, models, "
				 "single_user, defaults, allowed_hosts, request_limits, or tyche-fetch's "
				 "sources, proxy)", k);
			return bad(msg, n, path, kn, what);
		}
		if (rc)
			return rc;
	}
	if (!c->nallowed && (add_host(c, "localhost") || add_host(c, "127.0.0.1") ||
			     add_host(c, "::1")))
		return bad(msg, n, path, root, "out of memory");
	if (!c->contexts)
		return bad(msg, n, path, root, "missing key 'contexts'");
	if (!c->store)
		return bad(msg, n, path, root, "missing key 'store'");
	if (!c->cache)
		return bad(msg, n, path, root, "missing key 'cache'");
	return 0;
}

int cgi_config_load(struct cgi_config *c, const char *path, char *msg, size_t n)
{
	yaml_parser_t parser;
	yaml_document_t doc;
	FILE *f;
	int rc;

	memset(c, 0, sizeof *c);
	c->samples = 1000;
	c->seed = 1;
	c->wall_seconds = 30;
	c->cpu_seconds = 30;
	f = fopen(path, "r");
	if (!f) {
		snprintf(msg, n, "%s: cannot read the config: %s", path, strerror(errno));
		return -1;
	}
	yaml_parser_initialize(&parser);
	yaml_parser_set_input_file(&parser, f);
	if (!yaml_parser_load(&parser, &doc)) {
		snprintf(msg, n, "%s:%lu: %s", path, (unsigned long)parser.problem_mark.line + 1,
			 parser.problem ? parser.problem : "invalid YAML");
		yaml_parser_delete(&parser);
		fclose(f);
		return -1;
	}
	rc = parse_root(c, &doc, path, msg, n);
	yaml_document_delete(&doc);
	yaml_parser_delete(&parser);
	fclose(f);
	if (rc)
		cgi_config_release(c);
	return rc;
}

void cgi_config_release(struct cgi_config *c)
{
	free(c->contexts);
	free(c->store);
	free(c->cache);
	free(c->models);
	for (size_t i = 0; i < c->nallowed; i++)
		free(c->allowed[i]);
	free(c->allowed);
	memset(c, 0, sizeof *c);
}

int cgi_split_hostport(const char *s, char *name, size_t nn, char *port, size_t pn)
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

int cgi_host_allowed(const struct cgi_config *c, const char *hostport)
{
	char name[256], port[8], an[256], ap[8];

	if (cgi_split_hostport(hostport, name, sizeof name, port, sizeof port))
		return 0;
	for (size_t i = 0; i < c->nallowed; i++) {
		if (cgi_split_hostport(c->allowed[i], an, sizeof an, ap, sizeof ap) || strcmp(an, name))
			continue;
		if (!*ap || !strcmp(ap, port))
			return 1;
	}
	return 0;
}
