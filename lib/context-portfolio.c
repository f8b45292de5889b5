/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * context-portfolio.c - the portfolio tables: tranches (an amount of
 * money per category and tranche, each naming a scenario) and
 * investments (which tranche of each category an investment takes).
 * Map of the loader: context-load.h.
 *
 * Easy to get wrong:
 *  - Categories and investments keep their first-appearance order (the
 *    reference's), not a sorted one: outputs are listed in that order.
 *  - A tranche's Scenario must be a scenario some technology has (looked
 *    up in a set built once, not by scanning every technology per row),
 *    amounts within a category must differ, and an investment takes at
 *    most one tranche per category (they are mutually exclusive): each is
 *    checked against the tables loaded before (designs, then tranches).
 *  - A row already reported is skipped by the later checks, so one bad
 *    cell gives one message.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "context-load.h"

/* ------------------------------------------------------ tranches, investments */

void ty_context_load_tranches(struct loader *L)
{
	tyche_context *ctx = L->ctx;
	struct ty_table *t = L->t[TY_T_TRANCHES];
	/* Hash sets keep this linear: with loops over the earlier tranches,
	 * 100k tranches took minutes and, all of one amount, 6 GB of
	 * "equal amount" messages (one per pair).  `names` and `cats` grow
	 * with the accepted tranches, so names index k is tranche k. */
	struct strset cats = { 0 }, names = { 0 }, amounts = { 0 }, all = { 0 };
	size_t *amount_first = ty_calloc(t->nrows, sizeof(size_t));
	char *known_scen = NULL;

	/* every technology's scenarios, once (a loop over the technologies
	 * per row was quadratic) */
	for (size_t ti = 0; ti < ctx->ntech; ti++)
		for (size_t s = 0; s < ctx->tech[ti].nscen; s++)
			ty_strset_add(&all, ctx->tech[ti].scen[s].name);
	ctx->tranches = ty_calloc(t->nrows, sizeof(struct ty_tranche));
	for (size_t r = 0; r < t->nrows; r++) {
		const char *cat = cell(L, TY_T_TRANCHES, r, 0);
		const char *name = cell(L, TY_T_TRANCHES, r, 1);
		const char *scen = cell(L, TY_T_TRANCHES, r, 2);
		struct ty_tranche *tr = &ctx->tranches[ctx->ntranches];
		int found = 0, bad = 0;
		char *key;
		long k;

		if (ty_label_is_empty(cat)) {
			cell_err(L, TY_T_TRANCHES, r, colpos(L, TY_T_TRANCHES, 0),
				 "empty Category, expected the name of a research category");
			bad = 1;
		}
		if (ty_label_is_empty(name)) {
			cell_err(L, TY_T_TRANCHES, r, colpos(L, TY_T_TRANCHES, 1),
				 "empty Tranche, expected the name of a funding level");
			bad = 1;
		}
		key = ty_asprintf("%s\x1f%s", cat, name);
		k = bad || !key ? -1 : ty_strset_find(&names, key);
		if (k >= 0 && (size_t)k < ctx->ntranches) {
			cell_err(L, TY_T_TRANCHES, r, colpos(L, TY_T_TRANCHES, 1),
				 "duplicate tranche '%s' in category '%s' (also on row %u)",
				 name, cat, ctx->tranches[k].line);
			bad = 1;
		}
		found = ty_strset_find(&all, scen) >= 0;
		if (!found && ctx->ntech) {
			if (!known_scen)
				known_scen = ty_context_list_names(all.v, all.n);
			cell_err(L, TY_T_TRANCHES, r, colpos(L, TY_T_TRANCHES, 2),
				 "tranche '%s' points at scenario '%s', which no technology has; expected one of %s",
				 name, scen, known_scen ? known_scen : "(none)");
			bad = 1;
		}
		if (bad) {
			free(key);
			continue;
		}
		tr->category = ty_strdup(cat);
		tr->name = ty_strdup(name);
		tr->scenario = ty_strdup(scen);
		tr->line = t->line[r];
		if (ty_context_parse_value(L, TY_T_TRANCHES, r, 3, &tr->amount, key)) {
			free(key);
			free(tr->category);
			free(tr->name);
			free(tr->scenario);
			free(tr->amount.key);
			memset(tr, 0, sizeof(*tr));
			continue;
		}
		ty_strset_add(&names, key);
		free(key);
		if (ty_dist_is_const(tr->amount.dist) && tr->amount.dist->a < 0)
			cell_err(L, TY_T_TRANCHES, r, colpos(L, TY_T_TRANCHES, 3),
				 "negative Amount '%s', expected an amount >= 0", tr->amount.text);
		/* amounts unique within a category: constants by value, else
		 * by text; each row names the first tranche it equals */
		{
			char num[32];
			double a = ty_dist_is_const(tr->amount.dist) ? tr->amount.dist->a : 0;

			key = ty_dist_is_const(tr->amount.dist)
			    ? ty_asprintf("%s\x1f=%s", cat, ty_fmt_double(a == 0 ? 0 : a, num))
			    : ty_asprintf("%s\x1f~%s", cat, tr->amount.text);
			k = key ? ty_strset_find(&amounts, key) : -1;
			if (k >= 0 && amount_first) {
				struct ty_tranche *o = &ctx->tranches[amount_first[k]];

				cell_err(L, TY_T_TRANCHES, r, colpos(L, TY_T_TRANCHES, 3),
					 "Amount '%s' of tranche '%s' equals that of tranche '%s' (row %u); amounts within category '%s' must differ",
					 tr->amount.text, name, o->name, o->line, cat);
			} else if (key && amount_first) {
				ty_strset_add(&amounts, key);
				if (amounts.n && !amounts.oom)
					amount_first[amounts.n - 1] = ctx->ntranches;
			}
			free(key);
		}
		ty_strset_add(&cats, cat);
		ctx->ntranches++;
	}
	/* categories in first-appearance order: cats is in insertion order */
	ctx->categories = ty_calloc(cats.n, sizeof(char *));
	{
		size_t *count = ty_calloc(cats.n, sizeof(size_t));

		for (size_t i = 0; count && i < ctx->ntranches; i++) {
			long c = ty_strset_find(&cats, ctx->tranches[i].category);

			if (c >= 0)
				count[c]++;
		}
		for (size_t c = 0; ctx->categories && c < cats.n; c++) {
			ctx->categories[ctx->ncategories++] = ty_strdup(cats.v[c]);
			if (count && count[c] == 1)
				ty_diag_add(L->d, TYCHE_SEV_WARNING, t->source, 0, 0,
					    "category '%s' has a single tranche: its response is constant (the reference gives NaN)",
					    cats.v[c]);
		}
		free(count);
	}
	ty_strset_release(&cats);
	ty_strset_release(&names);
	ty_strset_release(&amounts);
	free(amount_first);
	free(known_scen);
	ty_strset_release(&all);
}

