/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * model.c - reading a model file (<Model>.yml) with libyaml into sections,
 * let bindings, components and helpers, each expression parsed to an AST.
 *
 * File layout:
 *
 *   description: free text (optional, ignored)
 *   helpers:                     (optional)
 *     npv(rate, n): (1 - 1 / (1 + rate)^(n + 1)) / (1 - 1 / (1 + rate))
 *   capital_cost:                (any other key is a section)
 *     let:                       (optional, first; ordered)
 *       MOD: p[2] * p[3]
 *     Module: MOD                (components, in offset order)
 *
 * The decision a newcomer gets wrong: libyaml's marks count characters
 * and fold multi-line scalars, so a token's position is NOT the scalar's
 * start mark plus the token's offset in the value; ty_src_loc (srcloc.c)
 * re-aligns the value with the raw bytes of the file.  Name resolution is not done
 * here (it depends on the technology), only syntax and helper recursion.
 * A model file can be hostile (400,000 lets, 100,000 helpers): every
 * duplicate check and name lookup goes through a struct ty_names hash,
 * and the helper-recursion search uses explicit stacks, never the C stack.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "modelint.h"

static const char *const reserved_names[] = {
	"scale", "cost", "p", "capital", "lifetime", "fixed", "input", "input_raw",
	"input_price", "output_raw", "output", "min", "max", "abs", "exp", "log",
	"sqrt", "pow", "if", "sum", "let", NULL
};

static int is_reserved(const char *s)
{
	for (size_t i = 0; reserved_names[i]; i++)
		if (!strcmp(s, reserved_names[i]))
			return 1;
	return 0;
}

/* ---------------------------------------------------------------- model */

/* The byte offset of a libyaml mark (which counts characters). */
static size_t mark_byte(const struct ty_model *m, const yaml_mark_t *mk)
{
	size_t l = mk->line, b, c = 0;

	if (l >= m->nlines)
		return m->len;
	b = m->line_start[l];
	while (b < m->len && c < mk->column && m->text[b] != '\n') {
		b++;
		while (b < m->len && ((unsigned char)m->text[b] & 0xC0) == 0x80)
			b++;
		c++;
	}
	return b;
}



static struct ty_model *model_new(const char *name, const char *text, size_t len)
{
	struct ty_model *m = ty_calloc(1, sizeof(*m));
	size_t n = 1;

	if (!m)
		return NULL;
	m->name = ty_strdup(name ? name : "<model>");
	m->text = ty_malloc(len + 1);
	for (size_t i = 0; i < len; i++)
		if (text[i] == '\n')
			n++;
	m->line_start = ty_malloc(n * sizeof(*m->line_start));
	if (!m->name || !m->text || !m->line_start) {
		ty_model_free(m);
		return NULL;
	}
	memcpy(m->text, text, len);
	m->text[len] = 0;
	m->len = len;
	m->line_start[0] = 0;
	m->nlines = 1;
	for (size_t i = 0; i < len; i++)
		if (text[i] == '\n')
			m->line_start[m->nlines++] = i + 1;
	return m;
}

void ty_model_free(struct ty_model *m)
{
	if (!m)
		return;
	ty_pool_release(&m->pool);
	free(m->sections);
	free(m->helpers);
	free(m->line_start);
	free(m->text);
	free(m->name);
	free(m);
}

int ty_model_has_section(const struct ty_model *m, const char *section)
{
	if (m && m->section_idx.cap)
		return ty_names_get(&m->section_idx, section) >= 0;
	for (size_t i = 0; m && i < m->nsections; i++)
		if (!strcmp(m->sections[i].name, section))
			return 1;
	return 0;
}

size_t ty_model_nsections(const struct ty_model *m)
{
	return m ? m->nsections : 0;
}

const char *ty_model_section_name(const struct ty_model *m, size_t i)
{
	return m && i < m->nsections ? m->sections[i].name : NULL;
}

