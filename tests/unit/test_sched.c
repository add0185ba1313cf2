/* Unit tests for feedback/sched.c: offers, deadlines, reoffers, declines,
 * disconnects, the publishing pause, queue bounds and expiry records,
 * flags (ambiguous, skip), held (prefetched) tasks and extensions, driven
 * with fake ops and explicit clocks. */
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

static void on_offer(void *conn, const struct sched_assignment *a, void *user)
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

static void on_start(void *conn, const struct sched_assignment *a, void *user)
{
	struct fixture *fx = user;

	assert_false(a->held);
	assert_int_equal(a->deadline_ns - a->assigned_ns, a->window->group->time_box_ns);
	g_ptr_array_add(fx->log, g_strdup_printf("start %s %s deadline=%" G_GINT64_FORMAT,
	                                         (const char *)conn, a->window->id,
	                                         a->deadline_ns));
}

static void on_revoke(void *conn, const char *window_id, const char *reason, void *user)
{
	struct fixture *fx = user;

	g_ptr_array_add(fx->log,
	                g_strdup_printf("revoke %s %s %s", (const char *)conn, window_id, reason));
}

static void on_expired(const struct sched_expiry *e, void *user)
{
	struct fixture *fx = user;
	char *who = g_strjoinv(" ", (char **)e->reviewers);

	g_ptr_array_add(fx->log, g_strdup_printf("expired %s %s attempts=%u [%s]", e->window->id,
	                                         e->reason, e->attempts, who));
	g_free(who);
}

static const struct sched_ops fake_ops = {on_offer, on_revoke, on_expired, on_start};

static int fx_setup(void **state)
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

static int fx_teardown(void **state)
{
	struct fixture *fx = *state;

	sched_free(fx->s);
	g_ptr_array_unref(fx->log);
	g_free(fx);
	return 0;
}

/* A window "<group>:<start>" holding one reading of the group's sensor. */
static rs_window *new_window(const struct rs_group_conf *g, gint64 start)
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
static void add(struct fixture *fx, guint group, gint64 start, gint64 now)
{
	rs_window *w = new_window(&fx->groups[group], start);

	sched_add_window(fx->s, w, now);
	rs_window_unref(w);
}

static struct sched_assignment *held(struct fixture *fx, sched_reviewer *r, const char *window_id)
{
	struct sched_assignment *a = sched_find(fx->s, r, window_id);

	if (!a)
		fail_msg("%s does not hold %s", sched_reviewer_id(r), window_id);
	return a;
}

static char *log_dump(GPtrArray *log)
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
static void expect_log(struct fixture *fx, int line, ...)
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

static void expect_stats_at(struct fixture *fx, int line, struct sched_stats want)
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

/* ---- offering ----------------------------------------------------------- */

static void test_offer_at_once(void **state)
{
	struct fixture *fx = *state;
	sched_reviewer *alice = sched_reviewer_join(fx->s, "alice", "alice", 1, 0);
	struct sched_assignment *a;

	assert_string_equal(sched_reviewer_id(alice), "alice");
	expect_nothing(fx);
	add(fx, 0, 0, 10);
	expect(fx, "offer alice g:0 #1 deadline=110");
	a = held(fx, alice, "g:0");
	assert_string_equal(a->window->id, "g:0");
	assert_ptr_equal(a->reviewer, alice);
	assert_int_equal(a->attempt, 1);
	assert_int_equal(a->assigned_ns, 10);
	assert_int_equal(a->deadline_ns, 110);
	assert_null(sched_find(fx->s, alice, "g:10"));
	expect_stats(fx, .assigned = 1, .reviewers = 1, .offered = 1);
}

static void test_queued_until_join(void **state)
{
	struct fixture *fx = *state;
	sched_reviewer *alice, *bob;

	add(fx, 0, 0, 0);
	add(fx, 0, 10, 5);
	expect_nothing(fx);
	expect_stats(fx, .waiting = 2);

	/* oldest first */
	alice = sched_reviewer_join(fx->s, "alice", "alice", 1, 50);
	expect(fx, "offer alice g:0 #1 deadline=150");
	bob = sched_reviewer_join(fx->s, "bob", "bob", 1, 60);
	expect(fx, "offer bob g:10 #1 deadline=160");
	held(fx, alice, "g:0");
	held(fx, bob, "g:10");
	expect_stats(fx, .assigned = 2, .reviewers = 2, .offered = 2);
}

/* A reviewer at capacity is offered nothing more; finishing one frees a
 * slot, and the next waiting window is offered at once. Only the first
 * runs against a deadline; the others are held behind it, and the oldest
 * held one starts when it ends. */