void ty_context_load_investments(struct loader *L)
{
	tyche_context *ctx = L->ctx;
	struct ty_table *t = L->t[TY_T_INVESTMENTS];
	/* Hash sets, as in ty_context_load_tranches: loops over the earlier rows made
	 * 100k investments take minutes.  `tranches` index k is tranche k
	 * (tranches are unique); `items` index k is invest item k. */
	struct strset tranches = { 0 }, cats = { 0 }, items = { 0 }, invs = { 0 };

	for (size_t i = 0; i < ctx->ntranches; i++) {
		char *key = ty_asprintf("%s\x1f%s", ctx->tranches[i].category,
					ctx->tranches[i].name);

		if (key)
			ty_strset_add(&tranches, key);
		free(key);
		ty_strset_add(&cats, ctx->tranches[i].category);
	}

	ctx->invest = ty_calloc(t->nrows, sizeof(struct ty_investment_item));
	for (size_t r = 0; r < t->nrows; r++) {
		const char *inv = cell(L, TY_T_INVESTMENTS, r, 0);
		const char *cat = cell(L, TY_T_INVESTMENTS, r, 1);
		const char *tra = cell(L, TY_T_INVESTMENTS, r, 2);
		long found = -1, k;
		int catfound = ty_strset_find(&cats, cat) >= 0;
		char *key = ty_asprintf("%s\x1f%s", cat, tra);

		if (key && tranches.n == ctx->ntranches)
			found = ty_strset_find(&tranches, key);
		free(key);
		if (ty_label_is_empty(inv)) {
			cell_err(L, TY_T_INVESTMENTS, r, colpos(L, TY_T_INVESTMENTS, 0),
				 "empty Investment, expected a name");
			continue;
		}
		if (!catfound) {
			char *known = ty_context_list_names(ctx->categories, ctx->ncategories);

			cell_err(L, TY_T_INVESTMENTS, r, colpos(L, TY_T_INVESTMENTS, 1),
				 "investment '%s' names category '%s', which is not in the tranches table; expected one of %s",
				 inv, cat, known);
			free(known);
			continue;
		}
		if (found < 0) {
			struct ty_buf b = TY_BUF_INIT;
			char *known;

			for (size_t i = 0; i < ctx->ntranches; i++)
				if (!strcmp(ctx->tranches[i].category, cat))
					ty_buf_addf(&b, "%s'%s'", b.len ? ", " : "", ctx->tranches[i].name);
			known = ty_buf_detach(&b);
			cell_err(L, TY_T_INVESTMENTS, r, colpos(L, TY_T_INVESTMENTS, 2),
				 "investment '%s' names tranche '%s', which category '%s' does not have; expected one of %s",
				 inv, tra, cat, known);
			free(known);
			continue;
		}
		key = ty_asprintf("%s\x1f%s", inv, cat);
		k = key ? ty_strset_find(&items, key) : -1;
		if (k >= 0 && (size_t)k < ctx->ninvest_items) {
			cell_err(L, TY_T_INVESTMENTS, r, colpos(L, TY_T_INVESTMENTS, 1),
				 "investment '%s' already has a tranche of category '%s' ('%s'); tranches of one category are mutually exclusive",
				 inv, cat, ctx->invest[k].tranche);
			free(key);
			continue;
		}
		if (key)
			ty_strset_add(&items, key);
		free(key);
		ty_strset_add(&invs, inv);
		ctx->invest[ctx->ninvest_items].investment = ty_strdup(inv);
		ctx->invest[ctx->ninvest_items].category = ty_strdup(cat);
		ctx->invest[ctx->ninvest_items].tranche = ty_strdup(tra);
		ctx->invest[ctx->ninvest_items].tranche_ix = (size_t)found;
		ctx->ninvest_items++;
	}
	/* investments in first-appearance order: invs is in insertion order */
	ctx->investments = ty_calloc(invs.n, sizeof(char *));
	for (size_t i = 0; ctx->investments && i < invs.n; i++)
		ctx->investments[ctx->ninvestments++] = ty_strdup(invs.v[i]);
	ty_strset_release(&tranches);
	ty_strset_release(&cats);
	ty_strset_release(&items);
	ty_strset_release(&invs);
}