const struct ty_helper *ty_model_helper(const struct ty_model *m, const char *name)
{
	long i = ty_names_get(&m->helper_idx, name);

	return i >= 0 && (size_t)i < m->nhelpers ? &m->helpers[i] : NULL;
}

/* ---------------------------------------------------------- yaml reading */

struct loader {
	struct ty_model *m;
	yaml_document_t *doc;
	tyche_error *err;
};

static int node_error(struct loader *ld, const yaml_node_t *n, const char *fmt, ...) TY_PRINTF(3, 4);
static int node_error(struct loader *ld, const yaml_node_t *n, const char *fmt, ...)
{
	va_list ap;
	int line, col;

	ty_byte_loc(ld->m, mark_byte(ld->m, &n->start_mark), &line, &col);
	va_start(ap, fmt);
	ty_error_v(ld->err, TYCHE_EDATA, ld->m->name, line, col, fmt, ap);
	va_end(ap);
	return TYCHE_EDATA;
}

static const char *kind_name(const yaml_node_t *n)
{
	switch (n->type) {
	case YAML_SCALAR_NODE: return "a scalar";
	case YAML_SEQUENCE_NODE: return "a list";
	case YAML_MAPPING_NODE: return "a mapping";
	default: return "nothing";
	}
}

/* Make a ty_src of a scalar node (its value is copied into the pool). */
static int scalar_src(struct loader *ld, const yaml_node_t *n, struct ty_src *s, const char *what)
{
	if (n->type != YAML_SCALAR_NODE)
		return node_error(ld, n, "found %s: expected %s", kind_name(n), what);
	s->m = ld->m;
	s->len = n->data.scalar.length;
	s->text = ty_pool_strndup(&ld->m->pool, (const char *)n->data.scalar.value, s->len);
	if (!s->text)
		return ty_error_at(ld->err, TYCHE_ENOMEM, "", 0, 0, "out of memory");
	s->raw_start = mark_byte(ld->m, &n->start_mark);
	s->raw_end = mark_byte(ld->m, &n->end_mark);
	switch (n->data.scalar.style) {
	case YAML_SINGLE_QUOTED_SCALAR_STYLE: s->style = TY_SRC_SQUOTE; break;
	case YAML_DOUBLE_QUOTED_SCALAR_STYLE: s->style = TY_SRC_DQUOTE; break;
	case YAML_LITERAL_SCALAR_STYLE:
	case YAML_FOLDED_SCALAR_STYLE: s->style = TY_SRC_BLOCK; break;
	default: s->style = TY_SRC_PLAIN; break;
	}
	return 0;
}

static int load_items(struct loader *ld, const yaml_node_t *map, struct ty_item **out,
		      size_t *nout, struct ty_names *idx, int is_let)
{
	size_t n = (size_t)(map->data.mapping.pairs.top - map->data.mapping.pairs.start);
	struct ty_item *v;
	size_t k = 0;
	int rc;

	v = ty_pool_alloc(&ld->m->pool, (n ? n : 1) * sizeof(*v));
	if (!v || ty_names_init(idx, &ld->m->pool, n))
		return ty_error_at(ld->err, TYCHE_ENOMEM, "", 0, 0, "out of memory");
	for (yaml_node_pair_t *pr = map->data.mapping.pairs.start;
	     pr < map->data.mapping.pairs.top; pr++) {
		yaml_node_t *kn = yaml_document_get_node(ld->doc, pr->key);
		yaml_node_t *vn = yaml_document_get_node(ld->doc, pr->value);
		struct ty_item *it = &v[k];

		if ((rc = scalar_src(ld, kn, &it->key, is_let ? "a local name" : "a component label")))
			return rc;
		it->name = (char *)it->key.text;
		if (!is_let && !strcmp(it->name, "let"))
			return node_error(ld, kn, "'let' must come first in a section, before "
					  "the components");
		if (is_let) {
			if (!ty_is_ident(it->name))
				return node_error(ld, kn, "local name '%s' is not a name: expected "
						  "letters, digits and '_', not starting with a digit",
						  it->name);
			if (is_reserved(it->name))
				return node_error(ld, kn, "local name '%s' is a built-in name: "
						  "expected another name", it->name);
		}
		if (ty_names_put(idx, it->name, k) >= 0)
			return node_error(ld, kn, "duplicate %s '%s'",
					  is_let ? "local" : "component", it->name);
		if (!(k & 4095) && (rc = ty_budget_check(ld->err, "reading the model file")))
			return rc;
		if ((rc = scalar_src(ld, vn, &it->val, "an expression")))
			return rc;
		if ((rc = ty_parse_expr(&ld->m->pool, &it->val, &it->ast, ld->err)))
			return rc;
		k++;
	}
	*out = v;
	*nout = k;
	return 0;
}