static void test_capacity(void **state)
{
	static const guint capacities[] = {1, 2, 3};
	struct fixture *fx = *state;

	for (gsize i = 0; i < G_N_ELEMENTS(capacities); i++) {
		guint cap = capacities[i];
		sched *s = sched_new(&fx->cfg, G_MAXSIZE, &fake_ops, fx);
		sched *keep = fx->s;
		sched_reviewer *alice;
		char *line;

		fx->s = s;
		alice = sched_reviewer_join(s, "alice", "alice", cap, 0);
		for (guint k = 0; k < cap + 2; k++)
			add(fx, 0, k * 10, k);
		assert_int_equal(fx->log->len, cap);
		assert_string_equal(fx->log->pdata[0], "offer alice g:0 #1 deadline=100");
		for (guint k = 1; k < cap; k++) {
			char *id = g_strdup_printf("g:%u", k * 10);

			line = g_strdup_printf("offer alice %s #1 held", id);
			assert_string_equal(fx->log->pdata[k], line);
			assert_true(held(fx, alice, id)->held);
			g_free(line);
			g_free(id);
		}
		expect_stats(fx, .waiting = 2, .assigned = cap, .held = cap - 1, .reviewers = 1,
		             .offered = cap);
		g_ptr_array_set_size(fx->log, 0);

		sched_complete(s, held(fx, alice, "g:0"), 50);
		if (cap == 1) {
			expect(fx, "offer alice g:10 #1 deadline=150");
		} else {
			char *next = g_strdup_printf("offer alice g:%u #1 held", cap * 10);

			expect(fx, "start alice g:10 deadline=150", next);
			g_free(next);
		}
		expect_stats(fx, .waiting = 1, .assigned = cap, .held = cap - 1, .reviewers = 1,
		             .offered = cap + 1, .completed = 1);

		sched_free(s);
		g_ptr_array_set_size(fx->log, 0);
		fx->s = keep;
	}
}

/* Windows go to the least loaded reviewer with room, so equal reviewers
 * share the work evenly. */
static void test_spread(void **state)
{
	static const struct {
		guint reviewers, capacity, windows;
		guint per_reviewer[3]; /* sorted, fewest first */
	} cases[] = {
	        {2, 1, 2, {1, 1}},    {2, 2, 2, {1, 1}},    {2, 2, 3, {1, 2}},
	        {3, 2, 6, {2, 2, 2}}, {3, 3, 4, {1, 1, 2}}, {3, 1, 5, {1, 1, 1}},
	};
	static const char *const names[3] = {"alice", "bob", "carol"};
	struct fixture *fx = *state;

	for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
		sched *keep = fx->s;
		sched_reviewer *r[3];
		guint count[3] = {0};

		fx->s = sched_new(&fx->cfg, G_MAXSIZE, &fake_ops, fx);
		for (guint k = 0; k < cases[i].reviewers; k++)
			r[k] = sched_reviewer_join(fx->s, names[k], (char *)names[k],
			                           cases[i].capacity, 0);
		for (guint w = 0; w < cases[i].windows; w++) {
			char *id = g_strdup_printf("g:%u", w * 10);

			add(fx, 0, w * 10, w);
			for (guint k = 0; k < cases[i].reviewers; k++)
				count[k] += sched_find(fx->s, r[k], id) != NULL;
			g_free(id);
		}
		for (guint k = 0; k < cases[i].reviewers; k++) {
			for (guint j = k + 1; j < cases[i].reviewers; j++) {
				if (count[j] < count[k]) {
					guint t = count[j];
					count[j] = count[k];
					count[k] = t;
				}
			}
		}
		for (guint k = 0; k < cases[i].reviewers; k++) {
			if (count[k] != cases[i].per_reviewer[k])
				fail_msg("case %zu: reviewer %u of %u got %u windows, expected %u",
				         i, k, cases[i].reviewers, count[k],
				         cases[i].per_reviewer[k]);
		}
		sched_free(fx->s);
		g_ptr_array_set_size(fx->log, 0);
		fx->s = keep;
	}
}

/* ---- deadlines ---------------------------------------------------------- */

static void test_deadline_reoffers(void **state)
{
	struct fixture *fx = *state;
	sched_reviewer *alice = sched_reviewer_join(fx->s, "alice", "alice", 1, 0);
	sched_reviewer *bob;

	add(fx, 0, 0, 0);
	expect(fx, "offer alice g:0 #1 deadline=100");
	bob = sched_reviewer_join(fx->s, "bob", "bob", 1, 10);
	expect_nothing(fx);
	sched_tick(fx->s, 99);
	expect_nothing(fx);
	sched_tick(fx->s, 100);
	expect(fx, "revoke alice g:0 deadline", "offer bob g:0 #2 deadline=200");
	assert_null(sched_find(fx->s, alice, "g:0"));
	assert_int_equal(held(fx, bob, "g:0")->attempt, 2);
	expect_stats(fx, .assigned = 1, .reviewers = 2, .offered = 2, .reoffered = 1);
}

/* The reviewer who let the deadline pass is not offered it again; the
 * window waits for someone else, and other windows still reach them. */
