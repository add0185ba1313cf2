/* The scheduler tests' fixture (test_sched.c, test_sched_flags.c): two
 * groups, fake ops that log every callback, explicit clocks. */
#pragma once

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "feedback/sched.h"
#include "feedback/wire.h"

#define TIME_BOX 100
#define QUEUE_TIMEOUT 1000

/* Two groups (g and h) of one sensor source each, a scheduler, and the
 * log of every callback it made, one line each:
 *   offer <conn> <window> #<attempt> deadline=<ns>
 *   offer <conn> <window> #<attempt> held
 *   start <conn> <window> deadline=<ns>
 *   revoke <conn> <window> <reason>
 *   expired <window> <reason> attempts=<n> [<reviewer> ...]
 * A connection is a string "<reviewer>" or "<reviewer>/<n>". */
struct fixture {
	char *channels[4];
	struct rs_source_conf src;
	struct rs_source_conf *srcp[1];
	char *classes[3];
	struct rs_group_conf groups[2];
	struct rs_config cfg;
	sched *s;
	GPtrArray *log;
};

static G_GNUC_UNUSED void on_offer(void *conn, const struct sched_assignment *a, void *user)
{
	struct fixture *fx = user;
	const char *name = conn;
	const char *slash = strchr(name, '/');
	gsize id_len = slash ? (gsize)(slash - name) : strlen(name);
	GBytes *packed = wire_pack_window(a->window);

	/* what the owner needs to send the task */
	assert_non_null(a->reviewer);
	assert_int_equal(strlen(sched_reviewer_id(a->reviewer)), id_len);
	assert_memory_equal(sched_reviewer_id(a->reviewer), name, id_len);
	assert_true(g_bytes_equal(a->packed_window, packed));
	assert_false(a->publishing);
	assert_int_equal(a->extensions, 0);
	g_bytes_unref(packed);
	if (a->held) {
		assert_int_equal(a->deadline_ns, 0);
		g_ptr_array_add(fx->log, g_strdup_printf("offer %s %s #%u held", name,
		                                         a->window->id, a->attempt));
		return;
	}
	assert_int_equal(a->deadline_ns - a->assigned_ns, a->window->group->time_box_ns);
	g_ptr_array_add(fx->log, g_strdup_printf("offer %s %s #%u deadline=%" G_GINT64_FORMAT, name,
	                                         a->window->id, a->attempt, a->deadline_ns));
}

static G_GNUC_UNUSED void on_start(void *conn, const struct sched_assignment *a, void *user)
{
	struct fixture *fx = user;

	assert_false(a->held);
	assert_int_equal(a->deadline_ns - a->assigned_ns, a->window->group->time_box_ns);
	g_ptr_array_add(fx->log, g_strdup_printf("start %s %s deadline=%" G_GINT64_FORMAT,
	                                         (const char *)conn, a->window->id,
	                                         a->deadline_ns));
}

static G_GNUC_UNUSED void on_revoke(void *conn, const char *window_id, const char *reason, void *user)
{
	struct fixture *fx = user;

	g_ptr_array_add(fx->log,
	                g_strdup_printf("revoke %s %s %s", (const char *)conn, window_id, reason));
}

static G_GNUC_UNUSED void on_expired(const struct sched_expiry *e, void *user)
{
	struct fixture *fx = user;
	char *who = g_strjoinv(" ", (char **)e->reviewers);

	g_ptr_array_add(fx->log, g_strdup_printf("expired %s %s attempts=%u [%s]", e->window->id,
	                                         e->reason, e->attempts, who));
	g_free(who);
}

static const struct sched_ops fake_ops = {on_offer, on_revoke, on_expired, on_start};

static G_GNUC_UNUSED int fx_setup(void **state)
{
	struct fixture *fx = g_new0(struct fixture, 1);

	fx->channels[0] = "x";
	fx->channels[1] = "y";
	fx->channels[2] = "z";
	fx->src.name = "imu";
	fx->src.kind = RS_KIND_SENSOR;
	fx->src.channels = fx->channels;
	fx->src.n_channels = 3;
	fx->srcp[0] = &fx->src;
	fx->classes[0] = "ok";
	fx->classes[1] = "fault";
	for (guint i = 0; i < 2; i++) {
		struct rs_group_conf *g = &fx->groups[i];

		g->name = i == 0 ? "g" : "h";
		g->sources = fx->srcp;
		g->n_sources = 1;
		g->window_ns = 10;
		g->every_ns = 10;
		g->classes = fx->classes;
		g->n_classes = 2;
		g->time_box_ns = TIME_BOX;
		g->max_attempts = 2;
		g->queue_max = 8;
		g->queue_timeout_ns = QUEUE_TIMEOUT;
		g->ambiguous_to = RS_AMBIGUOUS_TO_ANYONE;
		g->max_ambiguous = 2;
	}
	fx->cfg.groups = fx->groups;
	fx->cfg.n_groups = 2;
	fx->log = g_ptr_array_new_with_free_func(g_free);
	fx->s = sched_new(&fx->cfg, G_MAXSIZE, &fake_ops, fx);
	*state = fx;
	return 0;
}