static int load_section(struct loader *ld, const yaml_node_t *kn, const yaml_node_t *vn,
			struct ty_section *sec)
{
	struct ty_names comp_idx;
	int rc;

	if ((rc = scalar_src(ld, kn, &sec->key, "a section name")))
		return rc;
	sec->name = (char *)sec->key.text;
	if (vn->type != YAML_MAPPING_NODE)
		return node_error(ld, vn, "section '%s' is %s: expected a mapping of "
				  "components, e.g. 'Module: p[2] * p[3]'", sec->name, kind_name(vn));
	yaml_node_pair_t *first = vn->data.mapping.pairs.start;
	yaml_node_t tmp = *vn;
	if (first < vn->data.mapping.pairs.top) {
		yaml_node_t *k0 = yaml_document_get_node(ld->doc, first->key);

		if (k0->type == YAML_SCALAR_NODE && !strcmp((char *)k0->data.scalar.value, "let")) {
			yaml_node_t *lv = yaml_document_get_node(ld->doc, first->value);

			if (lv->type != YAML_MAPPING_NODE)
				return node_error(ld, lv, "'let' is %s: expected a mapping of "
						  "local names to expressions", kind_name(lv));
			if ((rc = load_items(ld, lv, &sec->lets, &sec->nlets, &sec->let_idx, 1)))
				return rc;
			tmp.data.mapping.pairs.start = first + 1;
		}
	}
	if ((rc = load_items(ld, &tmp, &sec->comps, &sec->ncomps, &comp_idx, 0)))
		return rc;
	if (!sec->ncomps)
		return node_error(ld, kn, "section '%s' returns nothing: expected at least one "
				  "component", sec->name);
	return 0;
}

static int load_helpers(struct loader *ld, const yaml_node_t *vn)
{
	size_t n;
	int rc;

	if (vn->type != YAML_MAPPING_NODE)
		return node_error(ld, vn, "'helpers' is %s: expected a mapping like "
				  "'npv(rate, n): expression'", kind_name(vn));
	n = (size_t)(vn->data.mapping.pairs.top - vn->data.mapping.pairs.start);
	ld->m->helpers = ty_calloc(n ? n : 1, sizeof(*ld->m->helpers));
	if (!ld->m->helpers || ty_names_init(&ld->m->helper_idx, &ld->m->pool, n))
		return ty_error_at(ld->err, TYCHE_ENOMEM, "", 0, 0, "out of memory");
	for (yaml_node_pair_t *pr = vn->data.mapping.pairs.start;
	     pr < vn->data.mapping.pairs.top; pr++) {
		yaml_node_t *kn = yaml_document_get_node(ld->doc, pr->key);
		yaml_node_t *bn = yaml_document_get_node(ld->doc, pr->value);
		struct ty_helper *h = &ld->m->helpers[ld->m->nhelpers];

		if ((rc = scalar_src(ld, kn, &h->key, "a helper name, e.g. npv(rate, n)")))
			return rc;
		if ((rc = ty_parse_helper_key(&ld->m->pool, &h->key, &h->name, &h->params,
					      &h->param_pos, &h->nparams, &h->param_idx, ld->err)))
			return rc;
		if (is_reserved(h->name))
			return ty_src_error(ld->err, &h->key, 0, "helper name '%s' is a built-in "
					    "name: expected another name", h->name);
		for (size_t i = 0; i < h->nparams; i++)
			if (is_reserved(h->params[i]))
				return ty_src_error(ld->err, &h->key, h->param_pos[i],
						    "parameter name '%s' is a built-in name: "
						    "expected another name", h->params[i]);
		if (ty_names_put(&ld->m->helper_idx, h->name, ld->m->nhelpers) >= 0)
			return ty_src_error(ld->err, &h->key, 0, "duplicate helper '%s'", h->name);
		if ((rc = scalar_src(ld, bn, &h->val, "an expression")))
			return rc;
		if ((rc = ty_parse_expr(&ld->m->pool, &h->val, &h->body, ld->err)))
			return rc;
		ld->m->nhelpers++;
	}
	return 0;
}