static void test_deadline_not_same_reviewer(void **state)
{
	struct fixture *fx = *state;

	sched_reviewer_join(fx->s, "alice", "alice", 1, 0);
	add(fx, 0, 0, 0);
	expect(fx, "offer alice g:0 #1 deadline=100");
	sched_tick(fx->s, 100);
	expect(fx, "revoke alice g:0 deadline");
	sched_tick(fx->s, 150);
	expect_nothing(fx);
	expect_stats(fx, .waiting = 1, .reviewers = 1, .offered = 1);

	add(fx, 0, 10, 150);
	expect(fx, "offer alice g:10 #1 deadline=250");
	sched_reviewer_join(fx->s, "bob", "bob", 1, 160);
	expect(fx, "offer bob g:0 #2 deadline=260");
	expect_stats(fx, .assigned = 2, .reviewers = 2, .offered = 3, .reoffered = 1);
}

/* After max_attempts deadlines the window expires with everyone who had
 * it, in offer order. */
static void test_deadline_max_attempts(void **state)
{
	struct fixture *fx = *state;

	fx->groups[0].max_attempts = 3;
	sched_reviewer_join(fx->s, "carol", "carol", 1, 0);
	add(fx, 0, 0, 0);
	expect(fx, "offer carol g:0 #1 deadline=100");
	sched_reviewer_join(fx->s, "alice", "alice", 1, 10);
	sched_tick(fx->s, 100);
	expect(fx, "revoke carol g:0 deadline", "offer alice g:0 #2 deadline=200");
	sched_reviewer_join(fx->s, "bob", "bob", 1, 110);
	sched_tick(fx->s, 200);
	expect(fx, "revoke alice g:0 deadline", "offer bob g:0 #3 deadline=300");
	sched_tick(fx->s, 300);
	expect(fx, "revoke bob g:0 deadline", "expired g:0 deadline attempts=3 [carol alice bob]");
	sched_tick(fx->s, 5000);
	expect_nothing(fx);
	expect_stats(fx, .reviewers = 3, .offered = 3, .reoffered = 2, .expired_deadline = 1);
}

/* ---- reviewers leaving -------------------------------------------------- */

/* A dropped connection is not a refusal: the window moves on at once
 * without using an attempt. */
static void test_leave_reoffers(void **state)
{
	struct fixture *fx = *state;
	sched_reviewer *alice = sched_reviewer_join(fx->s, "alice", "alice", 1, 0);
	sched_reviewer *bob;

	add(fx, 0, 0, 0);
	expect(fx, "offer alice g:0 #1 deadline=100");
	bob = sched_reviewer_join(fx->s, "bob", "bob", 1, 10);
	sched_reviewer_leave(fx->s, alice, 50);
	expect(fx, "offer bob g:0 #1 deadline=150");
	assert_int_equal(held(fx, bob, "g:0")->attempt, 1);
	expect_stats(fx, .assigned = 1, .reviewers = 1, .offered = 2);
}

static void test_leave_and_rejoin(void **state)
{
	struct fixture *fx = *state;
	sched_reviewer *alice = sched_reviewer_join(fx->s, "alice", "alice/1", 1, 0);

	add(fx, 0, 0, 0);
	expect(fx, "offer alice/1 g:0 #1 deadline=100");
	sched_reviewer_leave(fx->s, alice, 50);
	expect_nothing(fx);
	expect_stats(fx, .waiting = 1, .offered = 1);
	alice = sched_reviewer_join(fx->s, "alice", "alice/2", 1, 60);
	expect(fx, "offer alice/2 g:0 #1 deadline=160");
	assert_int_equal(held(fx, alice, "g:0")->attempt, 1);
	expect_stats(fx, .assigned = 1, .reviewers = 1, .offered = 2);
}

/* Only the reviewer who dropped may have the window back: one who let its
 * deadline pass earlier still may not. */
static void test_leave_does_not_excuse_others(void **state)
{
	struct fixture *fx = *state;
	sched_reviewer *bob;

	fx->groups[0].max_attempts = 3;
	sched_reviewer_join(fx->s, "alice", "alice", 1, 0);
	add(fx, 0, 0, 0);
	sched_tick(fx->s, 100);
	expect(fx, "offer alice g:0 #1 deadline=100", "revoke alice g:0 deadline");
	bob = sched_reviewer_join(fx->s, "bob", "bob/1", 1, 110);
	expect(fx, "offer bob/1 g:0 #2 deadline=210");
	sched_reviewer_leave(fx->s, bob, 120);
	expect_nothing(fx);
	expect_stats(fx, .waiting = 1, .reviewers = 1, .offered = 2, .reoffered = 1);
	sched_reviewer_join(fx->s, "bob", "bob/2", 1, 130);
	expect(fx, "offer bob/2 g:0 #2 deadline=230");
}

/* ---- publishing --------------------------------------------------------- */

