/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * fetch-config.c - tyche-fetch's view of the server config: the sources,
 * the proxy and the analysis cache of /etc/tyche/tyche.yml.
 *
 * The file is read and checked by the one reader every program shares
 * (lib/config.c, tyche_server_config_load), which knows every key,
 * tyche.cgi's too, and refuses unknown and repeated ones with their
 * file:line:col.  Here it is only asked for a sources: list, and the
 * parsed sources are used as they are (struct ty_fetch_source is the
 * config's tyche_server_source).
 *
 * Easy to get wrong: the view borrows every string from c->server; free
 * the whole thing with tyche_fetch_config_free, never a field.
 */
#include <stdlib.h>

#include "fetch.h"

void tyche_fetch_config_free(tyche_fetch_config *c)
{
	if (!c)
		return;
	tyche_server_config_free(c->server);
	free(c);
}

int tyche_fetch_config_load(tyche_fetch_config **out, const char *path, tyche_error *err)
{
	tyche_server_config *s = NULL;
	tyche_fetch_config *c;
	int rc;

	rc = tyche_server_config_load(&s, path, TYCHE_CONFIG_NEED_SOURCES, err);
	if (rc)
		return rc;
	c = ty_calloc(1, sizeof(*c));
	if (!c) {
		tyche_server_config_free(s);
		return ty_error_at(err, TYCHE_ENOMEM, path, 0, 0, "out of memory");
	}
	c->server = s;
	c->path = s->path;
	c->src = s->sources;
	c->nsrc = s->nsources;
	c->proxy = s->proxy;
	c->cache = s->cache;
	*out = c;
	return 0;
}

size_t tyche_fetch_config_count(const tyche_fetch_config *c)
{
	return c ? c->nsrc : 0;
}

const char *tyche_fetch_config_name(const tyche_fetch_config *c, size_t i)
{
	return c && i < c->nsrc ? c->src[i].name : NULL;
}
