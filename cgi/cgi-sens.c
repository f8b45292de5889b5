/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * cgi-sens.c - the API of global sensitivity and the value of information
 * (lib/sobol.c, lib/voi.c), for the browser's "what drives this?" view:
 *
 *   POST /contexts/NAME/sensitivity
 *     {"metric": M?, "amounts": {C: x}? | "scenario": S?, "samples": N?,
 *      "groups": ["cell"|"parameter"|"table"]?, "plot": true?}
 *     -> the library's Sobol JSON (+ "svg": the plot of the metric, by
 *        parameter, when asked and a metric is given)
 *   POST /contexts/NAME/voi
 *     {"metric": M, "sense": "max"|"min", "candidates": "investments"|
 *      "corners"?, "budget": B?, "samples": N?, "groups": [...]?}
 *     -> the library's VOI JSON
 *
 * Easy to get wrong: these cost N x (2 + inputs) scenario evaluations, so
 * samples are capped (CGI_SENS_MAX_SAMPLES) and the process's work budget
 * (set per request) stops a long one with 504; amounts are checked
 * against the surface like explore's (cgi_parse_amounts).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cgi.h"

#define CGI_SENS_MAX_SAMPLES 20000

static int write_buf(const char *p, size_t n, void *arg)
{
	char **out = arg;
	size_t old = *out ? strlen(*out) : 0;
	char *b = realloc(*out, old + n + 1);

	if (!b)
		return -1;
	memcpy(b + old, p, n);
	b[old + n] = '\0';
	*out = b;
	return 0;
}

static int parse_groups(const cJSON *g, unsigned *levels, struct cgi_response *r)
{
	static const char *const names[] = { "cell", "parameter", "table" };
	const cJSON *it;

	*levels = 0;
	if (!g)
		return 0;
	cJSON_ArrayForEach(it, g) {
		int k;

		for (k = 0; k < 3; k++)
			if (cJSON_IsString(it) && !strcmp(it->valuestring, names[k]))
				break;
		if (k == 3)
			return cgi_fail(r, 400, "groups: expected \"cell\", \"parameter\" or \"table\""), -1;
		*levels |= 1u << k;
	}
	return 0;
}

static int samples_of(const cJSON *in, size_t *n, struct cgi_response *r)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(in, "samples");
	double d;

	*n = 1000;
	if (!v)
		return 0;
	if (cgi_json_number(v, "samples", 10, CGI_SENS_MAX_SAMPLES, &d, r))
		return -1;
	if (d != floor(d))
		return cgi_fail(r, 400, "samples: expected a whole number"), -1;
	*n = (size_t)d;
	return 0;
}

/* The library's JSON text as the answer, as it is (its numbers are
 * lib/fmt-double.c's; re-printing through cJSON would change digits),
 * with an optional "svg" member spliced in before the final brace. */
static int answer(struct cgi_response *r, char *text, const char *svg)
{
	cJSON *raw;
	size_t n = text ? strlen(text) : 0;

	while (n && (text[n - 1] == '\n' || text[n - 1] == ' '))
		n--;
	if (!n || text[n - 1] != '}') {
		free(text);
		return cgi_fail(r, 500, "internal error: bad result");
	}
	text[n - 1] = '\0';
	if (svg) {
		cJSON *sv = cJSON_CreateString(svg);
		char *st = sv ? cJSON_PrintUnformatted(sv) : NULL;
		char *t2 = st ? malloc(n + strlen(st) + 16) : NULL;

		cJSON_Delete(sv);
		if (!t2) {
			free(st);
			free(text);
			return cgi_fail(r, 500, "out of memory");
		}
		snprintf(t2, n + strlen(st) + 16, "%s,\"svg\":%s}", text, st);
		free(st);
		free(text);
		text = t2;
	} else {
		text[n - 1] = '}';
	}
	raw = cJSON_CreateRaw(text);
	free(text);
	if (!raw)
		return cgi_fail(r, 500, "out of memory");
	return cgi_json(r, 200, raw);
}

static int sensitivity(const struct cgi_config *c, const char *name, cJSON *in,
		       struct cgi_response *r)
{
	static const struct cgi_field f[] = {
		{ "metric", CGI_J_STRING, 0 }, { "amounts", CGI_J_OBJECT, 0 },
		{ "scenario", CGI_J_STRING, 0 }, { "samples", CGI_J_NUMBER, 0 },
		{ "groups", CGI_J_ARRAY, 0 }, { "plot", CGI_J_BOOL, 0 },
	};
	tyche_sobol_opts o = TYCHE_SOBOL_OPTS_INIT;
	tyche_context *ctx = NULL;
	tyche_surface *s = NULL;
	tyche_sobol *so = NULL;
	tyche_error err = { 0 };
	const cJSON *am, *sc, *me;
	double *amounts = NULL;
	char **assign = NULL, *text = NULL, *svg = NULL;
	size_t C = 0;