/* While a label is on its way to Redis the deadline does not apply. */
static void test_publishing_suspends_deadline(void **state)
{
	struct fixture *fx = *state;
	sched_reviewer *alice = sched_reviewer_join(fx->s, "alice", "alice", 1, 0);
	struct sched_assignment *a;

	add(fx, 0, 0, 0);
	expect(fx, "offer alice g:0 #1 deadline=100");
	a = held(fx, alice, "g:0");
	sched_publish_started(fx->s, a, 0);
	sched_reviewer_join(fx->s, "bob", "bob", 1, 10);
	add(fx, 0, 10, 20);
	expect(fx, "offer bob g:10 #1 deadline=120");
	add(fx, 0, 20, 30);
	sched_tick(fx->s, 100);
	sched_tick(fx->s, 500);
	expect(fx, "revoke bob g:10 deadline", "offer bob g:20 #1 deadline=600");
	assert_ptr_equal(sched_find(fx->s, alice, "g:0"), a);

	/* stored: done, and alice's slot takes the next window */
	sched_complete(fx->s, a, 510);
	expect(fx, "offer alice g:10 #2 deadline=610");
	assert_null(sched_find(fx->s, alice, "g:0"));
	expect_stats(fx, .assigned = 2, .reviewers = 2, .offered = 4, .completed = 1,
	             .reoffered = 1);
}

static void test_publish_failed_after_deadline(void **state)
{
	struct fixture *fx = *state;
	sched_reviewer *alice = sched_reviewer_join(fx->s, "alice", "alice", 1, 0);
	struct sched_assignment *a;

	add(fx, 0, 0, 0);
	a = held(fx, alice, "g:0");
	sched_publish_started(fx->s, a, 90);
	sched_reviewer_join(fx->s, "bob", "bob", 1, 10);
	sched_tick(fx->s, 150);
	expect(fx, "offer alice g:0 #1 deadline=100");
	/* Redis took 110: the deadline moves to 210, the reviewer keeps it. */
	sched_publish_failed(fx->s, a, 200);
	assert_int_equal(a->deadline_ns, 210);
	assert_ptr_equal(sched_find(fx->s, alice, "g:0"), a);
	sched_tick(fx->s, 210);
	expect(fx, "revoke alice g:0 deadline", "offer bob g:0 #2 deadline=310");
	assert_null(sched_find(fx->s, alice, "g:0"));
	expect_stats(fx, .assigned = 1, .reviewers = 2, .offered = 2, .reoffered = 1);
}

static void test_publish_failed_before_deadline(void **state)
{
	struct fixture *fx = *state;
	sched_reviewer *alice = sched_reviewer_join(fx->s, "alice", "alice", 1, 0);
	struct sched_assignment *a;

	add(fx, 0, 0, 0);
	a = held(fx, alice, "g:0");
	sched_publish_started(fx->s, a, 40);
	sched_publish_failed(fx->s, a, 50);
	expect(fx, "offer alice g:0 #1 deadline=100");
	assert_ptr_equal(sched_find(fx->s, alice, "g:0"), a);
	assert_false(a->publishing);
	assert_int_equal(a->deadline_ns, 110);
	sched_tick(fx->s, 109);
	sched_tick(fx->s, 110);
	expect(fx, "revoke alice g:0 deadline");
	expect_stats(fx, .waiting = 1, .reviewers = 1, .offered = 1);
}

/* The reviewer left while the label was in flight: the window stays until
 * Redis answers; a failure puts it back in the queue (no attempt used). */
static void test_publish_failed_after_leave(void **state)
{
	struct fixture *fx = *state;
	sched_reviewer *alice = sched_reviewer_join(fx->s, "alice", "alice/1", 1, 0);
	struct sched_assignment *a;

	add(fx, 0, 0, 0);
	expect(fx, "offer alice/1 g:0 #1 deadline=100");
	a = held(fx, alice, "g:0");
	sched_publish_started(fx->s, a, 40);
	sched_reviewer_leave(fx->s, alice, 50);
	sched_tick(fx->s, 500);
	expect_nothing(fx);
	expect_stats(fx, .assigned = 1, .offered = 1);
	sched_publish_failed(fx->s, a, 600);
	expect_nothing(fx);
	expect_stats(fx, .waiting = 1, .offered = 1);
	alice = sched_reviewer_join(fx->s, "alice", "alice/2", 1, 610);
	expect(fx, "offer alice/2 g:0 #1 deadline=710");
	expect_stats(fx, .assigned = 1, .reviewers = 1, .offered = 2);
}

static void test_complete_after_leave(void **state)
{
	struct fixture *fx = *state;
	sched_reviewer *alice = sched_reviewer_join(fx->s, "alice", "alice", 1, 0);
	struct sched_assignment *a;

	add(fx, 0, 0, 0);
	a = held(fx, alice, "g:0");
	sched_publish_started(fx->s, a, 40);
	sched_reviewer_leave(fx->s, alice, 50);
	sched_complete(fx->s, a, 60);
	expect(fx, "offer alice g:0 #1 deadline=100");
	sched_tick(fx->s, 5000);
	expect_nothing(fx);
	expect_stats(fx, .offered = 1, .completed = 1);
}

/* ---- declining ---------------------------------------------------------- */

