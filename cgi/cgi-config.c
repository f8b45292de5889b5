/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * cgi-config.c - the server's config (TYCHE_CONFIG, else
 * /etc/tyche/tyche.yml) as tyche.cgi sees it, read on every request.
 *
 * A thin adapter: the file is read and checked by the one reader every
 * program shares (lib/config.c, tyche_server_config_load; the keys are
 * listed there), asking for what the CGI needs (contexts, store, cache).
 * struct cgi_config is a view of the parsed config with the defaults
 * filled in; its strings belong to c->server.
 *
 * Easy to get wrong: the whole file is checked, tyche-fetch's sources and
 * proxy too, so a broken source makes every request a 500 naming the line
 * in the server log; that is on purpose (one file, one set of rules).
 */
#include <stdio.h>
#include <string.h>

#include "cgi.h"

int cgi_config_load(struct cgi_config *c, const char *path, char *msg, size_t n)
{
	tyche_server_config *s = NULL;
	tyche_error err = { 0 };

	memset(c, 0, sizeof *c);
	if (tyche_server_config_load(&s, path, TYCHE_CONFIG_NEED_SERVE, &err)) {
		tyche_error_format(&err, msg, n);
		return -1;
	}
	c->server = s;
	c->contexts = s->contexts;
	c->store = s->store;
	c->cache = s->cache;
	c->models = s->models;
	c->samples = s->samples;
	c->seed = s->seed;
	c->single_user = s->single_user;
	c->allowed = s->allowed_hosts;
	c->nallowed = s->nallowed_hosts;
	c->wall_seconds = s->wall_seconds;
	c->cpu_seconds = s->cpu_seconds;
	return 0;
}

void cgi_config_release(struct cgi_config *c)
{
	tyche_server_config_free(c->server);
	memset(c, 0, sizeof *c);
}

int cgi_split_hostport(const char *s, char *name, size_t nn, char *port, size_t pn)
{
	return tyche_host_split(s, name, nn, port, pn);
}

int cgi_host_allowed(const struct cgi_config *c, const char *hostport)
{
	return tyche_server_config_host_allowed(c->server, hostport);
}