/* ---------------------------------------------------- helper recursion */

/*
 * A depth-first search over the helper call graph with explicit stacks
 * (a chain of 100,000 helpers must not overflow the C stack).  Each
 * helper's calls are listed in pre-order of its body, so the cycle
 * reported is the first one a recursive walk would meet.
 */

struct call {
	size_t callee;
	const struct ty_ast *at;
};

struct vec {
	void *p;
	size_t n, cap, size;
};

static void *vec_push(struct vec *v)
{
	if (v->n == v->cap) {
		size_t ncap = v->cap ? 2 * v->cap : 16;
		void *np = ty_realloc(v->p, ncap * v->size);

		if (!np)
			return NULL;
		v->p = np;
		v->cap = ncap;
	}
	return (char *)v->p + v->n++ * v->size;
}

/* Append the helpers h's body calls to *calls, in pre-order. */
static int list_calls(const struct ty_model *m, const struct ty_helper *h, struct vec *calls,
		      struct vec *stack)
{
	const struct ty_ast **top;

	stack->n = 0;
	if (!(top = vec_push(stack)))
		return TYCHE_ENOMEM;
	*top = h->body;
	while (stack->n) {
		const struct ty_ast *a = ((const struct ty_ast **)stack->p)[--stack->n];
		const struct ty_helper *callee = NULL;

		if (a->kind == AST_CALL ||
		    (a->kind == AST_NAME && ty_names_get(&h->param_idx, a->name) < 0))
			callee = ty_model_helper(m, a->name);
		if (callee) {
			struct call *c = vec_push(calls);

			if (!c)
				return TYCHE_ENOMEM;
			c->callee = (size_t)(callee - m->helpers);
			c->at = a;
		}
		for (size_t i = a->nargs; i-- > 0;) {
			if (!(top = vec_push(stack)))
				return TYCHE_ENOMEM;
			*top = a->args[i];
		}
	}
	return 0;
}

struct frame {
	size_t h;
	size_t next, end;    /* its calls: calls[next..end) */
};