static void test_decline(void **state)
{
	struct fixture *fx = *state;
	sched_reviewer *alice = sched_reviewer_join(fx->s, "alice", "alice", 1, 0);
	sched_reviewer *bob;

	add(fx, 0, 0, 0);
	expect(fx, "offer alice g:0 #1 deadline=100");
	bob = sched_reviewer_join(fx->s, "bob", "bob", 1, 5);
	sched_decline(fx->s, held(fx, alice, "g:0"), 10);
	expect(fx, "offer bob g:0 #2 deadline=110");
	expect_stats(fx, .assigned = 1, .reviewers = 2, .offered = 2, .reoffered = 1,
	             .declined = 1);

	/* the last attempt declined: expired, though carol is free */
	sched_reviewer_join(fx->s, "carol", "carol", 1, 15);
	sched_decline(fx->s, held(fx, bob, "g:0"), 20);
	expect(fx, "expired g:0 declined attempts=2 [alice bob]");
	expect_stats(fx, .reviewers = 3, .offered = 2, .reoffered = 1, .declined = 2);
}

static void test_decline_not_back_to_decliner(void **state)
{
	struct fixture *fx = *state;
	sched_reviewer *alice = sched_reviewer_join(fx->s, "alice", "alice", 1, 0);

	add(fx, 0, 0, 0);
	sched_decline(fx->s, held(fx, alice, "g:0"), 10);
	expect(fx, "offer alice g:0 #1 deadline=100");
	assert_null(sched_find(fx->s, alice, "g:0"));
	expect_stats(fx, .waiting = 1, .reviewers = 1, .offered = 1, .declined = 1);
}

/* ---- queue bounds ------------------------------------------------------- */

/* Past queue_max the group's oldest waiting window leaves; other groups'
 * windows do not count. */
static void test_queue_full(void **state)
{
	struct fixture *fx = *state;

	fx->groups[0].queue_max = 2;
	fx->groups[1].queue_max = 2;
	add(fx, 0, 0, 0);
	add(fx, 1, 0, 1);
	add(fx, 0, 10, 2);
	add(fx, 1, 10, 3);
	expect_nothing(fx);
	add(fx, 0, 20, 4);
	expect(fx, "expired g:0 queue_full attempts=0 []");
	add(fx, 0, 30, 5);
	expect(fx, "expired g:10 queue_full attempts=0 []");
	expect_stats(fx, .waiting = 4, .expired_queue_full = 2);

	/* the survivors are the newest, offered oldest first */
	sched_reviewer_join(fx->s, "alice", "alice", 4, 10);
	expect(fx, "offer alice h:0 #1 deadline=110", "offer alice h:10 #1 held",
	       "offer alice g:20 #1 held", "offer alice g:30 #1 held");
}

static void test_queue_timeout_unassigned(void **state)
{
	struct fixture *fx = *state;

	add(fx, 0, 0, 0);
	add(fx, 0, 10, 500);
	sched_tick(fx->s, QUEUE_TIMEOUT - 1);
	expect_nothing(fx);
	sched_tick(fx->s, QUEUE_TIMEOUT);
	expect(fx, "expired g:0 unassigned attempts=0 []");
	sched_tick(fx->s, 500 + QUEUE_TIMEOUT);
	expect(fx, "expired g:10 unassigned attempts=0 []");
	expect_stats(fx, .expired_unassigned = 2);
}

/* A window that was offered and then waited too long for someone else
 * expires as "deadline". */
static void test_queue_timeout_after_offer(void **state)
{
	struct fixture *fx = *state;

	fx->groups[0].max_attempts = 3;
	sched_reviewer_join(fx->s, "alice", "alice", 1, 0);
	add(fx, 0, 0, 0);
	sched_tick(fx->s, 100);
	expect(fx, "offer alice g:0 #1 deadline=100", "revoke alice g:0 deadline");
	sched_tick(fx->s, 100 + QUEUE_TIMEOUT - 1);
	expect_nothing(fx);
	sched_tick(fx->s, 100 + QUEUE_TIMEOUT);
	expect(fx, "expired g:0 deadline attempts=1 [alice]");
	expect_stats(fx, .reviewers = 1, .offered = 1, .expired_deadline = 1);
}

/* A window bigger than a connection's send cap could never be delivered:
 * it is expired at once instead of being offered forever. */
static void test_too_large(void **state)
{
	struct fixture *fx = *state;
	sched *keep = fx->s;

	fx->s = sched_new(&fx->cfg, 64, &fake_ops, fx);
	sched_reviewer_join(fx->s, "alice", "alice", 1, 0);
	add(fx, 0, 0, 0);
	expect(fx, "expired g:0 too_large attempts=0 []");
	expect_nothing(fx);
	sched_free(fx->s);
	fx->s = keep;
}

/* ---- flags -------------------------------------------------------------- */

/* Ambiguous: offered again to someone who has not had it, and those offers
 * do not count against max_attempts (2 here): after alice's flag, bob's
 * and carol's missed deadlines are the two counted attempts. */