	if (cgi_json_check(in, "", f, 6, r) || samples_of(in, &o.samples, r) ||
	    parse_groups(cJSON_GetObjectItemCaseSensitive(in, "groups"), &o.levels, r))
		return r->status;
	am = cJSON_GetObjectItemCaseSensitive(in, "amounts");
	sc = cJSON_GetObjectItemCaseSensitive(in, "scenario");
	me = cJSON_GetObjectItemCaseSensitive(in, "metric");
	if (am && sc)
		return cgi_fail(r, 400, "give amounts or scenario, not both");
	if (cgi_load_context(c, name, &ctx, &s, r))
		return r->status;
	C = tyche_surface_ncategories(s);
	amounts = calloc(C + 1, sizeof *amounts);
	assign = calloc(C + 1, sizeof *assign);
	if (!amounts || !assign) {
		cgi_fail(r, 500, "out of memory");
		goto out;
	}
	if (!sc) {
		if (am && cgi_parse_amounts(s, am, amounts, r))
			goto out;
		for (size_t k = 0; k < C; k++) {
			size_t len = strlen(tyche_surface_category(s, k)) + 40;

			if (!(assign[k] = malloc(len))) {
				cgi_fail(r, 500, "out of memory");
				goto out;
			}
			snprintf(assign[k], len, "%s=%.17g", tyche_surface_category(s, k), amounts[k]);
		}
		o.amounts = (const char *const *)assign;
		o.namounts = C;
	} else {
		o.scenario = sc->valuestring;
	}
	o.seed = c->seed;
	o.metric = me ? me->valuestring : NULL;
	if (tyche_sobol_compute(&so, ctx, &o, &err)) {
		cgi_fail_tyche(r, err.code, &err, "sensitivity");
		goto out;
	}
	if (tyche_sobol_write(so, TYCHE_FMT_JSON, write_buf, &text, &err)) {
		cgi_fail_tyche(r, err.code, &err, "sensitivity");
		goto out;
	}
	if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(in, "plot")) && o.metric) {
		tyche_plot_opts po = TYCHE_PLOT_OPTS_INIT;
		char title[300];

		snprintf(title, sizeof title, "What drives %s", o.metric);
		po.title = title;
		po.xlabel = "Sobol index";
		po.id = "sobol";
		po.width = 720;
		po.height = 420;
		if (tyche_plot_sobol(&svg, so, o.metric, TYCHE_SOBOL_PARAMETER, 25, &po, &err)) {
			free(text);
			cgi_fail_tyche(r, err.code, &err, "plot");
			goto out;
		}
	}
	answer(r, text, svg);
out:
	for (size_t k = 0; assign && k < C; k++)
		free(assign[k]);
	free(assign);
	free(amounts);
	free(svg);
	tyche_sobol_free(so);
	cgi_context_done(ctx, s);
	return r->status;
}

static int voi(const struct cgi_config *c, const char *name, cJSON *in, struct cgi_response *r)
{
	static const struct cgi_field f[] = {
		{ "metric", CGI_J_STRING, 1 }, { "sense", CGI_J_STRING, 1 },
		{ "candidates", CGI_J_STRING, 0 }, { "budget", CGI_J_NUMBER, 0 },
		{ "samples", CGI_J_NUMBER, 0 }, { "groups", CGI_J_ARRAY, 0 },
	};
	tyche_voi_opts o = TYCHE_VOI_OPTS_INIT;
	tyche_context *ctx = NULL;
	tyche_surface *s = NULL;
	tyche_voi *v = NULL;
	tyche_error err = { 0 };
	const cJSON *x;
	char *text = NULL;

	if (cgi_json_check(in, "", f, 6, r) || samples_of(in, &o.samples, r) ||
	    parse_groups(cJSON_GetObjectItemCaseSensitive(in, "groups"), &o.levels, r))
		return r->status;
	x = cJSON_GetObjectItemCaseSensitive(in, "sense");
	if (strcmp(x->valuestring, "max") && strcmp(x->valuestring, "min"))
		return cgi_fail(r, 400, "sense: expected \"max\" or \"min\"");
	o.minimize = !strcmp(x->valuestring, "min");
	x = cJSON_GetObjectItemCaseSensitive(in, "candidates");
	if (x && strcmp(x->valuestring, "investments") && strcmp(x->valuestring, "corners"))
		return cgi_fail(r, 400, "candidates: expected \"investments\" or \"corners\"");
	o.candidates = x && !strcmp(x->valuestring, "corners") ? TYCHE_VOI_CORNERS
							       : TYCHE_VOI_INVESTMENTS;
	x = cJSON_GetObjectItemCaseSensitive(in, "budget");
	if (x && cgi_json_number(x, "budget", 0, 1e300, &o.budget, r))
		return r->status;
	o.metric = cJSON_GetObjectItemCaseSensitive(in, "metric")->valuestring;
	o.seed = c->seed;
	if (cgi_load_context(c, name, &ctx, &s, r))
		return r->status;
	if (tyche_voi_compute(&v, ctx, &o, &err) ||
	    tyche_voi_write(v, TYCHE_FMT_JSON, write_buf, &text, &err))
		cgi_fail_tyche(r, err.code, &err, "value of information");
	else
		answer(r, text, NULL), text = NULL;
	free(text);
	tyche_voi_free(v);
	cgi_context_done(ctx, s);
	return r->status;
}

int cgi_sens_route(const struct cgi_config *c, const char *name, const struct cgi_request *q,
		   struct cgi_response *r)
{
	cJSON *in;

	if (strcmp(q->method, "POST"))
		return cgi_fail(r, 405, "use POST with a JSON body for %s", q->seg[2]);
	if (!(in = cgi_json_body(q, r)))
		return r->status;
	if (!strcmp(q->seg[2], "sensitivity"))
		sensitivity(c, name, in, r);
	else
		voi(c, name, in, r);
	cJSON_Delete(in);
	return r->status;
}
