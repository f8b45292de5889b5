/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * optim-json.c - the optimiser's JSON: one result (tyche_opt_result_json)
 * and a sweep of results (tyche_opt_sweep_json, each point's result
 * nested as written for a single one).
 *
 * Easy to get wrong:
 *  - Every number goes through ty_json_num, the one number formatter: the
 *    shortest text that reads back to the same double, and null (not a
 *    bare NaN, which is not JSON) for a missing value such as a sweep
 *    point's budget.  cJSON_AddNumberToObject is for counts only.
 *  - Names (status, method, metrics, categories) come from the surface and
 *    optim-problem.c, never from the result, which holds indices.
 */
#include <stdlib.h>

#include "optim.h"

char *ty_opt_json_print(cJSON *o, int pretty)
{
	char *txt;

	if (!o)
		return NULL;
	txt = pretty ? cJSON_Print(o) : cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	return txt;
}

cJSON *ty_opt_result_cjson(const tyche_surface *s, const tyche_opt_result *r)
{
	cJSON *o = cJSON_CreateObject(), *obj, *am, *up, *me, *cs;

	if (!o)
		return NULL;
	cJSON_AddStringToObject(o, "status", tyche_opt_status_name(r->status));
	cJSON_AddStringToObject(o, "message", r->message);
	cJSON_AddStringToObject(o, "method", tyche_opt_method_name(r->method));
	obj = cJSON_AddObjectToObject(o, "objective");
	if (obj) {
		cJSON_AddStringToObject(obj, "metric", tyche_surface_metric(s, r->metric));
		cJSON_AddStringToObject(obj, "statistic", r->stat.name);
		cJSON_AddStringToObject(obj, "sense", r->minimize ? "min" : "max");
		cJSON_AddItemToObject(obj, "value", ty_json_num(r->objective));
	}
	am = cJSON_AddObjectToObject(o, "amounts");
	up = cJSON_AddObjectToObject(o, "upper");
	for (size_t c = 0; am && up && c < r->ncategories; c++) {
		cJSON_AddItemToObject(am, tyche_surface_category(s, c), ty_json_num(r->amounts[c]));
		cJSON_AddItemToObject(up, tyche_surface_category(s, c), ty_json_num(r->upper[c]));
	}
	me = cJSON_AddObjectToObject(o, "metrics");
	for (size_t m = 0; me && m < r->nmetrics; m++)
		cJSON_AddItemToObject(me, tyche_surface_metric(s, m), ty_json_num(r->metrics[m]));
	cs = cJSON_AddArrayToObject(o, "constraints");
	for (size_t k = 0; cs && k < r->nchecks; k++) {
		cJSON *c = cJSON_CreateObject();

		if (!c)
			break;
		cJSON_AddStringToObject(c, "constraint", r->checks[k].label);
		cJSON_AddStringToObject(c, "sense", r->checks[k].upper ? "<=" : ">=");
		cJSON_AddItemToObject(c, "value", ty_json_num(r->checks[k].value));
		cJSON_AddItemToObject(c, "bound", ty_json_num(r->checks[k].bound));
		cJSON_AddBoolToObject(c, "holds", r->checks[k].holds);
		cJSON_AddItemToArray(cs, c);
	}
	cJSON_AddItemToObject(o, "seconds", ty_json_num(r->seconds));
	cJSON_AddNumberToObject(o, "evaluations", (double)r->evaluations);
	cJSON_AddNumberToObject(o, "starts", (double)r->starts);
	{
		/* the categories whose amount the surface extrapolates */
		cJSON *x = cJSON_AddArrayToObject(o, "extrapolated");

		for (size_t c = 0; x && r->outside && c < r->ncategories; c++)
			if (r->outside[c])
				cJSON_AddItemToArray(x, cJSON_CreateString(tyche_surface_category(s, c)));
	}
	return o;
}

char *tyche_opt_result_json(const tyche_surface *s, const tyche_opt_result *r, int pretty)
{
	return ty_opt_json_print(ty_opt_result_cjson(s, r), pretty);
}

char *tyche_opt_sweep_json(const tyche_surface *s, const tyche_opt_sweep *sw, int pretty)
{
	cJSON *a = cJSON_CreateArray();

	if (!a)
		return NULL;
	for (size_t k = 0; k < sw->n; k++) {
		const tyche_opt_point *pt = &sw->v[k];
		cJSON *o = cJSON_CreateObject(), *r;

		if (!o)
			break;
		cJSON_AddStringToObject(o, "metric", tyche_surface_metric(s, pt->metric));
		cJSON_AddStringToObject(o, "sense", pt->minimize ? "min" : "max");
		cJSON_AddItemToObject(o, "budget", ty_json_num(pt->budget));
		cJSON_AddItemToObject(o, "limit", ty_json_num(pt->limit));
		if (sw->vs_metric >= 0)
			cJSON_AddStringToObject(o, "vs",
						tyche_surface_metric(s, (size_t)sw->vs_metric));
		else
			cJSON_AddNullToObject(o, "vs");
		r = ty_opt_result_cjson(s, pt->result);
		if (r)
			cJSON_AddItemToObject(o, "result", r);
		cJSON_AddItemToArray(a, o);
	}
	return ty_opt_json_print(a, pretty);
}