static void test_ambiguous_reoffer(void **state)
{
	struct fixture *fx = *state;
	sched_reviewer *alice = sched_reviewer_join(fx->s, "alice", "alice", 1, 0);
	sched_reviewer *bob;

	add(fx, 0, 0, 0);
	expect(fx, "offer alice g:0 #1 deadline=100");
	sched_publish_started(fx->s, held(fx, alice, "g:0"), 5);
	sched_ambiguous(fx->s, held(fx, alice, "g:0"), 10);
	expect_nothing(fx);
	expect_stats(fx, .waiting = 1, .reviewers = 1, .offered = 1, .ambiguous = 1);
	/* alice gets the next window, never g:0 again */
	add(fx, 0, 10, 20);
	expect(fx, "offer alice g:10 #1 deadline=120");
	bob = sched_reviewer_join(fx->s, "bob", "bob", 1, 30);
	expect(fx, "offer bob g:0 #2 deadline=130");
	sched_tick(fx->s, 130);
	/* g:0 is nobody's now: alice flagged it, bob let it run out */
	expect(fx, "revoke bob g:0 deadline", "revoke alice g:10 deadline",
	       "offer bob g:10 #2 deadline=230");
	sched_complete(fx->s, held(fx, bob, "g:10"), 135);
	sched_reviewer_join(fx->s, "carol", "carol", 1, 140);
	expect(fx, "offer carol g:0 #3 deadline=240");
	sched_tick(fx->s, 240);
	expect(fx, "revoke carol g:0 deadline",
	       "expired g:0 deadline attempts=3 [alice bob carol]");
	expect_stats(fx, .reviewers = 3, .offered = 5, .reoffered = 3, .completed = 1,
	             .ambiguous = 1, .expired_deadline = 1);
}

/* With ambiguous_to = expert only experts are offered the flagged window;
 * others still get the rest. */
static void test_ambiguous_to_expert(void **state)
{
	struct fixture *fx = *state;
	sched_reviewer *alice = sched_reviewer_join(fx->s, "alice", "alice", 1, 0);
	sched_reviewer *bob, *carol;

	fx->groups[0].ambiguous_to = RS_AMBIGUOUS_TO_EXPERT;
	add(fx, 0, 0, 0);
	bob = sched_reviewer_join(fx->s, "bob", "bob", 1, 5);
	expect(fx, "offer alice g:0 #1 deadline=100");
	sched_ambiguous(fx->s, held(fx, alice, "g:0"), 10);
	expect_nothing(fx);
	assert_null(sched_find(fx->s, bob, "g:0"));
	add(fx, 0, 10, 20);
	expect(fx, "offer bob g:10 #1 deadline=120");
	carol = sched_reviewer_join_as(fx->s, "carol", RS_ROLE_EXPERT, "carol", 1, 30);
	expect(fx, "offer carol g:0 #2 deadline=130");
	assert_int_equal(sched_reviewer_role(carol), RS_ROLE_EXPERT);
	sched_complete(fx->s, held(fx, carol, "g:0"), 40);
	expect_stats(fx, .assigned = 1, .reviewers = 3, .offered = 3, .reoffered = 1,
	             .completed = 1, .ambiguous = 1);
}

/* After max_ambiguous flags the window leaves as "ambiguous", with
 * everyone who had it. */
static void test_ambiguous_max(void **state)
{
	struct fixture *fx = *state;
	sched_reviewer *alice = sched_reviewer_join(fx->s, "alice", "alice", 1, 0);
	sched_reviewer *bob = sched_reviewer_join(fx->s, "bob", "bob", 1, 0);

	fx->groups[0].max_attempts = 1; /* flags do not use attempts up */
	add(fx, 0, 0, 0);
	expect(fx, "offer alice g:0 #1 deadline=100");
	sched_ambiguous(fx->s, held(fx, alice, "g:0"), 10);
	expect(fx, "offer bob g:0 #2 deadline=110");
	sched_reviewer_join(fx->s, "carol", "carol", 1, 15);
	sched_ambiguous(fx->s, held(fx, bob, "g:0"), 20);
	expect(fx, "expired g:0 ambiguous attempts=2 [alice bob]");
	expect_stats(fx, .reviewers = 3, .offered = 2, .reoffered = 1, .ambiguous = 2,
	             .expired_ambiguous = 1);
}

/* Flagged ambiguous and nobody who may take it comes: after the queue
 * timeout it expires as "ambiguous". */
static void test_ambiguous_timeout(void **state)
{
	struct fixture *fx = *state;
	sched_reviewer *alice = sched_reviewer_join(fx->s, "alice", "alice", 1, 0);

	fx->groups[0].ambiguous_to = RS_AMBIGUOUS_TO_EXPERT;
	add(fx, 0, 0, 0);
	sched_ambiguous(fx->s, held(fx, alice, "g:0"), 10);
	sched_reviewer_join(fx->s, "bob", "bob", 1, 20);
	sched_tick(fx->s, 10 + QUEUE_TIMEOUT);
	expect(fx, "offer alice g:0 #1 deadline=100", "expired g:0 ambiguous attempts=1 [alice]");
	expect_stats(fx, .reviewers = 2, .offered = 1, .ambiguous = 1, .expired_ambiguous = 1);
}