static int check_recursion(const struct ty_model *m, tyche_error *err)
{
	size_t *first = NULL;
	unsigned char *state = NULL;     /* 0 new, 1 on the path, 2 done */
	struct vec calls = { .size = sizeof(struct call) };
	struct vec nodes = { .size = sizeof(struct ty_ast *) };
	struct vec path = { .size = sizeof(struct frame) };
	int rc = 0;

	if (!m->nhelpers)
		return 0;
	first = ty_calloc(m->nhelpers + 1, sizeof(*first));
	state = ty_calloc(m->nhelpers, 1);
	if (!first || !state)
		rc = TYCHE_ENOMEM;
	for (size_t i = 0; !rc && i < m->nhelpers; i++) {
		first[i] = calls.n;
		rc = list_calls(m, &m->helpers[i], &calls, &nodes);
	}
	if (!rc)
		first[m->nhelpers] = calls.n;
	for (size_t i = 0; !rc && i < m->nhelpers; i++) {
		struct frame *f;

		if (state[i])
			continue;
		if (!(f = vec_push(&path))) {
			rc = TYCHE_ENOMEM;
			break;
		}
		*f = (struct frame){ i, first[i], first[i + 1] };
		state[i] = 1;
		while (path.n && !rc) {
			struct frame *top = (struct frame *)path.p + path.n - 1;
			const struct call *c;

			if (top->next == top->end) {
				state[top->h] = 2;
				path.n--;
				continue;
			}
			c = (const struct call *)calls.p + top->next++;
			if (state[c->callee] == 1) {
				struct ty_buf b = TY_BUF_INIT;
				size_t j = 0;
				const struct frame *fr = path.p;

				while (fr[j].h != c->callee)
					j++;
				for (; j < path.n; j++)
					ty_buf_addf(&b, "%s -> ", m->helpers[fr[j].h].name);
				ty_buf_adds(&b, m->helpers[c->callee].name);
				rc = ty_src_error(err, c->at->src, c->at->pos, "recursive helper: %s "
						  "(helpers cannot call themselves)", b.p ? b.p : "");
				ty_buf_release(&b);
				break;
			}
			if (state[c->callee] == 0) {
				size_t h = c->callee;

				if (!(f = vec_push(&path))) {
					rc = TYCHE_ENOMEM;
					break;
				}
				*f = (struct frame){ h, first[h], first[h + 1] };
				state[h] = 1;
			}
		}
	}
	if (rc == TYCHE_ENOMEM)
		ty_error_at(err, TYCHE_ENOMEM, "", 0, 0, "out of memory");
	free(first);
	free(state);
	free(calls.p);
	free(nodes.p);
	free(path.p);
	return rc;
}

/* ----------------------------------------------------------------- load */

static int load_doc(struct loader *ld, yaml_parser_t *parser)
{
	yaml_node_t *root;
	size_t n;
	int rc;

	if (!yaml_parser_load(parser, ld->doc)) {
		yaml_mark_t mk = parser->problem_mark;
		int line, col;

		ty_byte_loc(ld->m, mark_byte(ld->m, &mk), &line, &col);
		return ty_error_at(ld->err, TYCHE_EDATA, ld->m->name, line, col,
				   "invalid YAML: %s%s%s", parser->problem ? parser->problem : "error",
				   parser->context ? " " : "", parser->context ? parser->context : "");
	}
	root = yaml_document_get_root_node(ld->doc);
	if (!root)
		return ty_error_at(ld->err, TYCHE_EDATA, ld->m->name, 1, 1,
				   "empty model file: expected sections like 'capital_cost:'");
	if (root->type != YAML_MAPPING_NODE)
		return node_error(ld, root, "the model file is %s: expected a mapping of "
				  "sections", kind_name(root));
	n = (size_t)(root->data.mapping.pairs.top - root->data.mapping.pairs.start);
	ld->m->sections = ty_calloc(n ? n : 1, sizeof(*ld->m->sections));
	if (!ld->m->sections || ty_names_init(&ld->m->section_idx, &ld->m->pool, n))
		return ty_error_at(ld->err, TYCHE_ENOMEM, "", 0, 0, "out of memory");
	/* helpers first, wherever they are in the file */
	for (yaml_node_pair_t *pr = root->data.mapping.pairs.start;
	     pr < root->data.mapping.pairs.top; pr++) {
		yaml_node_t *kn = yaml_document_get_node(ld->doc, pr->key);

		if (kn->type == YAML_SCALAR_NODE && !strcmp((char *)kn->data.scalar.value, "helpers")) {
			if (ld->m->helpers)
				return node_error(ld, kn, "duplicate 'helpers'");
			if ((rc = load_helpers(ld, yaml_document_get_node(ld->doc, pr->value))))
				return rc;
		}
	}
	for (yaml_node_pair_t *pr = root->data.mapping.pairs.start;
	     pr < root->data.mapping.pairs.top; pr++) {
		yaml_node_t *kn = yaml_document_get_node(ld->doc, pr->key);
		yaml_node_t *vn = yaml_document_get_node(ld->doc, pr->value);
		struct ty_section *sec = &ld->m->sections[ld->m->nsections];

		if (kn->type != YAML_SCALAR_NODE)
			return node_error(ld, kn, "found %s: expected a section name", kind_name(kn));
		if (!strcmp((char *)kn->data.scalar.value, "helpers"))
			continue;
		if (!strcmp((char *)kn->data.scalar.value, "description")) {
			if (vn->type != YAML_SCALAR_NODE)
				return node_error(ld, vn, "'description' is %s: expected text",
						  kind_name(vn));
			continue;
		}
		if (ty_model_has_section(ld->m, (char *)kn->data.scalar.value))
			return node_error(ld, kn, "duplicate section '%s'", (char *)kn->data.scalar.value);
		if ((rc = load_section(ld, kn, vn, sec)))
			return rc;
		ty_names_put(&ld->m->section_idx, sec->name, ld->m->nsections);
		ld->m->nsections++;
	}
	return check_recursion(ld->m, ld->err);
}