static G_GNUC_UNUSED int fx_teardown(void **state)
{
	struct fixture *fx = *state;

	sched_free(fx->s);
	g_ptr_array_unref(fx->log);
	g_free(fx);
	return 0;
}

/* A window "<group>:<start>" holding one reading of the group's sensor. */
static G_GNUC_UNUSED rs_window *new_window(const struct rs_group_conf *g, gint64 start)
{
	rs_window *w = g_new0(rs_window, 1);
	float v[3] = {1.0f, 2.0f, (float)start};

	w->ref = 1;
	w->id = g_strdup_printf("%s:%" G_GINT64_FORMAT, g->name, start);
	w->group = g;
	w->start_ns = start;
	w->end_ns = start + g->window_ns;
	w->reason = RS_REASON_PERIODIC;
	w->n_sources = 1;
	w->sources = g_new0(struct rs_window_source, 1);
	w->sources[0].conf = g->sources[0];
	w->sources[0].samples = g_ptr_array_new_with_free_func((GDestroyNotify)rs_sample_unref);
	g_ptr_array_add(w->sources[0].samples, rs_sample_new(start, 0, g_bytes_new(v, sizeof v)));
	w->sources[0].complete = TRUE;
	w->complete = TRUE;
	return w;
}

/* Hands the scheduler window "<group>:<start>" at NOW; it keeps its own ref. */
static G_GNUC_UNUSED void add(struct fixture *fx, guint group, gint64 start, gint64 now)
{
	rs_window *w = new_window(&fx->groups[group], start);

	sched_add_window(fx->s, w, now);
	rs_window_unref(w);
}

static G_GNUC_UNUSED struct sched_assignment *held(struct fixture *fx, sched_reviewer *r, const char *window_id)
{
	struct sched_assignment *a = sched_find(fx->s, r, window_id);

	if (!a)
		fail_msg("%s does not hold %s", sched_reviewer_id(r), window_id);
	return a;
}

static G_GNUC_UNUSED char *log_dump(GPtrArray *log)
{
	GString *s = g_string_new("");

	for (guint i = 0; i < log->len; i++)
		g_string_append_printf(s, "\n    %s", (const char *)log->pdata[i]);
	if (!log->len)
		g_string_append(s, " (nothing)");
	return g_string_free(s, FALSE);
}

/* Asserts the callbacks since the last call were exactly the lines given
 * (NULL-terminated), in order, then forgets them. */
static G_GNUC_UNUSED void expect_log(struct fixture *fx, int line, ...)
{
	GPtrArray *want = g_ptr_array_new();
	gboolean same;
	va_list ap;

	va_start(ap, line);
	for (const char *l; (l = va_arg(ap, const char *));)
		g_ptr_array_add(want, (gpointer)l);
	va_end(ap);
	same = want->len == fx->log->len;
	for (guint i = 0; same && i < want->len; i++)
		same = !strcmp(want->pdata[i], fx->log->pdata[i]);
	if (!same) {
		char *got = log_dump(fx->log), *exp = log_dump(want);

		print_error("line %d: callbacks\n  got:%s\n  expected:%s\n", line, got, exp);
		g_free(got);
		g_free(exp);
	}
	g_ptr_array_unref(want);
	g_ptr_array_set_size(fx->log, 0);
	if (!same)
		fail();
}

#define expect(fx, ...) expect_log(fx, __LINE__, __VA_ARGS__, NULL)
#define expect_nothing(fx) expect_log(fx, __LINE__, NULL)

#define STATS(...) ((struct sched_stats){__VA_ARGS__})

static G_GNUC_UNUSED void expect_stats_at(struct fixture *fx, int line, struct sched_stats want)
{
	struct sched_stats got;

	sched_get_stats(fx->s, &got);
#define CHECK(f)                                                                                   \
	if (got.f != want.f)                                                                       \
		fail_msg("line %d: stats." #f " is %" G_GUINT64_FORMAT                             \
		         ", expected %" G_GUINT64_FORMAT,                                          \
		         line, (guint64)got.f, (guint64)want.f);
	CHECK(waiting);
	CHECK(assigned);
	CHECK(held);
	CHECK(reviewers);
	CHECK(offered);
	CHECK(completed);
	CHECK(reoffered);
	CHECK(declined);
	CHECK(expired_deadline);
	CHECK(expired_unassigned);
	CHECK(expired_queue_full);
	CHECK(ambiguous);
	CHECK(skipped);
	CHECK(extended);
	CHECK(expired_ambiguous);
#undef CHECK
}

#define expect_stats(fx, ...) expect_stats_at(fx, __LINE__, STATS(__VA_ARGS__))