/* Skip: like a decline (an attempt is used, never back to the skipper);
 * the last attempt skipped expires as "declined". */
static void test_skip(void **state)
{
	struct fixture *fx = *state;
	sched_reviewer *alice = sched_reviewer_join(fx->s, "alice", "alice", 1, 0);
	sched_reviewer *bob;

	add(fx, 0, 0, 0);
	sched_skipped(fx->s, held(fx, alice, "g:0"), 10);
	expect(fx, "offer alice g:0 #1 deadline=100");
	assert_null(sched_find(fx->s, alice, "g:0"));
	bob = sched_reviewer_join(fx->s, "bob", "bob", 1, 20);
	expect(fx, "offer bob g:0 #2 deadline=120");
	sched_skipped(fx->s, held(fx, bob, "g:0"), 30);
	expect(fx, "expired g:0 declined attempts=2 [alice bob]");
	expect_stats(fx, .reviewers = 2, .offered = 2, .reoffered = 1, .skipped = 2);
}

/* ---- held (prefetched) tasks --------------------------------------------- */

/* A held task has no deadline: ticks past any time leave it alone, and
 * the queue timeout does not apply; it starts with a full time box when
 * the current one ends (here: its deadline passes, then a decline). */
static void test_held_starts_when_current_ends(void **state)
{
	struct fixture *fx = *state;
	sched_reviewer *alice = sched_reviewer_join(fx->s, "alice", "alice", 3, 0);

	fx->groups[0].max_attempts = 3;
	add(fx, 0, 0, 0);
	add(fx, 0, 10, 5);
	add(fx, 0, 20, 6);
	expect(fx, "offer alice g:0 #1 deadline=100", "offer alice g:10 #1 held",
	       "offer alice g:20 #1 held");
	assert_false(held(fx, alice, "g:0")->held);
	assert_true(held(fx, alice, "g:10")->held);
	expect_stats(fx, .assigned = 3, .held = 2, .reviewers = 1, .offered = 3);
	sched_tick(fx->s, 99);
	expect_nothing(fx);
	sched_tick(fx->s, 100);
	expect(fx, "revoke alice g:0 deadline", "start alice g:10 deadline=200");
	assert_int_equal(held(fx, alice, "g:10")->assigned_ns, 100);
	sched_decline(fx->s, held(fx, alice, "g:10"), 150);
	expect(fx, "start alice g:20 deadline=250");
	/* held for longer than the queue timeout, never expired for it */
	fx->groups[0].time_box_ns = 5 * QUEUE_TIMEOUT;
	add(fx, 0, 30, 160);
	expect(fx, "offer alice g:30 #1 held");
	sched_complete(fx->s, held(fx, alice, "g:20"), 200);
	expect(fx, "start alice g:30 deadline=5200");
	add(fx, 0, 40, 210);
	sched_tick(fx->s, 210 + 2 * QUEUE_TIMEOUT);
	expect(fx, "offer alice g:40 #1 held", "expired g:10 deadline attempts=1 [alice]",
	       "expired g:0 deadline attempts=1 [alice]");
	assert_true(held(fx, alice, "g:40")->held);
}

/* The reviewer leaves: its current and held windows go to others at
 * once, in their order, without using attempts. */
static void test_held_leave(void **state)
{
	struct fixture *fx = *state;
	sched_reviewer *alice = sched_reviewer_join(fx->s, "alice", "alice", 2, 0);
	sched_reviewer *bob;

	add(fx, 0, 0, 0);
	add(fx, 0, 10, 1);
	expect(fx, "offer alice g:0 #1 deadline=100", "offer alice g:10 #1 held");
	bob = sched_reviewer_join(fx->s, "bob", "bob", 2, 10);
	sched_reviewer_leave(fx->s, alice, 20);
	expect(fx, "offer bob g:0 #1 deadline=120", "offer bob g:10 #1 held");
	assert_int_equal(held(fx, bob, "g:10")->attempt, 1);
	expect_stats(fx, .assigned = 2, .held = 1, .reviewers = 1, .offered = 4);
}

/* A free reviewer is offered a window before a busy one would hold it. */
static void test_held_after_idle(void **state)
{
	struct fixture *fx = *state;

	sched_reviewer_join(fx->s, "alice", "alice", 2, 0);
	add(fx, 0, 0, 0);
	sched_reviewer_join(fx->s, "bob", "bob", 2, 0);
	add(fx, 0, 10, 1);
	add(fx, 0, 20, 2);
	expect(fx, "offer alice g:0 #1 deadline=100", "offer bob g:10 #1 deadline=101",
	       "offer alice g:20 #1 held");
}

/* ---- extensions ---------------------------------------------------------- */