int ty_model_parse(struct ty_model **out, const char *name, const char *text, size_t len,
		   tyche_error *err)
{
	struct ty_model *m;
	yaml_parser_t parser;
	yaml_document_t doc;
	struct loader ld = { .doc = &doc, .err = err };
	int rc;

	if (len > TY_MAX_FILE_BYTES)
		return ty_error_at(err, TYCHE_EDATA, name, 0, 0, "model file larger than %u bytes",
				   TY_MAX_FILE_BYTES);
	m = model_new(name, text, len);
	if (!m)
		return ty_error_at(err, TYCHE_ENOMEM, "", 0, 0, "out of memory");
	ld.m = m;
	if (!yaml_parser_initialize(&parser)) {
		ty_model_free(m);
		return ty_error_at(err, TYCHE_ENOMEM, "", 0, 0, "out of memory");
	}
	yaml_parser_set_input_string(&parser, (const unsigned char *)m->text, len);
	memset(&doc, 0, sizeof(doc));
	rc = load_doc(&ld, &parser);
	if (doc.nodes.start)
		yaml_document_delete(&doc);
	yaml_parser_delete(&parser);
	if (rc) {
		ty_model_free(m);
		return rc;
	}
	*out = m;
	return 0;
}

int ty_model_load(struct ty_model **out, const char *path, tyche_error *err)
{
	char *text = NULL;
	size_t len = 0;
	int rc;

	rc = ty_read_file(path, TY_MAX_FILE_BYTES, &text, &len, err);
	if (rc)
		return rc;
	rc = ty_model_parse(out, path, text, len, err);
	free(text);
	return rc;
}

int ty_model_parse_expr(struct ty_model **out, const char *name, const char *expr,
			tyche_error *err)
{
	size_t len = strlen(expr);
	struct ty_model *m = model_new(name, expr, len);
	struct ty_section *sec;
	struct ty_item *it;
	int rc;

	if (!m)
		return ty_error_at(err, TYCHE_ENOMEM, "", 0, 0, "out of memory");
	m->sections = ty_calloc(1, sizeof(*m->sections));
	it = ty_pool_alloc(&m->pool, sizeof(*it));
	if (!m->sections || !it) {
		ty_model_free(m);
		return ty_error_at(err, TYCHE_ENOMEM, "", 0, 0, "out of memory");
	}
	sec = m->sections;
	sec->name = "expr";
	sec->key = (struct ty_src){ m, "expr", 4, 0, 0, TY_SRC_EXACT };
	it->name = "expr";
	it->key = sec->key;
	it->val = (struct ty_src){ m, m->text, len, 0, len, TY_SRC_EXACT };
	sec->comps = it;
	sec->ncomps = 1;
	m->nsections = 1;
	rc = ty_parse_expr(&m->pool, &it->val, &it->ast, err);
	if (rc) {
		ty_model_free(m);
		return rc;
	}
	*out = m;
	return 0;
}