static void test_extend(void **state)
{
	struct fixture *fx = *state;
	sched_reviewer *alice = sched_reviewer_join(fx->s, "alice", "alice", 2, 0);
	struct sched_assignment *a;
	char why[200];

	fx->groups[0].extend_ns = 50;
	fx->groups[0].max_extensions = 1;
	add(fx, 0, 0, 0);
	add(fx, 0, 10, 0);
	expect(fx, "offer alice g:0 #1 deadline=100", "offer alice g:10 #1 held");
	a = held(fx, alice, "g:0");
	assert_int_equal(sched_extensions_left(a), 1);

	/* held: nothing to extend yet */
	assert_false(sched_extend(fx->s, held(fx, alice, "g:10"), 10, why, sizeof(why)));
	assert_string_equal(why, "window g:10 has not started: more time is for the current task");

	assert_true(sched_extend(fx->s, a, 10, why, sizeof(why)));
	assert_int_equal(a->deadline_ns, 150);
	assert_int_equal(a->extensions, 1);
	assert_int_equal(sched_extensions_left(a), 0);
	assert_false(sched_extend(fx->s, a, 20, why, sizeof(why)));
	assert_string_equal(why, "no extensions left (1 of 1 used)");
	sched_tick(fx->s, 100);
	expect_nothing(fx);
	sched_tick(fx->s, 150);
	expect(fx, "revoke alice g:0 deadline", "start alice g:10 deadline=250");
	/* a new task, a fresh allowance */
	a = held(fx, alice, "g:10");
	assert_int_equal(sched_extensions_left(a), 1);
	assert_false(sched_extend(fx->s, a, 250, why, sizeof(why)));
	assert_string_equal(why, "window g:10: its time is already up");

	/* a group without extend_seconds allows none */
	fx->groups[0].extend_ns = 0;
	assert_int_equal(sched_extensions_left(a), 0);
	assert_false(sched_extend(fx->s, a, 160, why, sizeof(why)));
	assert_string_equal(why, "group g does not allow more time (extend_seconds)");
	expect_stats(fx, .waiting = 1, .assigned = 1, .reviewers = 1, .offered = 2,
	             .extended = 1);
}

/* ---- shutdown ----------------------------------------------------------- */

static int cmp_str(gconstpointer a, gconstpointer b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static void test_free_expires_everything(void **state)
{
	struct fixture *fx = *state;
	sched_reviewer *alice = sched_reviewer_join(fx->s, "alice", "alice", 2, 0);
	GPtrArray *expired = g_ptr_array_new();

	add(fx, 0, 0, 0);
	add(fx, 0, 10, 1);
	sched_publish_started(fx->s, held(fx, alice, "g:0"), 1);
	add(fx, 1, 0, 2);
	add(fx, 0, 20, 3);
	sched_tick(fx->s, 100);
	g_ptr_array_set_size(fx->log, 0);
	sched_free(fx->s);
	fx->s = NULL;

	/* order not promised; revokes may come too */
	for (guint i = 0; i < fx->log->len; i++) {
		if (g_str_has_prefix(fx->log->pdata[i], "expired "))
			g_ptr_array_add(expired, fx->log->pdata[i]);
	}
	g_ptr_array_sort(expired, cmp_str);
	/* g:0's label is in flight: no expired record may contradict it;
	 * g:10 was held (no deadline yet), h:0 and g:20 waited. */
	assert_int_equal(expired->len, 3);
	assert_string_equal(expired->pdata[0], "expired g:10 shutdown attempts=1 [alice]");
	assert_string_equal(expired->pdata[1], "expired g:20 shutdown attempts=0 []");
	assert_string_equal(expired->pdata[2], "expired h:0 shutdown attempts=0 []");
	g_ptr_array_unref(expired);
}

static void test_free_waiting_only(void **state)
{
	struct fixture *fx = *state;

	add(fx, 0, 0, 0);
	sched_free(fx->s);
	fx->s = NULL;
	expect(fx, "expired g:0 shutdown attempts=0 []");
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, fx_setup, fx_teardown)
	const struct CMUnitTest tests[] = {
	        T(test_offer_at_once),
	        T(test_queued_until_join),
	        T(test_capacity),
	        T(test_spread),
	        T(test_deadline_reoffers),
	        T(test_deadline_not_same_reviewer),
	        T(test_deadline_max_attempts),
	        T(test_leave_reoffers),
	        T(test_leave_and_rejoin),
	        T(test_leave_does_not_excuse_others),
	        T(test_publishing_suspends_deadline),
	        T(test_too_large),
	        T(test_publish_failed_after_deadline),
	        T(test_publish_failed_before_deadline),
	        T(test_publish_failed_after_leave),
	        T(test_complete_after_leave),
	        T(test_decline),
	        T(test_decline_not_back_to_decliner),
	        T(test_ambiguous_reoffer),
	        T(test_ambiguous_to_expert),
	        T(test_ambiguous_max),
	        T(test_ambiguous_timeout),
	        T(test_skip),
	        T(test_held_starts_when_current_ends),
	        T(test_held_leave),
	        T(test_held_after_idle),
	        T(test_extend),
	        T(test_queue_full),
	        T(test_queue_timeout_unassigned),
	        T(test_queue_timeout_after_offer),
	        T(test_free_expires_everything),
	        T(test_free_waiting_only),
	};
#undef T

	return cmocka_run_group_tests_name("sched", tests, NULL, NULL);
}
